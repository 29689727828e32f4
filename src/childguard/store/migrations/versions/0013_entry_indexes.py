"""Fewer index writes per bank entry: no index of its own on ``bank_id`` (the unique
``(bank_id, value_digest)`` index leads with it), none on ``(signal_type, enabled)`` (no query
filters on them without the bank), and the ``content_id`` index holds only entries that belong
to another piece of content (most are their own).

A 10M-hash import wrote five index entries per row; it now writes three (the id, the unique
index, and nothing for an entry without a content id).

Revision ID: 0013_entry_indexes
Revises: 0012_case_write_indexes
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_entry_indexes"
down_revision = "0012_case_write_indexes"
branch_labels = None
depends_on = None

_GROUPED = sa.text("content_id IS NOT NULL")


def upgrade() -> None:
    """Drop ``ix_bank_entries_bank_id`` and ``ix_entry_signal``; make the content index partial."""
    op.drop_index("ix_bank_entries_bank_id", table_name="bank_entries")
    op.drop_index("ix_entry_signal", table_name="bank_entries")
    op.drop_index("ix_bank_entries_content_id", table_name="bank_entries")
    op.create_index(
        "ix_bank_entries_content_id",
        "bank_entries",
        ["content_id"],
        sqlite_where=_GROUPED,
        postgresql_where=_GROUPED,
    )


def downgrade() -> None:
    """Restore the three indexes as they were."""
    op.drop_index("ix_bank_entries_content_id", table_name="bank_entries")
    op.create_index("ix_bank_entries_content_id", "bank_entries", ["content_id"])
    op.create_index("ix_entry_signal", "bank_entries", ["signal_type", "enabled"])
    op.create_index("ix_bank_entries_bank_id", "bank_entries", ["bank_id"])
