"""Former home of the signal-type registry, now ``childguard.media.signals.registry``.

The registry belongs with the signals it registers (a core module must not import a service).
Old imports keep working through this alias, which imports nothing until a name is asked for.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    from childguard.media.signals import registry

    return getattr(registry, name)
