"""The Typer application of the ``childguard`` command, assembling the command groups lazily.

A command's module (and the database, web or model libraries it needs) is imported only when that
command runs, so ``hash`` starts quickly. The top-level help lists the commands from
``COMMANDS`` without importing them; a test keeps those lines equal to each command's own help.
``--version``, ``--help`` and a bare ``childguard`` never get here: ``quick.py`` answers them
without importing Typer.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

from childguard import __version__
from childguard.cli.commands import COMMANDS, ROOT_HELP, VERSION_HELP


def load_command(name: str) -> Any:
    """The click command ``name``, importing only the module that defines it."""
    module = importlib.import_module(f"childguard.cli.{COMMANDS[name][0]}")
    holder = typer.Typer()

    @holder.callback()
    def _group() -> None:  # a callback makes typer build a group even for a single command
        """Holder."""

    module.register(holder)
    return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]


class LazyGroup(TyperGroup):
    """A command group that imports a command's module when that command is invoked."""

    def list_commands(self, ctx: Any) -> list[str]:
        """Every command name, without importing any."""
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """Import and build the command (None for an unknown name, as click expects)."""
        if cmd_name not in COMMANDS:
            return None
        return load_command(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Plain help (rich's would build every command) with the static command list."""
        self.format_usage(ctx, formatter)
        self.format_help_text(ctx, formatter)
        self.format_options(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The ``Commands`` section from ``COMMANDS``."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, text) for name, (_, text) in COMMANDS.items()])


def build_app() -> typer.Typer:
    """A new Typer application for the whole command line."""
    app = typer.Typer(
        name="childguard",
        cls=LazyGroup,
        help=ROOT_HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    def _version(value: bool) -> None:
        if value:
            typer.echo(f"childguard {__version__}")
            raise typer.Exit()

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help=VERSION_HELP
        ),
    ) -> None:
        """childguard command line. Settings come from CHILDGUARD_* environment variables."""

    return app
