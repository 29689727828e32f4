"""A platform's signed monthly statistics reach the ministry's instance, which aggregates them."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.outbox.messages import ClaimedMessage
from childguard.stats import delivery, submission
from childguard.stats.collect import collect
from childguard.store.db import Database
from childguard.store.models import AuditRecord, OutboxMessage
from tests.integration.api.conftest import Api
from tests.integration.api.regulator_seed import seed_cases


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[tuple[Database, Settings]]:
    """The platform's own instance (SQLite, its own data directory and signing key)."""
    settings = Settings(data_dir=tmp_path / "platform", database_url=None)
    db = Database.open(settings)
    seed_cases(db, "acme", n=150)
    yield db, settings
    db.dispose()


def _signed(platform: tuple[Database, Settings], period: str, body: Any = None) -> dict[str, Any]:
    db, settings = platform
    with db.session(write=True) as s:
        org = ensure_org(s, "acme")
        if body is None:
            body = {period: collect(s, org.id).get(period, {})}
        return submission.build(s, settings.data_dir, org, "stats", period, body)


def _fingerprint(signed: dict[str, Any]) -> str:
    return str(signed["envelope"]["fingerprint"])


def _ministry(api: Api, signed: dict[str, Any]) -> dict[str, str]:
    admin = api.key("admin", "admin")
    pinned = api.client.put(
        "/v1/national/pins/acme", headers=admin, json={"fingerprint": _fingerprint(signed)}
    )
    assert pinned.status_code == 404  # acme has no key on the ministry's instance yet
    key = api.key("acme", "platform")
    pinned = api.client.put(
        "/v1/national/pins/acme", headers=admin, json={"fingerprint": _fingerprint(signed)}
    )
    assert pinned.status_code == 200, pinned.text
    return key


def test_submission_is_verified_aggregated_and_listed(api: Api, platform: Any) -> None:
    signed = [_signed(platform, f"2025-{m:02d}") for m in range(1, 13)]
    key = _ministry(api, signed[0])
    for s in signed:
        r = api.client.post("/v1/national/submissions", headers=key, json=s)
        assert r.status_code == 200, r.text
        assert r.json()["replaced"] is False
    regulator = api.key("ministry", "regulator")
    national = api.client.get("/v1/stats/tables?scope=national", headers=regulator).json()
    year = next(r for r in national["tables"]["cases_by_source"]["rows"] if r["period"] == "2025")
    assert year["total"] == 150
    by_org = national["tables"]["cases_by_organisation"]
    assert next(r for r in by_org["rows"] if r["period"] == "2025")["values"] == {"acme": 150}
    who = api.client.get("/v1/national/submitters", headers=regulator).json()
    assert {(w["organisation"], w["period"]) for w in who} == {
        ("acme", f"2025-{m:02d}") for m in range(1, 13)
    }
    page = api.client.get("/regulator?scope=national&lang=vi", headers=regulator)
    assert page.status_code == 200 and "acme" in page.text and "Đơn vị đã nộp" in page.text


def test_bad_signature_future_period_and_duplicates(api: Api, platform: Any) -> None:
    good = _signed(platform, "2025-03")
    key = _ministry(api, good)
    tampered = copy.deepcopy(good)
    tampered["envelope"]["body"]["2025-03"]["cases_by_source"]["match"] = 999
    r = api.client.post("/v1/national/submissions", headers=key, json=tampered)
    assert r.status_code == 400 and "bad signature" in r.json()["error"]["message"]
    future = _signed(platform, "2999-01", body={"2999-01": {}})
    r = api.client.post("/v1/national/submissions", headers=key, json=future)
    assert r.status_code == 400 and "future" in r.json()["error"]["message"]
    assert (
        api.client.post("/v1/national/submissions", headers=key, json=good).json()["replaced"]
        is False
    )
    # The same message delivered again is idempotent; a new one for the period replaces it.
    assert (
        api.client.post("/v1/national/submissions", headers=key, json=good).json()["replaced"]
        is False
    )
    again = _signed(platform, "2025-03")
    r = api.client.post("/v1/national/submissions", headers=key, json=again)
    assert r.status_code == 200 and r.json()["replaced"] is True
    with api.db.session() as s:
        actions = list(
            s.scalars(
                select(AuditRecord.action).where(AuditRecord.action.like("stats.submission.%"))
            )
        )
    assert actions == ["stats.submission.receive", "stats.submission.replace"]
    who = api.client.get("/v1/national/submitters", headers=api.key("m", "regulator")).json()
    assert [(w["period"], w["replaced"]) for w in who] == [("2025-03", 1)]


