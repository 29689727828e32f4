"""The encrypted evidence store: per-organisation opt-in, wrapped data keys, item metadata.

Revision ID: 0004_evidence
Revises: 0001_initial
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_evidence"
down_revision = "0002_cases"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _org_fk(primary_key: bool = False) -> sa.Column[object]:
    return sa.Column(
        "org_id",
        sa.Integer(),
        sa.ForeignKey("orgs.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    """Create the evidence tables."""
    op.create_table(
        "evidence_org_settings",
        _org_fk(primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _ts("updated_at"),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "evidence_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org_fk(),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(32), nullable=False),
        _ts("created_at"),
        _ts("retired_at", nullable=True),
    )
    op.create_index("ix_evidence_keys_org_id", "evidence_keys", ["org_id"])
    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        _org_fk(),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("key_id", sa.Integer(), sa.ForeignKey("evidence_keys.id"), nullable=False),
        _ts("created_at"),
        sa.Column("created_by", sa.String(200), nullable=False),
        _ts("expires_at"),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=False),
        sa.Column("held_by", sa.String(200), nullable=False),
        _ts("held_at", nullable=True),
        _ts("reported_at", nullable=True),
        _ts("deleted_at", nullable=True),
        sa.Column("deleted_by", sa.String(200), nullable=False),
        sa.Column("delete_reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_evidence_org_sha256", "evidence_items", ["org_id", "sha256"])
    op.create_index("ix_evidence_org_case", "evidence_items", ["org_id", "case_id"])
    op.create_index("ix_evidence_expiry", "evidence_items", ["deleted_at", "expires_at"])


def downgrade() -> None:
    """Drop the evidence tables (the encrypted files stay in the evidence directory)."""
    for table in ("evidence_items", "evidence_keys", "evidence_org_settings"):
        op.drop_table(table)
