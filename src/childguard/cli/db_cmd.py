"""``childguard db``: schema management."""

from __future__ import annotations

import typer

from childguard.cli.common import JSON_HELP, handle_errors, load_settings, report
from childguard.store.db import Database

db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)


@db_app.command("upgrade")
@handle_errors
def upgrade(json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Create the database if needed and apply every pending migration."""
    settings = load_settings()
    db = Database.open(settings, migrate=False)
    applied = db.upgrade()
    revision = db.current_revision()
    report(
        json_out,
        {"revision": revision, "upgraded": applied},
        f"database at revision {revision}" + (" (upgraded)" if applied else ""),
    )


def register(app: typer.Typer) -> None:
    """Attach the ``db`` group."""
    app.add_typer(db_app, name="db")
