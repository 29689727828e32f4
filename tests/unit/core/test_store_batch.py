"""``Batch``: statements run together, in order, in the caller's transaction, on both dialects."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from childguard.store.batch import Batch
from childguard.store.db import Database
from childguard.store.models import CaseQueue, Org, utcnow

#: A batch applies no Python-side column defaults: its callers give every value.
NOW = utcnow()
BY_ORG = select(CaseQueue.name).where(CaseQueue.org_id == bindparam("org_id")).order_by("name")


def test_a_batch_runs_in_order_and_returns_each_statements_rows(db: Database, org: Org) -> None:
    with db.session(write=True) as s:
        batch = Batch()
        before = batch.add(BY_ORG, {"org_id": org.id})
        batch.add(
            insert(CaseQueue),
            [
                {"org_id": org.id, "name": name, "description": "", "created_at": NOW}
                for name in ("b", "a")
            ],
        )
        one = batch.add(
            insert(CaseQueue), {"org_id": org.id, "name": "c", "description": "", "created_at": NOW}
        )
        after = batch.add(BY_ORG, {"org_id": org.id})
        rows = batch.run(s.connection())
    assert rows[before] == []
    # an INSERT returns nothing on SQLite; PostgreSQL's compiled INSERT returns the new id
    assert rows[one] is None or len(rows[one]) == 1
    assert rows[after] == [("a",), ("b",), ("c",)]
    with db.session() as s:  # committed with the caller's transaction
        assert list(s.scalars(BY_ORG, {"org_id": org.id})) == ["a", "b", "c"]


def test_a_failing_statement_fails_the_batch_and_its_transaction(db: Database, org: Org) -> None:
    row = {"org_id": org.id, "name": "same", "description": "", "created_at": NOW}
    with pytest.raises(IntegrityError) as caught, db.session(write=True) as s:
        batch = Batch()
        batch.add(insert(CaseQueue), {**row, "name": "kept-only-if-committed"})
        batch.add(insert(CaseQueue), row)
        batch.add(insert(CaseQueue), row)  # the unique (org, name) constraint
        batch.run(s.connection())
    assert "case_queue" in str(caught.value)
    with db.session() as s:
        assert list(s.scalars(BY_ORG, {"org_id": org.id})) == []


def test_values_written_by_a_batch_read_back_through_the_orm_unchanged(
    db: Database, org: Org
) -> None:
    from datetime import timedelta

    from childguard.store.models import CaseSettings, Webhook

    when = NOW - timedelta(days=3, microseconds=17)
    with db.session(write=True) as s:
        batch = Batch()
        batch.add(
            insert(CaseQueue),
            {"org_id": org.id, "name": "q", "description": "", "created_at": when},
        )
        batch.add(
            insert(Webhook),
            {"org_id": org.id, "url": "https://example.org/h", "events": "case.opened",
             "secret": "s" * 32, "description": "", "created_at": when},
        )  # fmt: skip
        batch.add(
            insert(CaseSettings),
            {"org_id": org.id, "review_threshold": 0.25, "four_eyes": False, "open_cases": True,
             "lease_seconds": 60},
        )  # fmt: skip
        batch.run(s.connection())
    with db.session() as s:
        queue = s.scalars(select(CaseQueue).where(CaseQueue.org_id == org.id)).one()
        hook = s.scalars(select(Webhook).where(Webhook.org_id == org.id)).one()
        case_settings = s.get(CaseSettings, org.id)
        # compared by the database too: the stored text must order like the ORM's
        later = s.scalar(select(CaseQueue.name).where(CaseQueue.created_at > when))
    assert queue.created_at == when and hook.created_at == when
    assert case_settings is not None
    assert case_settings.four_eyes is False and case_settings.open_cases is True
    assert case_settings.review_threshold == 0.25
    assert later is None


def test_fixed_values_in_a_statement_and_rows_given_in_another_key_order_bind_right(
    db: Database, org: Org
) -> None:
    from sqlalchemy import or_

    # "a" and "c" are values fixed in the statement; org_id comes from each call's row
    fixed = (
        select(CaseQueue.name)
        .where(
            CaseQueue.org_id == bindparam("org_id"),
            or_(CaseQueue.name == "a", CaseQueue.name == "c"),
        )
        .order_by("name")
    )
    with db.session(write=True) as s:
        batch = Batch()
        batch.add(
            insert(CaseQueue),
            [
                {"org_id": org.id, "name": "a", "description": "", "created_at": NOW},
                # the same keys in another order: bound by name all the same
                {"created_at": NOW, "description": "d", "name": "b", "org_id": org.id},
                {"org_id": org.id, "name": "c", "description": "", "created_at": NOW},
            ],
        )
        first = batch.add(fixed, {"org_id": org.id})
        other_org = batch.add(fixed, {"org_id": org.id + 1000})
        rows = batch.run(s.connection())
    assert rows[first] == [("a",), ("c",)]
    assert rows[other_org] == []
    with db.session() as s:
        described = s.execute(
            select(CaseQueue.name, CaseQueue.description).where(CaseQueue.org_id == org.id)
        ).all()
    assert sorted(described) == [("a", ""), ("b", "d"), ("c", "")]
