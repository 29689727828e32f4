"""The audit log indexed by target: a report asks who read each evidence item.

``fileViewedByEsp``/``exifViewedByEsp`` come from the audited reads of each file; without the
index every report scanned the whole audit log, which grows with every action.

Revision ID: 0011_rep_audit_target
Revises: 0010_stats
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0011_rep_audit_target"
down_revision = "0010_stats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index audit_log.target."""
    op.create_index("ix_audit_log_target", "audit_log", ["target"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_audit_log_target", table_name="audit_log")
