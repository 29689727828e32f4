"""Opening cases from detections: one case per subject, idempotent retries, review threshold."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from childguard.audit import verify_chain
from childguard.cases.intake import Subject, add_conversation, make_subject
from childguard.cases.org_settings import update_settings
from childguard.cases.queries import case_detail, list_cases
from childguard.errors import InvalidInput
from childguard.store.models import AuditRecord, Case
from tests.unit.cases.conftest import World


def _conversation(risk: float, conv_id: str = "c1") -> dict[str, object]:
    return {
        "id": conv_id,
        "risk": {"GROOMING": risk, "SEXTORTION": 0.0, "BULLYING": 0.0, "CSAM_TRADE": 0.0},
        "flagged": ["GROOMING"] if risk >= 0.5 else [],
        "findings": [{"message": 1, "label": "GROOMING", "explanation": {"name": "secrecy"}}],
        "entities": [{"type": "handle", "value": "@someone", "message": 0}],
        "message_languages": ["en", "en"],
    }


MESSAGES = [
    {"id": "m1", "sender": "adult", "text": "hi"},
    {"id": "m2", "sender": "adult", "text": "keep our chats secret"},
]


def test_a_match_opens_a_case_with_its_item_labels_priority_and_queue(world: World) -> None:
    result = world.scan(1, Subject(content_id="post-1", user_id="u-1"))
    assert result.opened
    with world.db.session() as s:
        detail = case_detail(s, world.org_id, result.case_id)
    assert detail["status"] == "open"
    assert detail["labels"] == ["A1", "CSAM"]
    assert detail["priority"] == 100
    assert detail["source"] == "match"
    assert detail["queue"] == "default"
    assert (detail["content_id"], detail["user_id"]) == ("post-1", "u-1")
    (item,) = detail["media"]  # type: ignore[misc]
    assert item["sha256"] == world.media(1).sha256
    assert item["matches"][0]["bank"] == "KNOWN"
    assert item["matches"][0]["false_positives"] == 0
    assert item["evidence"] == {
        "kept": False,
        "note": "hashes only: the evidence store is off for this organisation",
    }
    assert [e["action"] for e in detail["history"]] == ["opened"]  # type: ignore[index]


def test_same_hash_or_same_user_joins_the_open_case_and_never_duplicates(world: World) -> None:
    first = world.scan(1, Subject(user_id="u-1"))
    again = world.scan(1)  # same content hash, no identifiers
    same_user = world.scan(2, Subject(user_id="u-1"))
    other = world.scan(3, Subject(user_id="u-2"))
    assert again.case_id == first.case_id and not again.opened
    assert same_user.case_id == first.case_id
    assert other.case_id != first.case_id and other.opened
    with world.db.session() as s:
        detail = case_detail(s, world.org_id, first.case_id)
        assert s.scalar(select(func.count()).select_from(Case)) == 2
    assert len(detail["media"]) == 2  # type: ignore[arg-type]
    assert [e["action"] for e in detail["history"]] == ["opened", "media_added"]  # type: ignore[index]


def test_an_idempotency_key_replays_the_first_case_and_changes_nothing(world: World) -> None:
    first = world.scan(1, key="retry-1")
    with world.db.session() as s:
        audit_before = s.scalar(select(func.count()).select_from(AuditRecord))
    replay = world.scan(7, key="retry-1")
    assert replay.case_id == first.case_id and replay.replayed
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord)) == audit_before
        assert len(case_detail(s, world.org_id, first.case_id)["media"]) == 1  # type: ignore[arg-type]


def test_a_conversation_opens_a_case_only_at_the_review_threshold(world: World) -> None:
    with world.db.session(write=True) as s:
        below = add_conversation(
            s, world.org_id, world.platform, Subject(), _conversation(0.3), MESSAGES
        )
        assert below is None
        update_settings(s, world.org_id, world.alice, review_threshold=0.25)
        above = add_conversation(
            s, world.org_id, world.platform, Subject(), _conversation(0.3), MESSAGES
        )
    assert above is not None and above.opened
    with world.db.session(write=True) as s:
        again = add_conversation(
            s, world.org_id, world.platform, Subject(), _conversation(0.9), MESSAGES
        )
        assert again is not None and again.case_id == above.case_id
        detail = case_detail(s, world.org_id, above.case_id)
    (conv,) = detail["conversations"]  # type: ignore[misc]
    assert conv["conversation_id"] == "c1"
    assert [m["id"] for m in conv["messages"]] == ["m1", "m2"]
    assert conv["risk"]["GROOMING"] == 0.9  # replaced by the newest analysis
    assert conv["findings"][0]["explanation"]["name"] == "secrecy"
    assert detail["labels"] == ["GROOMING"] and detail["priority"] == 60
    assert detail["source"] == "classifier"


def test_user_reports_are_recorded_as_their_source(world: World) -> None:
    result = world.scan(1, Subject(user_report=True))
    with world.db.session() as s:
        assert case_detail(s, world.org_id, result.case_id)["source"] == "user_report"


def test_bad_identifiers_are_refused_with_the_field_named() -> None:
    with pytest.raises(InvalidInput, match="user_id"):
        make_subject(user_id="x" * 201)
    with pytest.raises(InvalidInput, match="content_id"):
        make_subject(content_id=["a"])
    assert make_subject(content_id=42, user_report="true") == Subject("42", None, None, True)


def test_list_filters_and_pages(world: World) -> None:
    ids = [world.scan(n, Subject(user_id=f"u{n}")).case_id for n in range(5)]
    with world.db.session() as s:
        page = list_cases(s, world.org_id, status="open", limit=2)
        assert [c["id"] for c in page.cases] == ids[::-1][:2]
        rest = list_cases(s, world.org_id, status="open", before=page.next_before, limit=10)
        assert [c["id"] for c in rest.cases] == ids[::-1][2:]
        assert rest.next_before is None
        assert list_cases(s, world.org_id, label="GROOMING").cases == []
        assert len(list_cases(s, world.org_id, label="CSAM", queue="default").cases) == 5
        with pytest.raises(InvalidInput, match="unknown status"):
            list_cases(s, world.org_id, status="pending")
        assert verify_chain(s).ok
        events = [json.loads(r.details) for r in s.scalars(select(AuditRecord))]
    assert all("text" not in json.dumps(d) for d in events)


def test_an_entity_shared_as_an_account_signal_adds_it_to_the_case(world: World) -> None:
    from datetime import timedelta

    from childguard.exchange import accounts
    from childguard.store.models import Org

    with world.db.session(write=True) as s:
        org = s.get(Org, world.org_id)
        assert org is not None
        group, _ = accounts.create_group(s, org, "g", None, world.alice)
        accounts.set_category(s, org, group, "SEXTORTION", allow=True, actor=world.alice)
        accounts.share(s, org, group, "handle", "@someone", "SEXTORTION",
                       expires_in=timedelta(days=30), actor=world.alice)  # fmt: skip
        opened = add_conversation(
            s, world.org_id, world.platform, Subject(), _conversation(0.9), MESSAGES
        )
        assert opened is not None
        detail = case_detail(s, world.org_id, opened.case_id)
    assert detail["labels"] == ["GROOMING", "SEXTORTION"]
    hits = [h for h in detail["history"] if h["action"] == "account_signal_matched"]  # type: ignore[union-attr]
    assert len(hits) == 1
    assert hits[0]["details"]["category"] == "SEXTORTION"  # type: ignore[index]
    assert hits[0]["details"]["source"]["group"] == "g"  # type: ignore[index]
