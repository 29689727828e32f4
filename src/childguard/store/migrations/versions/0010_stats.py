"""Statistics submissions, pinned submitter keys and policy self-assessments.

Revision ID: 0010_stats
Revises: 0009_web
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_stats"
down_revision = "0009_web"
branch_labels = None
depends_on = None


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _org(primary_key: bool = False) -> sa.Column[object]:
    return sa.Column(
        "org_id",
        sa.Integer(),
        sa.ForeignKey("orgs.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def upgrade() -> None:
    """Create stats_pins, stats_submissions and policy_assessments."""
    op.create_table(
        "stats_pins",
        _org(primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        _ts("pinned_at"),
    )
    op.create_table(
        "stats_submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        _ts("received_at"),
        sa.Column("replaced", sa.Integer(), nullable=False),
        sa.UniqueConstraint("org_id", "kind", "period", name="uq_stats_submission_period"),
    )
    op.create_index("ix_stats_submissions_org_id", "stats_submissions", ["org_id"])
    op.create_table(
        "policy_assessments",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org(),
        sa.Column("company_type", sa.String(16), nullable=False),
        sa.Column("checklist_version", sa.String(32), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("scores", sa.Text(), nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_policy_assessments_org_id", "policy_assessments", ["org_id"])


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("policy_assessments")
    op.drop_table("stats_submissions")
    op.drop_table("stats_pins")