def test_unpinned_or_other_key_is_refused(api: Api, platform: Any, tmp_path: Path) -> None:
    good = _signed(platform, "2025-03")
    key = api.key("acme", "platform")
    r = api.client.post("/v1/national/submissions", headers=key, json=good)
    assert r.status_code == 403 and "pinned" in r.json()["error"]["message"]
    admin = api.key("admin", "admin")
    api.client.put("/v1/national/pins/acme", headers=admin, json={"fingerprint": "12" * 16})
    r = api.client.post("/v1/national/submissions", headers=key, json=good)
    assert r.status_code == 403 and "not the pinned key" in r.json()["error"]["message"]
    other = api.key("other", "platform")
    r = api.client.post("/v1/national/submissions", headers=other, json=good)
    assert r.status_code == 403


def test_outbox_delivery_reaches_the_ministry(
    api: Api, platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, settings = platform
    key = _ministry(api, _signed(platform, "2025-01"))

    def post(url: str, json: Any, headers: dict[str, str], timeout: float) -> Any:
        assert url == "http://ministry.test/v1/national/submissions"
        return api.client.post("/v1/national/submissions", json=json, headers=headers)

    monkeypatch.setattr(delivery.httpx2, "post", post)
    with db.session(write=True) as s:
        row = delivery.queue_statistics(
            s, settings, ensure_org(s, "acme"), "2025-02", "http://ministry.test"
        )
        message = ClaimedMessage(
            row.id, row.kind, row.org_id, None, row.message_id, row.topic, row.payload, 1
        )
    handler = delivery.SubmissionHandler(key["Authorization"].removeprefix("Bearer "))
    assert handler(message).ok
    assert handler(message).ok  # redelivered: idempotent on the ministry's side
    with db.session() as s:
        queued = s.scalar(select(OutboxMessage).where(OutboxMessage.topic == "stats.2025-02"))
        assert queued is not None and json.loads(queued.payload)["url"].endswith("/submissions")
    who = api.client.get("/v1/national/submitters", headers=api.key("m", "regulator")).json()
    assert [(w["period"], w["replaced"]) for w in who] == [("2025-02", 0)]


def test_assessment_reaches_the_ministry_without_notes(api: Api, platform: Any) -> None:
    from childguard.policy import assessment
    from childguard.policy.answers import parse
    from childguard.policy.checklist import load

    db, settings = platform
    answers = parse("company_type: app\nanswers:\n  A1: {score: 3, note: private note}\n", load())
    with db.session(write=True) as s:
        org = ensure_org(s, "acme")
        result = assessment.assess(s, settings, org.id, answers)
        signed = submission.build(
            s, settings.data_dir, org, "assessment", "2025-06", assessment.for_ministry(result)
        )
    key = _ministry(api, signed)
    r = api.client.post("/v1/national/submissions", headers=key, json=signed)
    assert r.status_code == 200, r.text
    regulator = api.key("ministry", "regulator")
    got = api.client.get("/v1/national/assessments", headers=regulator)
    assert got.status_code == 200 and "private note" not in got.text
    (row,) = got.json()
    assert row["organisation"] == "acme" and row["items"]["A1"] == 3
    assert row["overall_percent"] == result["overall_percent"]
    bad = copy.deepcopy(signed)
    bad["envelope"]["body"]["items"]["A1"] = 9
    assert api.client.post("/v1/national/submissions", headers=key, json=bad).status_code == 400
