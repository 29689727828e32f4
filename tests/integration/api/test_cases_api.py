"""Cases through the API: creation from scans and chats (both ways in), review, isolation."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from tests.conftest import PDQ_DATA, turned_jpeg
from tests.integration.api.conftest import Api
from tests.integration.api.test_api_behaviour import jpeg_bytes

IMAGES = PDQ_DATA / "images"
GROOMING_CHAT = {
    "id": "chat-9",
    "user_id": "adult-7",
    "messages": [
        {"id": "m1", "sender": "adult", "text": "you are so mature for your age"},
        {"id": "m2", "sender": "adult", "text": "don't tell your parents about our chats, ok?"},
        {"id": "m3", "sender": "adult", "text": "delete our messages so nobody sees them"},
    ],
}


def _file(name: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, _bytes(name), "application/octet-stream")}


#: The shipped reference photo and the transforms the tests' names stand for.
_TURNS = {
    "bridge-2-rotate-90.jpg": "ROTATE_270",
    "bridge-3-rotate-180.jpg": "ROTATE_180",
    "bridge-5-flipx.jpg": "FLIP_LEFT_RIGHT",
    "bridge-6-flipy.jpg": "FLIP_TOP_BOTTOM",
}


def _bytes(name: str) -> bytes:
    if name in _TURNS:
        return turned_jpeg(IMAGES / "bridge-1-original.jpg", _TURNS[name])
    return (IMAGES / name).read_bytes()


def _bank(api: Api, headers: dict[str, str]) -> None:
    api.client.post("/v1/banks", headers=headers, json={"name": "KNOWN"})
    r = api.client.post(
        "/v1/banks/KNOWN/entries/upload",
        headers=headers,
        files=_file("bridge-1-original.jpg"),
        data={"classification": "A1"},
    )
    assert r.status_code == 201


@pytest.fixture(params=[True, False], ids=["fast-path", "fastapi"])
def both_ways(request: pytest.FixtureRequest, make_api: Callable[..., Api]) -> Api:
    """The app with the lean scan handler and with FastAPI's route."""
    return make_api(fast_routes=request.param)


def test_a_matched_scan_opens_one_case_per_subject_both_ways_in(both_ways: Api) -> None:
    api = both_ways
    platform = api.key("acme", "platform")
    _bank(api, platform)
    first = api.client.post(
        "/v1/scan?user_id=u-1",
        headers=platform,
        files=_file("bridge-3-rotate-180.jpg"),
        data={"content_id": "post-1"},
    ).json()
    assert first["blocked"] and first["case_id"] is not None
    again = api.client.post(
        "/v1/scan", headers=platform, files=_file("bridge-5-flipx.jpg"), data={"user_id": "u-1"}
    ).json()
    assert again["case_id"] == first["case_id"]
    clean = api.client.post(
        "/v1/scan", headers=platform, files={"file": ("c.jpg", jpeg_bytes(5), "image/jpeg")}
    ).json()
    assert clean["case_id"] is None
    reviewer = api.key("acme", "reviewer")
    case = api.client.get(f"/v1/cases/{first['case_id']}", headers=reviewer).json()
    assert (case["content_id"], case["user_id"]) == ("post-1", "u-1")
    assert [m["filename"] for m in case["media"]] == [
        "bridge-3-rotate-180.jpg",
        "bridge-5-flipx.jpg",
    ]
    assert case["media"][0]["matches"][0]["transform"] != "original"
    assert case["media"][0]["evidence"]["kept"] is False
    assert "evidence store is off" in case["media"][0]["evidence"]["note"]


