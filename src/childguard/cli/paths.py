"""Checks of command-line paths shared by ``hash``, ``scan`` and ``bank add``."""

from __future__ import annotations

from pathlib import Path

from childguard.errors import InvalidInput


def check_paths(paths: list[Path]) -> None:
    """A path typed on the command line that does not exist is a usage error (exit 2)."""
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise InvalidInput(f"no such file or directory: {', '.join(missing[:5])}")
