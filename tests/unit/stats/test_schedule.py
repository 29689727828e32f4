"""The monthly schedule queues last month's statistics once, from the configured day on."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.stats.delivery import SubmitSchedule, previous_month
from childguard.store.db import Database
from childguard.store.models import OutboxMessage


def test_previous_month() -> None:
    assert previous_month(datetime(2026, 1, 3).date()) == "2025-12"
    assert previous_month(datetime(2026, 7, 31).date()) == "2026-06"


def test_queues_once_from_the_day(db: Database, settings: Settings) -> None:
    settings = settings.model_copy(
        update={"stats_ministry_url": "https://ministry.test", "stats_submit_day": 5}
    )
    with db.session(write=True) as s:
        ensure_org(s, settings.org)
    schedule = SubmitSchedule(db, settings)
    assert schedule.run_once(datetime(2026, 3, 4, tzinfo=UTC)) == 0
    assert schedule.run_once(datetime(2026, 3, 5, tzinfo=UTC)) == 1
    assert schedule.run_once(datetime(2026, 3, 20, tzinfo=UTC)) == 0
    with db.session() as s:
        topics = list(s.scalars(select(OutboxMessage.topic)))
        assert topics == ["stats.2026-02"]
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert not SubmitSchedule(db, settings).start()  # no ministry key: not started