def test_an_idempotency_key_makes_a_retry_create_nothing(both_ways: Api) -> None:
    api = both_ways
    platform = api.key("acme", "platform")
    _bank(api, platform)
    headers = {**platform, "Idempotency-Key": "upload-77"}
    one = api.client.post(
        "/v1/scan?user_id=a", headers=headers, files=_file("bridge-1-original.jpg")
    )
    two = api.client.post("/v1/scan?user_id=b", headers=headers, files=_file("bridge-6-flipy.jpg"))
    assert one.json()["case_id"] == two.json()["case_id"]
    listed = api.client.get("/v1/cases", headers=api.key("acme", "reviewer")).json()["cases"]
    assert len(listed) == 1
    case = api.client.get(f"/v1/cases/{listed[0]['id']}", headers=api.key("acme", "admin")).json()
    assert len(case["media"]) == 1


def test_bad_case_fields_are_400_not_500(both_ways: Api) -> None:
    api = both_ways
    platform = api.key("acme", "platform")
    r = api.client.post(
        "/v1/scan", headers=platform, files=_file("small.jpg"), data={"user_id": "x" * 300}
    )
    assert r.status_code == 400 and "user_id" in r.json()["error"]["message"]
    r = api.client.post("/v1/scan?user_report=perhaps", headers=platform, files=_file("small.jpg"))
    assert r.status_code == 400 and "user_report" in r.json()["error"]["message"]


def test_a_risky_chat_opens_a_case_with_its_findings(api: Api) -> None:
    platform = api.key("acme", "platform")
    admin = api.key("acme", "admin")
    assert (
        api.client.patch("/v1/case-settings", headers=admin, json={"review_threshold": 0.0}).json()[
            "review_threshold"
        ]
        == 0.0
    )
    result = api.client.post("/v1/text/analyze", headers=platform, json=GROOMING_CHAT).json()
    assert result["case_id"] is not None
    case = api.client.get(f"/v1/cases/{result['case_id']}", headers=admin).json()
    assert case["source"] == "classifier" and case["user_id"] == "adult-7"
    (conv,) = case["conversations"]
    assert conv["conversation_id"] == "chat-9"
    assert [m["id"] for m in conv["messages"]] == ["m1", "m2", "m3"]
    again = api.client.post(
        "/v1/text/analyze",
        headers=platform,
        json={"conversations": [{**GROOMING_CHAT, "id": "chat-10"}]},
    ).json()
    assert again["results"][0]["case_id"] == result["case_id"]  # same user
    assert (
        api.client.patch(
            "/v1/case-settings", headers=admin, json={"review_threshold": 1.0}
        ).status_code
        == 200
    )
    calm = api.client.post(
        "/v1/text/analyze", headers=platform, json={"messages": [{"sender": "a", "text": "hi"}]}
    ).json()
    assert calm["case_id"] is None


def test_review_over_http_with_four_eyes_and_an_appeal(api: Api) -> None:
    platform = api.key("acme", "platform")
    alice, bob = api.key("acme", "reviewer"), api.key("acme", "reviewer")
    _bank(api, platform)
    case_id = api.client.post(
        "/v1/scan", headers=platform, files=_file("bridge-1-original.jpg")
    ).json()["case_id"]
    assert api.client.post("/v1/queues/default/next", headers=alice).json()["id"] == case_id
    assert api.client.post("/v1/queues/default/next", headers=bob).status_code == 204
    taken = api.client.post(f"/v1/cases/{case_id}/claim", headers=bob)
    assert taken.status_code == 409 and "held by another reviewer" in taken.text
    wrong = api.client.post(
        f"/v1/cases/{case_id}/decisions", headers=alice, json={"policy": "A1", "actions": ["nuke"]}
    )
    assert wrong.status_code == 400 and "unknown action 'nuke'" in wrong.text
    not_mine = api.client.post(f"/v1/cases/{case_id}/decisions", headers=bob, json={"policy": "A1"})
    assert not_mine.status_code == 409
    d = api.client.post(
        f"/v1/cases/{case_id}/decisions",
        headers=alice,
        json={"policy": "A1", "actions": ["remove_content", "report"], "note": "known image"},
    ).json()
    assert d["status"] == "pending"
    own = api.client.post(f"/v1/cases/{case_id}/decisions/{d['id']}/confirm", headers=alice)
    assert own.status_code == 409 and "second reviewer" in own.text
    ok = api.client.post(f"/v1/cases/{case_id}/decisions/{d['id']}/confirm", headers=bob)
    assert ok.json()["status"] == "effective"
    appeal = api.client.post(
        f"/v1/cases/{case_id}/appeals", headers=platform, json={"reason": "holiday photo"}
    )
    assert appeal.status_code == 201
    outcome = api.client.post(
        f"/v1/cases/{case_id}/appeals/{appeal.json()['id']}/decision",
        headers=bob,
        json={"outcome": "upheld"},
    )
    assert outcome.json()["status"] == "upheld"
    case = api.client.get(f"/v1/cases/{case_id}", headers=alice).json()
    assert case["status"] == "decided" and case["sla_age_seconds"] >= 0
    assert [h["action"] for h in case["history"]] == [
        "opened",
        "claimed",
        "decision_proposed",
        "decision_confirmed",
        "report_queued",  # the confirmed decision's report action queued the NCMEC report
        "appealed",
        "appeal_decided",
    ]


