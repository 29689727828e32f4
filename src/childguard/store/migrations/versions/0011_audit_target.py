"""An index on the audit log's target: reveals, reads and a case's custody are found by target.

Revision ID: 0011_audit_target
Revises: 0010_stats
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0011_audit_target"
down_revision = "0010_stats"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index ``audit_log`` by (target, action)."""
    op.create_index("ix_audit_target_action", "audit_log", ["target", "action"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_audit_target_action", table_name="audit_log")
