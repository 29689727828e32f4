"""Exchange routes in process: account signals, the regulator's counts, feedback from decisions."""

from __future__ import annotations

from sqlalchemy import select

from childguard.auth import ensure_org
from childguard.exchange import feedback
from childguard.media.bank_formats import make_entry
from childguard.media.banks import BankRepository
from childguard.store.models import FeedbackOutbox, Subscription, SubscriptionEntry
from tests.integration.api.conftest import Api


def test_signals_share_match_and_regulator_counts(api: Api) -> None:
    admin = api.key("acme", "admin")
    reviewer = api.key("acme", "reviewer")
    assert (
        api.client.post("/v1/signals/groups", headers=admin, json={"name": "g1"}).status_code == 201
    )
    share = {"group": "g1", "kind": "handle", "value": "@Bad.Actor", "platform": "telegram",
             "category": "SEXTORTION"}  # fmt: skip
    r = api.client.post("/v1/signals", headers=admin, json=share)
    assert r.status_code == 403 and "allow" in r.json()["error"]["message"]
    r = api.client.put("/v1/signals/groups/g1/categories/SEXTORTION", headers=admin)
    assert r.status_code == 204
    assert api.client.post("/v1/signals", headers=admin, json=share).status_code == 201
    entities = [
        {"type": "handle", "value": "bad.actor", "platform": "telegram"},
        {"type": "handle", "value": "someone.else", "platform": "telegram"},
    ]
    r = api.client.post("/v1/signals/match", headers=reviewer, json={"entities": entities})
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert [(h["value"], h["category"], h["source"]["organisation"]) for h in hits] == [
        ("bad.actor", "SEXTORTION", "acme")
    ]
    # the regulator sees counts only: no value, digest or organisation name
    r = api.client.get("/v1/exchange/stats", headers=api.key("ministry", "regulator"))
    assert r.status_code == 200
    stats = r.json()
    assert stats["account_signals_shared"] == 1
    assert all(isinstance(v, int) for v in stats.values())
    assert "bad" not in r.text and "acme" not in r.text


def test_bad_input_is_4xx(api: Api) -> None:
    admin = api.key("acme", "admin")
    r = api.client.post("/v1/feeds", headers=admin, json={"bank": "NOPE"})
    assert r.status_code == 404
    r = api.client.post(
        "/v1/subscriptions",
        headers=admin,
        json={"url": "http://x/v1/feeds/f", "fingerprint": "zz", "bank": "B"},
    )
    assert r.status_code == 400 and "fingerprint" in r.json()["error"]["message"]
    r = api.client.post("/v1/signals/groups", headers=admin, json={"name": "g", "key": "xyz"})
    assert r.status_code == 400


def test_review_decision_queues_feedback_for_subscribed_entries(api: Api) -> None:
    with api.db.session() as s:
        org = ensure_org(s, "acme")
        repo = BankRepository(s, org)
        bank = repo.create("FROM_FEED")
        own = repo.add_entries(bank, [make_entry("md5", "a" * 32)]).entry_ids[0]
        got = repo.add_entries(bank, [make_entry("md5", "b" * 32)]).entry_ids[0]
        sub = Subscription(
            org_id=org.id, url="http://p/v1/feeds/f", public_key="0" * 64, fingerprint="x",
            bank_id=bank.id, publisher="pubco",
        )  # fmt: skip
        s.add(sub)
        s.flush()
        s.add(SubscriptionEntry(subscription_id=sub.id, origin_id=77, local_id=got))
        s.flush()
        assert feedback.record_decision_feedback(s, org.id, own, "true_positive") == 0
        assert feedback.record_decision_feedback(s, org.id, got, "false_positive") == 1
        rows = list(s.scalars(select(FeedbackOutbox)))
    assert [(r.origin_id, r.verdict, r.sent_at) for r in rows] == [(77, "false_positive", None)]