def test_add_to_bank_is_matchable_on_the_next_request(api: Api) -> None:
    platform = api.key("acme", "platform")
    reviewer = api.key("acme", "reviewer")
    _bank(api, platform)
    api.client.post("/v1/banks", headers=platform, json={"name": "CONFIRMED"})
    case_id = api.client.post(
        "/v1/scan", headers=platform, files=_file("bridge-2-rotate-90.jpg")
    ).json()["case_id"]
    api.client.post(f"/v1/cases/{case_id}/claim", headers=reviewer)
    r = api.client.post(
        f"/v1/cases/{case_id}/decisions",
        headers=reviewer,
        json={"policy": "B1", "actions": [{"action": "add_to_bank", "bank": "CONFIRMED"}]},
    )
    assert r.json()["status"] == "effective"
    rescan = api.client.post(
        "/v1/scan", headers=platform, files=_file("bridge-2-rotate-90.jpg")
    ).json()
    banks = {m["bank"] for m in rescan["matches"]}
    assert "CONFIRMED" in banks
    confirmed = [m for m in rescan["matches"] if m["bank"] == "CONFIRMED"]
    assert all(m["provenance"]["source"] == f"case:{case_id}" for m in confirmed)
    assert {m["provenance"]["classification"] for m in confirmed} == {"B1"}


def test_an_overturned_decision_takes_back_what_it_added_to_a_bank(api: Api) -> None:
    platform = api.key("acme", "platform")
    alice, bob = api.key("acme", "reviewer"), api.key("acme", "reviewer")
    _bank(api, platform)
    api.client.post("/v1/banks", headers=platform, json={"name": "CONFIRMED"})
    # the file's MD5, which CONFIRMED held before, keeps its own provenance and stays
    md5 = hashlib.md5(_bytes("bridge-6-flipy.jpg")).hexdigest()
    kept = api.client.post(
        "/v1/banks/CONFIRMED/entries",
        headers=platform,
        json={"signal_type": "md5", "signal": md5, "source": "hotline-list"},
    )
    assert kept.status_code == 201, kept.text
    case_id = api.client.post(
        "/v1/scan", headers=platform, files=_file("bridge-6-flipy.jpg")
    ).json()["case_id"]
    api.client.post(f"/v1/cases/{case_id}/claim", headers=alice)
    api.client.post(
        f"/v1/cases/{case_id}/decisions",
        headers=alice,
        json={"policy": "B1", "actions": [{"action": "add_to_bank", "bank": "CONFIRMED"}]},
    )

    def confirmed_matches() -> list[str]:
        rescan = api.client.post(
            "/v1/scan", headers=platform, files=_file("bridge-6-flipy.jpg")
        ).json()
        return [m["signal_type"] for m in rescan["matches"] if m["bank"] == "CONFIRMED"]

    assert confirmed_matches()
    appeal = api.client.post(
        f"/v1/cases/{case_id}/appeals", headers=platform, json={"reason": "holiday photo"}
    ).json()
    outcome = api.client.post(
        f"/v1/cases/{case_id}/appeals/{appeal['id']}/decision",
        headers=bob,
        json={"outcome": "overturned"},
    )
    assert outcome.status_code == 200, outcome.text
    # unmatched from the next request, but for the entry that was there before
    assert confirmed_matches() == ["md5"]
    entries = api.client.get("/v1/banks/CONFIRMED/entries", headers=platform).json()
    from_case = [e for e in entries if e["source"] == f"case:{case_id}"]
    assert from_case and not any(e["enabled"] for e in from_case)
    assert [(e["source"], e["enabled"]) for e in entries if e["signal"] == md5] == [
        ("hotline-list", True)
    ]
    history = api.client.get(f"/v1/cases/{case_id}", headers=bob).json()["history"]
    decided = [h for h in history if h["action"] == "appeal_decided"][-1]
    assert decided["details"]["bank_entries_disabled"] >= 1


