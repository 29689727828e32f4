"""Bank and entry ids are never reused: AUTOINCREMENT on SQLite.

Without it SQLite hands the id of a deleted newest bank (or entry) to the next one, and the audit
log, which names banks and entries by id, would then point at two different things. PostgreSQL
sequences never go back, so nothing changes there. The tables are rebuilt with their data;
``Database.upgrade`` turns foreign keys off around migrations, so the rebuild cascades nothing.

Revision ID: 0008_firstday
Revises: 0003_webhooks
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0008_firstday"
down_revision = "0003_webhooks"
branch_labels = None
depends_on = None

TABLES = ("banks", "bank_entries")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    """Rebuild ``banks`` and ``bank_entries`` with AUTOINCREMENT ids (SQLite only)."""
    _rebuild(True)


def downgrade() -> None:
    """Rebuild them without AUTOINCREMENT (ids may then be reused again)."""
    _rebuild(False)
