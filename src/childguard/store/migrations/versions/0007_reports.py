"""Reports: filings of decided cases to hotlines, and each step sent.

Revision ID: 0007_reports
Revises: 0005_security
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_reports"
down_revision = "0005_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``reports`` and ``report_steps``."""
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("sink", sa.String(length=32), nullable=False),
        sa.Column("recipient_org_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(length=64), nullable=False),
        sa.Column("remote_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remote_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("package_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_due", "reports", ["status", "next_attempt_at"], unique=False)
    op.create_index("ix_report_case", "reports", ["case_id", "sink"], unique=False)
    op.create_index(op.f("ix_reports_org_id"), "reports", ["org_id"], unique=False)
    op.create_index(
        op.f("ix_reports_recipient_org_id"), "reports", ["recipient_org_id"], unique=False
    )
    op.create_table(
        "report_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("remote_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=False),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_report_step_report",
        "report_steps",
        ["report_id", "generation", "step"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the report tables."""
    op.drop_index("ix_report_step_report", table_name="report_steps")
    op.drop_table("report_steps")
    op.drop_index(op.f("ix_reports_recipient_org_id"), table_name="reports")
    op.drop_index(op.f("ix_reports_org_id"), table_name="reports")
    op.drop_index("ix_report_case", table_name="reports")
    op.drop_index("ix_report_due", table_name="reports")
    op.drop_table("reports")
