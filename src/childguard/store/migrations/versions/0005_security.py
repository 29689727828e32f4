"""Entry counts kept by triggers, and shared rate-limit counters.

Revision ID: 0005_security
Revises: 0001_initial
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_security"
down_revision = "0008_firstday"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER bank_entries_count_insert AFTER INSERT ON bank_entries BEGIN
        INSERT INTO bank_entry_counts (bank_id, signal_type, enabled, n)
        VALUES (NEW.bank_id, NEW.signal_type, NEW.enabled, 1)
        ON CONFLICT (bank_id, signal_type, enabled) DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER bank_entries_count_delete AFTER DELETE ON bank_entries BEGIN
        UPDATE bank_entry_counts SET n = n - 1
        WHERE bank_id = OLD.bank_id AND signal_type = OLD.signal_type
          AND enabled = OLD.enabled;
    END
    """,
    """
    CREATE TRIGGER bank_entries_count_update
    AFTER UPDATE OF bank_id, signal_type, enabled ON bank_entries BEGIN
        UPDATE bank_entry_counts SET n = n - 1
        WHERE bank_id = OLD.bank_id AND signal_type = OLD.signal_type
          AND enabled = OLD.enabled;
        INSERT INTO bank_entry_counts (bank_id, signal_type, enabled, n)
        VALUES (NEW.bank_id, NEW.signal_type, NEW.enabled, 1)
        ON CONFLICT (bank_id, signal_type, enabled) DO UPDATE SET n = n + 1;
    END
    """,
]

# Statement-level triggers with transition tables: one grouped upsert per statement, so a bulk
# import of millions of rows costs one aggregate, not a trigger call per row. Groups are taken
# in key order so concurrent writers lock counter rows in the same order.
_PG_ADD = """
    INSERT INTO bank_entry_counts (bank_id, signal_type, enabled, n)
    SELECT bank_id, signal_type, enabled, count(*) FROM {rows}
    GROUP BY bank_id, signal_type, enabled ORDER BY bank_id, signal_type, enabled
    ON CONFLICT (bank_id, signal_type, enabled)
    DO UPDATE SET n = bank_entry_counts.n + EXCLUDED.n;
"""
_PG_SUBTRACT = """
    UPDATE bank_entry_counts c SET n = c.n - d.n
    FROM (SELECT bank_id, signal_type, enabled, count(*) AS n FROM {rows}
          GROUP BY bank_id, signal_type, enabled) d
    WHERE c.bank_id = d.bank_id AND c.signal_type = d.signal_type AND c.enabled = d.enabled;
"""
_PG_TRIGGERS = [
    f"""
    CREATE FUNCTION bank_entries_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {_PG_ADD.format(rows="new_rows")} RETURN NULL; END $$
    """,
    f"""
    CREATE FUNCTION bank_entries_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {_PG_SUBTRACT.format(rows="old_rows")} RETURN NULL; END $$
    """,
    f"""
    CREATE FUNCTION bank_entries_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN {_PG_SUBTRACT.format(rows="old_rows")} {_PG_ADD.format(rows="new_rows")}
    RETURN NULL; END $$
    """,
    """
    CREATE TRIGGER bank_entries_count_insert AFTER INSERT ON bank_entries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION bank_entries_count_insert()
    """,
    """
    CREATE TRIGGER bank_entries_count_delete AFTER DELETE ON bank_entries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION bank_entries_count_delete()
    """,
    """
    CREATE TRIGGER bank_entries_count_update AFTER UPDATE ON bank_entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION bank_entries_count_update()
    """,
]


def upgrade() -> None:
    """Create the counters, fill them from the stored entries, and install the triggers."""
    op.create_table(
        "bank_entry_counts",
        sa.Column(
            "bank_id",
            sa.Integer(),
            sa.ForeignKey("banks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("signal_type", sa.String(32), primary_key=True),
        sa.Column("enabled", sa.Boolean(), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    op.execute(
        "INSERT INTO bank_entry_counts (bank_id, signal_type, enabled, n) "
        "SELECT bank_id, signal_type, enabled, count(*) FROM bank_entries "
        "GROUP BY bank_id, signal_type, enabled"
    )
    statements = _PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)
    op.create_table(
        "rate_counters",
        sa.Column("bucket", sa.String(200), primary_key=True),
        sa.Column("window_start", sa.BigInteger(), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_rate_counters_window_start", "rate_counters", ["window_start"])


def downgrade() -> None:
    """Drop the triggers and both tables."""
    pg = op.get_bind().dialect.name == "postgresql"
    for name in ("insert", "delete", "update"):
        trigger = f"bank_entries_count_{name}"
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (" ON bank_entries" if pg else ""))
        if pg:
            op.execute(f"DROP FUNCTION IF EXISTS {trigger}()")
    op.drop_index("ix_rate_counters_window_start", table_name="rate_counters")
    op.drop_table("rate_counters")
    op.drop_table("bank_entry_counts")