def test_not_violating_shows_on_the_bank_entry(api: Api) -> None:
    platform = api.key("acme", "platform")
    reviewer = api.key("acme", "reviewer")
    _bank(api, platform)
    case_id = api.client.post(
        "/v1/scan", headers=platform, files=_file("bridge-3-rotate-180.jpg")
    ).json()["case_id"]
    api.client.post(f"/v1/cases/{case_id}/claim", headers=reviewer)
    api.client.post(
        f"/v1/cases/{case_id}/decisions", headers=reviewer, json={"policy": "NOT_VIOLATING"}
    )
    entries = api.client.get("/v1/banks/KNOWN/entries", headers=platform).json()
    assert sorted(e["false_positives"] for e in entries) == [0, 0, 1]
    worst = api.client.get("/v1/banks/KNOWN/entries?min_false_positives=1", headers=platform)
    assert [(e["signal_type"], e["false_positives"]) for e in worst.json()] == [("pdq", 1)]


def test_other_organisations_and_the_regulator_see_nothing(api: Api) -> None:
    platform = api.key("acme", "platform")
    _bank(api, platform)
    case_id = api.client.post(
        "/v1/scan", headers=platform, files=_file("bridge-1-original.jpg")
    ).json()["case_id"]
    stranger = api.key("other", "reviewer")
    assert api.client.get(f"/v1/cases/{case_id}", headers=stranger).status_code == 404
    assert api.client.post(f"/v1/cases/{case_id}/claim", headers=stranger).status_code == 404
    assert api.client.get("/v1/cases", headers=stranger).json()["cases"] == []
    regulator = api.key("acme", "regulator")
    assert api.client.get("/v1/cases", headers=regulator).status_code == 403
    assert api.client.get(f"/v1/cases/{case_id}", headers=regulator).status_code == 403


def test_a_retried_chat_batch_with_its_key_opens_each_case_once(api: Api) -> None:
    platform = api.key("acme", "platform")
    admin = api.key("acme", "admin")
    api.client.patch("/v1/case-settings", headers=admin, json={"review_threshold": 0.0})
    batch = {
        "conversations": [
            {**GROOMING_CHAT, "id": "a", "user_id": "u-a"},
            {**GROOMING_CHAT, "id": "b", "user_id": "u-b"},
        ]
    }
    headers = {**platform, "Idempotency-Key": "batch-1"}
    first = api.client.post("/v1/text/analyze", headers=headers, json=batch).json()["results"]
    again = api.client.post("/v1/text/analyze", headers=headers, json=batch).json()["results"]
    ids = [r["case_id"] for r in first]
    assert ids == [r["case_id"] for r in again] and len(set(ids)) == 2
    listed = api.client.get("/v1/cases?label=GROOMING", headers=admin).json()["cases"]
    assert sorted(c["id"] for c in listed) == sorted(ids)
