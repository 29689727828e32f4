"""Entry point of the ``childguard`` command.

``--version``, ``--help`` and a bare ``childguard`` are answered by ``quick.py`` from the static
``COMMANDS`` table before Typer is imported (Typer alone costs more than their start-up budget);
every other invocation runs the Typer application of ``app.py``, which imports only the module of
the command that runs. ``app`` and ``load_command`` are still importable from here, lazily.
"""

from __future__ import annotations

import os
import sys

from childguard.cli.commands import COMMANDS as COMMANDS
from childguard.cli.quick import answer

TYPE_CHECKING = False  # typing itself costs ~10 ms of start-up
if TYPE_CHECKING:
    from typing import Any

_LAZY = ("app", "load_command")


def __getattr__(name: str) -> Any:
    """``app`` (built once) and ``load_command``, importing Typer only when first asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from childguard.cli import app as app_module

    if name == "load_command":
        return app_module.load_command
    built = app_module.build_app()
    globals()["app"] = built
    return built


def main() -> None:
    """Console-script entry point."""
    # pydantic looks for its plugins in every installed distribution's entry points before it
    # builds the first model (the settings): 12-25 ms of each command's start-up for plugins
    # that this command line never uses. ``PYDANTIC_DISABLE_PLUGINS`` set by the user wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    status = answer(sys.argv[1:])
    if status is not None:
        sys.exit(status)
    from childguard.runtime import tune_allocator

    tune_allocator()
    __getattr__("app")()


if __name__ == "__main__":
    main()
