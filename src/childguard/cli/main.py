"""Entry point of the ``childguard`` command: assembles the command groups, lazily.

A command's module (and the database, web or model libraries it needs) is imported only when that
command runs, so ``--version``, ``--help`` and ``hash`` start quickly. The top-level help lists
the commands from ``COMMANDS`` without importing them; a test keeps those lines equal to each
command's own help.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

from childguard import __version__
from childguard.runtime import tune_allocator

#: Top-level command -> (module under ``childguard.cli`` whose ``register(app)`` adds it, the
#: one-line help shown by ``childguard --help``), in the order that help lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "hash": ("hash_cmd", "Hash files: PDQ for photos, vPDQ for videos, MD5 and SHA-256 for both."),
    "scan": ("scan_cmd", "Hash every file and look each signal up in every enabled bank."),
    "lookup": (
        "lookup_cmd",
        "Print, for each hash, the bank entries it matches (PDQ within each bank's threshold).",
    ),
    "bank": ("bank_cmd", "Manage hash banks (named lists of known hashes)."),
    "text": (
        "text_cmd",
        "Chat risk detection: grooming, sextortion, bullying, abuse-material trade.",
    ),
    "serve": (
        "server_cmd",
        "Serve the HTTP API (OpenAPI docs at /docs) and the web console (/login) until "
        "interrupted.",
    ),
    "db": ("db_cmd", "Database schema management."),
    "org": ("admin_cmd", "Organisations using this deployment."),
    "key": ("admin_cmd", "API keys (stored hashed, shown once)."),
    "audit": ("admin_cmd", "The hash-chained audit log."),
    "case": ("case_cmd", "Review cases: list, show, claim, decide."),
    "queue": ("queue_cmd", "Review queues and routing rules."),
    "webhook": (
        "webhook_cmd",
        "Webhooks: tell the platform about cases and actions (signed, retried).",
    ),
    "evidence": (
        "evidence_cmd",
        "The encrypted evidence store: opt-in, items, legal holds, purge and keys.",
    ),
    "feed": ("feed_cmd", "Signed feeds between organisations: publish, subscribe, sync, feedback."),
    "signals": ("signals_cmd", "Account and URL signals shared with a group as keyed hashes."),
    "exchange": (
        "exchange_cmd",
        "Pull signals from HMA, NCMEC hash sharing and StopNCII into banks.",
    ),
    "backfill": (
        "backfill_cmd",
        "Scan images, videos and conversation files (.jsonl) already stored, on Dask.",
    ),
    "inspect": (
        "inspect_cmd",
        "Show what a file says about itself: place, device, capture time, software, faces, "
        "nudity score, text in it (and its text risk), matches, and the review priority.",
    ),
    "report": (
        "report_cmd",
        "Reports to hotlines (NCMEC CyberTipline, Cambodian referral): file, list, show, "
        "retract, run, verify.",
    ),
    "dev": ("dev_cmd", "Development tools (local fakes of partner services)."),
    "user": ("user_cmd", "Console users (argon2id passwords)."),
    "stats": (
        "stats_cmd",
        "Statistics for the regulator: counts only, small numbers hidden; sent to the ministry.",
    ),
    "policy": (
        "stats_cmd",
        "Child online protection self-assessment against the shipped checklist.",
    ),
    "transparency": (
        "stats_cmd",
        "Write this organisation's transparency report (TRUST framework, EU 2024/2835 categories).",
    ),
}


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


app = typer.Typer(
    name="childguard",
    cls=LazyGroup,
    help="childguard: hash matching, chat risk detection and reporting to protect children.",
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
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """childguard command line. Settings come from CHILDGUARD_* environment variables."""


def main() -> None:
    """Console-script entry point."""
    tune_allocator()
    app()


if __name__ == "__main__":
    main()
