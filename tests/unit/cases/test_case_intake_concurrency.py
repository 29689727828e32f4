"""Concurrent matched scans of one subject: one case, every item, a chain that verifies."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from childguard import audit
from childguard.cases.intake import Subject
from childguard.cases.queries import case_detail
from childguard.store.models import Case, CaseEvent, CaseMedia
from tests.unit.cases.conftest import World

SCANS = 12


def test_concurrent_scans_of_one_user_open_one_case_with_every_item(world: World) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda n: world.scan(n, Subject(user_id="u-race")), range(SCANS)))
    case_ids = {r.case_id for r in results}
    assert len(case_ids) == 1
    assert sum(r.opened for r in results) == 1
    (case_id,) = case_ids
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        assert s.scalar(select(func.count()).select_from(CaseMedia)) == SCANS
        actions = [e["action"] for e in case_detail(s, world.org_id, case_id)["history"]]  # type: ignore[index]
        assert sorted(actions) == sorted(["opened"] + ["media_added"] * (SCANS - 1))
        assert audit.verify_chain(s).ok


def test_concurrent_retries_with_one_idempotency_key_create_one_case(world: World) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda n: world.scan(100 + n, key="retry-race"), range(SCANS)))
    assert len({r.case_id for r in results}) == 1
    assert sum(r.opened for r in results) == 1
    assert sum(r.replayed for r in results) == SCANS - 1
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        assert s.scalar(select(func.count()).select_from(CaseMedia)) == 1
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 1
        assert audit.verify_chain(s).ok


def test_concurrent_scans_of_different_subjects_each_open_their_own_case(world: World) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(
            pool.map(lambda n: world.scan(200 + n, Subject(user_id=f"u{n}")), range(SCANS))
        )
    assert len({r.case_id for r in results}) == SCANS and all(r.opened for r in results)
    with world.db.session() as s:
        assert audit.verify_chain(s).ok
        opened = s.scalars(select(CaseEvent.action)).all()
        assert opened == ["opened"] * SCANS
