"""Fewer index writes per new case: the lease index holds only claimed cases; no second
``case_media`` index on ``case_id`` (its unique ``(case_id, sha256)`` index serves it).

Every matched upload that opens a case writes these tables in the scan's transaction, so each
index a new row must enter is paid on every such scan.

Revision ID: 0012_case_write_indexes
Revises: 0011_audit_target
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_case_write_indexes"
down_revision = "0011_audit_target"
branch_labels = None
depends_on = None

_CLAIMED = sa.text("lease_expires_at IS NOT NULL")


def upgrade() -> None:
    """Make ``ix_case_lease`` partial and drop ``ix_case_media_case_id``."""
    op.drop_index("ix_case_lease", table_name="cases")
    op.create_index(
        "ix_case_lease",
        "cases",
        ["org_id", "status", "lease_expires_at"],
        sqlite_where=_CLAIMED,
        postgresql_where=_CLAIMED,
    )
    op.drop_index("ix_case_media_case_id", table_name="case_media")


def downgrade() -> None:
    """Restore both indexes as they were."""
    op.create_index("ix_case_media_case_id", "case_media", ["case_id"])
    op.drop_index("ix_case_lease", table_name="cases")
    op.create_index("ix_case_lease", "cases", ["org_id", "status", "lease_expires_at"])
