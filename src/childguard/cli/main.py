"""Entry point of the ``childguard`` command: assembles the command groups."""

from __future__ import annotations

import importlib

import typer

from childguard import __version__
from childguard.runtime import tune_allocator

app = typer.Typer(
    name="childguard",
    help="childguard: hash matching, chat risk detection and reporting to protect children.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: (module under childguard.cli, attribute) registering commands on ``app``; each module exposes
#: ``register(app)`` so that command groups stay in their own modules.
COMMAND_MODULES: tuple[str, ...] = (
    "db_cmd",
    "hash_cmd",
    "bank_cmd",
    "lookup_cmd",
    "scan_cmd",
    "backfill_cmd",
    "inspect_cmd",
    "text_cmd",
    "server_cmd",
    "admin_cmd",
    "evidence_cmd",
    "feed_cmd",
    "signals_cmd",
    "exchange_cmd",
    "webhook_cmd",
    "stats_cmd",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"childguard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """childguard command line. Settings come from CHILDGUARD_* environment variables."""


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"childguard.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"childguard.cli.{name}":
                continue  # command group not built yet
            raise
        module.register(app)


_register_all()


def main() -> None:
    """Console-script entry point."""
    tune_allocator()
    app()


if __name__ == "__main__":
    main()
