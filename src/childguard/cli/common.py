"""Helpers shared by every CLI command: settings, output, and the error wrapper."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from childguard.errors import ChildguardError

if TYPE_CHECKING:
    from rich.console import Console

    from childguard.config import Settings

P = ParamSpec("P")
R = TypeVar("R")


class LazyConsole:
    """rich's stderr console, made on first use (importing rich costs every command ~50 ms)."""

    def __init__(self) -> None:
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        """The underlying console."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True)
        return self._console

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """``Console.print`` on stderr."""
        self.console.print(*objects, **kwargs)

    @property
    def is_terminal(self) -> bool:
        """Whether stderr is a terminal."""
        return self.console.is_terminal


err_console = LazyConsole()


def load_settings() -> Settings:
    """Settings from the environment; a bad value is a usage error (exit 2), not a traceback."""
    from pydantic import ValidationError

    from childguard.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        err_console.print(f"[red]error:[/red] setting CHILDGUARD_{field.upper()}: {first['msg']}")
        raise typer.Exit(2) from None


def print_json(obj: Any) -> None:
    """One JSON object per line on stdout, flushed (for piping into ``jq`` and log shippers)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


#: Help of the ``--json`` option of every command that creates or changes something.
JSON_HELP = "Print one JSON object (for scripts) instead of the sentence."


def report(json_out: bool, payload: dict[str, Any], text: str) -> None:
    """What a command that creates or changes something prints: ``payload`` as one JSON object
    with ``--json``, else ``text``."""
    if json_out:
        print_json(payload)
    else:
        typer.echo(text)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a ``ChildguardError`` into its message on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ChildguardError as exc:
            err_console.print(
                f"[red]error:[/red] {exc.message}", markup=True, highlight=False, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper
