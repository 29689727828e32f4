"""The web console: users, browser sessions, wellness settings and reviewers' days.

Revision ID: 0009_web
Revises: 0007_reports
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_web"
down_revision = "0007_reports"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Create the users, web_sessions, wellness_settings and wellness_days tables."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "org_id", sa.Integer(), sa.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("blur_level", sa.Integer(), nullable=False),
        sa.Column("greyscale", sa.Boolean(), nullable=False),
        sa.Column("drawing", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        _ts("locked_until", nullable=True),
        _ts("disabled_at", nullable=True),
        _ts("created_at"),
    )
    op.create_index("ix_users_org_id", "users", ["org_id"])
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("last_seen_at"),
        _ts("ended_at", nullable=True),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "wellness_settings",
        sa.Column(
            "org_id",
            sa.Integer(),
            sa.ForeignKey("orgs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("blur_level", sa.Integer(), nullable=False),
        sa.Column("greyscale", sa.Boolean(), nullable=False),
        sa.Column("drawing", sa.Boolean(), nullable=False),
        sa.Column("soft_limit_reveals", sa.Integer(), nullable=False),
        sa.Column("hard_limit_reveals", sa.Integer(), nullable=False),
        sa.Column("soft_limit_minutes", sa.Integer(), nullable=False),
        sa.Column("hard_limit_minutes", sa.Integer(), nullable=False),
    )
    op.create_table(
        "wellness_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("reveals", sa.Integer(), nullable=False),
        sa.Column("review_seconds", sa.Integer(), nullable=False),
        sa.Column("override_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("user_id", "day", name="uq_wellness_user_day"),
    )
    op.create_index("ix_wellness_days_user_id", "wellness_days", ["user_id"])


def downgrade() -> None:
    """Drop the console's tables."""
    op.drop_table("wellness_days")
    op.drop_table("wellness_settings")
    op.drop_table("web_sessions")
    op.drop_table("users")
