"""What reaches the platform (outbox events) and the evidence store, in the change's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy.orm import Session

from childguard.cases import decisions, intake, media_intake, workflow
from childguard.cases.intake import Subject, add_media
from tests.unit.cases.conftest import World


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every event enqueued by the case service, as (type, data)."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def enqueue(
        session: Session,
        org_id: int,
        event_type: str,
        data: Mapping[str, object],
        **_known: object,
    ) -> str:
        assert session.in_transaction()
        seen.append((event_type, dict(data)))
        return f"evt_{len(seen)}"

    monkeypatch.setattr(intake, "enqueue_event", enqueue)
    monkeypatch.setattr(media_intake, "enqueue_event", enqueue)
    monkeypatch.setattr(decisions, "enqueue_event", enqueue)
    return seen


def test_opening_deciding_and_appeals_enqueue_events_for_the_platform(
    world: World, events: list[tuple[str, dict[str, Any]]]
) -> None:
    case_id = world.scan(1, Subject(content_id="post-1", user_id="u-1")).case_id
    world.scan(1)  # joins the case: no second case.opened
    assert [t for t, _ in events] == ["case.opened"]
    assert events[0][1]["content_id"] == "post-1" and events[0][1]["case_id"] == case_id
    with world.db.session(write=True) as s:
        workflow.claim(s, world.org_id, case_id, world.alice)
        decisions.decide(
            s, world.org_id, case_id, world.alice, "A1", ["remove_content", "suspend_user"]
        )
    types = [t for t, _ in events]
    assert types == ["case.opened", "case.decided", "action.requested", "action.requested"]
    requested = [d for t, d in events if t == "action.requested"]
    assert [d["action"] for d in requested] == ["remove_content", "suspend_user"]
    assert all(d["user_id"] == "u-1" and d["content_ids"] == ["post-1"] for d in requested)
    with world.db.session(write=True) as s:
        appeal = decisions.appeal(s, world.org_id, case_id, world.platform, "context")
        decisions.decide_appeal(s, world.org_id, case_id, appeal.id, world.bob, "overturned")
    kind, data = events[-1]
    assert kind == "appeal.decided" and data["outcome"] == "overturned"
    assert data["actions"] == [{"action": "remove_content"}, {"action": "suspend_user"}]


def test_a_pending_decision_tells_the_platform_nothing_until_confirmed(
    world: World, events: list[tuple[str, dict[str, Any]]]
) -> None:
    case_id = world.scan(1).case_id
    with world.db.session(write=True) as s:
        workflow.claim(s, world.org_id, case_id, world.alice)
        d = decisions.decide(s, world.org_id, case_id, world.alice, "A1", ["report"])
    assert [t for t, _ in events] == ["case.opened"]
    with world.db.session(write=True) as s:
        decisions.confirm(s, world.org_id, case_id, d.id, world.bob)
    assert [t for t, _ in events][1:] == ["case.decided", "action.requested"]


def test_new_media_is_offered_to_the_evidence_store_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    offered: list[tuple[bytes, str, int]] = []

    def keep(session: Session, settings: object, org_id: int, data: bytes, **kw: Any) -> bool:
        offered.append((data, kw["sha256"], kw["case_id"]))
        return True

    monkeypatch.setattr(intake.evidence, "keep_media", keep)
    item = world.media(1)
    # Offered where evidence is on (intake does not offer what the store would refuse).
    settings = world.settings.model_copy(update={"evidence_enabled": True})
    for _ in range(2):
        with world.db.session(write=True) as s:
            result = add_media(
                s, settings, world.org_id, world.platform, Subject(), item, lambda: b"bytes"
            )
    assert result is not None
    assert offered == [(b"bytes", item.sha256, result.case_id)]
    from childguard.cases.queries import case_detail

    with world.db.session() as s:
        media = case_detail(s, world.org_id, result.case_id)["media"]
    assert media[0]["evidence"] == {  # type: ignore[index]
        "kept": True,
        "note": "original kept in the encrypted evidence store",
    }
