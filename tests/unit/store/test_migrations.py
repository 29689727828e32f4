"""The Alembic history builds exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from childguard.config import Settings
from childguard.store.db import Database
from childguard.store.models import Base


def test_migrations_match_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(db: Database) -> None:
    assert db.current_revision() is not None
    assert db.upgrade() is False


def test_bank_and_entry_ids_are_never_reused(db: Database) -> None:
    from childguard.auth import ensure_org
    from childguard.media.bank_formats import make_entry
    from childguard.media.banks import BankRepository

    pdq = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
    with db.session(write=True) as s:
        repo = BankRepository(s, ensure_org(s, "local"))
        old = repo.create("OLD")
        first = repo.add_entries(old, [make_entry("pdq", pdq)]).entry_ids[0]
        old_id = old.id
        repo.delete("OLD")
    with db.session(write=True) as s:
        repo = BankRepository(s, ensure_org(s, "local"))
        new = repo.create("NEW")
        again = repo.add_entries(new, [make_entry("pdq", pdq)]).entry_ids[0]
        assert new.id > old_id and again > first


def test_autoincrement_rebuild_keeps_rows_and_cascades_nothing(settings: Settings) -> None:
    from alembic import command

    from childguard.store.db import alembic_config

    db = Database.open(settings, migrate=False)
    try:
        cfg = alembic_config(db.url)
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001_initial")
        now = "2026-12-04 00:00:00"
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO orgs (id, name, display_name, created_at) "
                f"VALUES (1, 'local', '', '{now}'), (2, 'other', '', '{now}')"
            )
            conn.exec_driver_sql(
                "INSERT INTO banks (id, org_id, name, description, enabled, is_allow, created_at,"
                f" updated_at) VALUES (7, 1, 'KEPT', '', true, false, '{now}', '{now}')"
            )
            conn.exec_driver_sql(
                "INSERT INTO bank_entries (id, bank_id, signal_type, value, value_digest, source,"
                " external_id, classification, note, enabled, added_at) VALUES "
                f"(40, 7, 'md5', 'v', 'd', '', '', '', '', true, '{now}')"
            )
            conn.exec_driver_sql("INSERT INTO bank_shares (bank_id, org_id) VALUES (7, 2)")
        assert db.upgrade() is True
        with db.engine.connect() as conn:
            counts = [
                conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
                for t in ("banks", "bank_entries", "bank_shares")
            ]
            foreign_keys = (
                conn.exec_driver_sql("PRAGMA foreign_keys").scalar() if db.is_sqlite else 1
            )
        assert counts == [1, 1, 1]
        assert foreign_keys == 1  # back on for the pooled connection
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        db.dispose()


def test_a_reveal_is_found_through_the_audit_target_index(db: Database) -> None:
    import pytest
    from sqlalchemy import text

    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; the index itself is compared above")
    with db.session() as s:
        # the query of wellness.revealed_recently
        plan = s.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT id FROM audit_log WHERE action = 'console.reveal' "
                "AND target = 'media:7' AND actor = 'r'"
            )
        ).all()
    assert any("ix_audit_target_action" in str(row) for row in plan), plan


def test_a_new_case_enters_no_lease_index_and_an_expired_lease_is_still_found(
    db: Database,
) -> None:
    from datetime import timedelta

    from sqlalchemy import func, select, text

    from childguard.store.models import Case, Org, utcnow

    now = utcnow()
    with db.session() as s:
        org = Org(name="acme")
        s.add(org)
        s.flush()
        s.add_all(
            [
                Case(org_id=org.id, status="open", opened_at=now, updated_at=now),
                Case(
                    org_id=org.id,
                    status="in_review",
                    holder="r",
                    lease_expires_at=now - timedelta(minutes=1),
                    opened_at=now,
                    updated_at=now,
                ),
            ]
        )
        s.commit()
        expired = s.scalars(
            select(Case.id).where(
                Case.org_id == org.id,
                Case.status == "in_review",
                Case.lease_expires_at < utcnow(),
            )
        ).all()
        assert len(expired) == 1
        definition = s.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'ix_case_lease'")
            if db.engine.dialect.name == "sqlite"
            else text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_case_lease'")
        ).scalar_one()
        # partial: an open case, never leased, does not enter it
        assert "lease_expires_at IS NOT NULL" in definition, definition
        assert s.scalar(select(func.count()).select_from(Case)) == 2


def test_bank_entries_keep_three_indexes_and_their_queries_still_use_one(db: Database) -> None:
    """A new entry writes the id, the unique (bank, digest) index and nothing more (no content
    id); grouping by content and reading an import's id range still go through an index."""
    from sqlalchemy import text

    with db.session() as s:
        if db.engine.dialect.name == "sqlite":
            names = s.execute(
                text(
                    "SELECT name, coalesce(sql, '') FROM sqlite_master "
                    "WHERE type = 'index' AND tbl_name = 'bank_entries'"
                )
            ).all()
        else:
            names = s.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'bank_entries' "
                    "AND indexname <> 'bank_entries_pkey'"
                )
            ).all()
        assert len(names) == 2, names
        content = [sql for name, sql in names if name == "ix_bank_entries_content_id"]
        assert content and "content_id IS NOT NULL" in content[0], names
        if db.engine.dialect.name != "sqlite":
            return
        grouped = s.execute(
            text("EXPLAIN QUERY PLAN SELECT id FROM bank_entries WHERE content_id = 5 OR id = 5")
        ).all()
        assert any("ix_bank_entries_content_id" in str(row) for row in grouped), grouped
        # the matcher's read of an import's range (media.matcher)
        ranged = s.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT id, bank_id, signal_type, value, enabled "
                "FROM bank_entries WHERE +bank_id = 3 AND id >= 10 AND id <= 100"
            )
        ).all()
        assert any("PRIMARY KEY (rowid>? AND rowid<?)" in str(row) for row in ranged), ranged
