"""``childguard db``: schema management."""

from __future__ import annotations

import typer

from childguard.cli.common import handle_errors, load_settings
from childguard.store.db import Database

db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)


@db_app.command("upgrade")
@handle_errors
def upgrade() -> None:
    """Create the database if needed and apply every pending migration."""
    settings = load_settings()
    db = Database.open(settings, migrate=False)
    applied = db.upgrade()
    typer.echo(f"database at revision {db.current_revision()}" + (" (upgraded)" if applied else ""))


def register(app: typer.Typer) -> None:
    """Attach the ``db`` group."""
    app.add_typer(db_app, name="db")
