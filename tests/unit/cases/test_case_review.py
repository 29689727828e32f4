"""Claims and leases, the next case of a queue, decisions, four-eyes, bank effects, appeals."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from childguard.audit import Actor
from childguard.auth import create_org
from childguard.cases import decisions, routing, workflow
from childguard.cases.intake import Subject
from childguard.cases.org_settings import update_settings
from childguard.cases.queries import case_detail
from childguard.errors import Conflict, InvalidInput, NotFound
from childguard.media.banks import BankRepository
from childguard.store.models import AuditRecord, BankEntry, Case, Org, utcnow
from tests.unit.cases.conftest import World


def _claim(world: World, case_id: int, who: Actor) -> None:
    with world.db.session(write=True) as s:
        workflow.claim(s, world.org_id, case_id, who)


def _status(world: World, case_id: int) -> dict[str, object]:
    with world.db.session() as s:
        return case_detail(s, world.org_id, case_id)


def test_one_holder_at_a_time_and_an_expired_lease_can_be_taken(world: World) -> None:
    case_id = world.scan(1).case_id
    _claim(world, case_id, world.alice)
    with pytest.raises(Conflict, match="held by another reviewer"):
        _claim(world, case_id, world.bob)
    _claim(world, case_id, world.alice)  # renewing your own claim is fine
    with world.db.session(write=True) as s:
        s.execute(update(Case).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    _claim(world, case_id, world.bob)
    detail = _status(world, case_id)
    assert detail["status"] == "in_review" and detail["holder"] == "key:3"
    with world.db.session(write=True) as s, pytest.raises(Conflict, match="not held by you"):
        workflow.release(s, world.org_id, case_id, world.alice)
    with world.db.session(write=True) as s:
        workflow.release(s, world.org_id, case_id, world.bob)
    assert _status(world, case_id)["status"] == "open"


def test_other_organisations_cases_are_not_found(world: World) -> None:
    case_id = world.scan(1).case_id
    with world.db.session(write=True) as s:
        other = create_org(s, "other")
        stranger = Actor(other.id, 99, "other:reviewer")
        with pytest.raises(NotFound):
            workflow.claim(s, other.id, case_id, stranger)
        with pytest.raises(NotFound):
            case_detail(s, other.id, case_id)


def test_next_takes_the_most_urgent_then_the_oldest(world: World) -> None:
    bullying = world.scan(1, Subject(user_id="a")).case_id
    older_csam = world.scan(2, Subject(user_id="b")).case_id
    newer_csam = world.scan(3, Subject(user_id="c")).case_id
    with world.db.session(write=True) as s:
        s.execute(update(Case).where(Case.id == bullying).values(priority=20))
    taken = []
    for who in (world.alice, world.bob, Actor(world.org_id, 4, "acme:reviewer")):
        with world.db.session(write=True) as s:
            case = workflow.next_case(s, world.org_id, "default", who)
            assert case is not None
            taken.append(case.id)
    assert taken == [older_csam, newer_csam, bullying]
    with world.db.session(write=True) as s:
        assert workflow.next_case(s, world.org_id, "default", world.alice) is None


def test_routing_rules_send_cases_to_queues_in_order(world: World) -> None:
    with world.db.session(write=True) as s:
        routing.create_queue(s, world.org_id, world.alice, "urgent")
        routing.create_queue(s, world.org_id, world.alice, "chat")
        routing.set_rules(
            s,
            world.org_id,
            world.alice,
            [
                routing.RuleSpec(queue="chat", label="GROOMING"),
                routing.RuleSpec(queue="urgent", bank="KNOWN", classification="A1"),
            ],
        )
        with pytest.raises(NotFound, match="rules\\[0\\]: no queue named nowhere"):
            routing.set_rules(s, world.org_id, world.alice, [routing.RuleSpec(queue="nowhere")])
    a1 = world.scan(1, Subject(user_id="a")).case_id
    b2 = world.scan(2, Subject(user_id="b"))
    assert _status(world, a1)["queue"] == "urgent"
    assert _status(world, b2.case_id)["queue"] == "urgent"
    with world.db.session(write=True) as s:
        counts = {q.name: q.to_public() for q in routing.list_queues(s, world.org_id)}
    assert counts["urgent"]["open"] == 2 and counts["default"]["open"] == 0


def test_deciding_needs_the_claim_a_known_policy_and_known_actions(world: World) -> None:
    case_id = world.scan(1).case_id
    with world.db.session(write=True) as s, pytest.raises(Conflict, match="claim it first"):
        decisions.decide(s, world.org_id, case_id, world.alice, "A1")
    _claim(world, case_id, world.alice)
    with world.db.session(write=True) as s:
        with pytest.raises(Conflict, match="held by another reviewer"):
            decisions.decide(s, world.org_id, case_id, world.bob, "A1")
        with pytest.raises(InvalidInput, match=r"unknown policy 'A9'.*A1, A2"):
            decisions.decide(s, world.org_id, case_id, world.alice, "A9")
        with pytest.raises(InvalidInput, match="unknown action 'delete'"):
            decisions.decide(s, world.org_id, case_id, world.alice, "A1", ["delete"])
        with pytest.raises(InvalidInput, match="needs the bank's name"):
            decisions.decide(s, world.org_id, case_id, world.alice, "A1", ["add_to_bank"])
        with pytest.raises(InvalidInput, match="add_to_bank: no bank named NOPE"):
            decisions.decide(
                s,
                world.org_id,
                case_id,
                world.alice,
                "A1",
                [{"action": "add_to_bank", "bank": "NOPE"}],
            )
        with pytest.raises(InvalidInput, match="takes no actions"):
            decisions.decide(s, world.org_id, case_id, world.alice, "NOT_VIOLATING", ["warn_user"])


def test_a_decision_takes_effect_and_adds_hashes_to_a_private_bank(world: World) -> None:
    case_id = world.scan(1, Subject(content_id="p1", user_id="u1")).case_id
    with world.db.session(write=True) as s:
        org = s.get(Org, world.org_id)
        assert org is not None
        BankRepository(s, org).create("CONFIRMED")
    _claim(world, case_id, world.alice)
    with world.db.session(write=True) as s:
        d = decisions.decide(
            s,
            world.org_id,
            case_id,
            world.alice,
            "A1",
            ["remove_content", {"action": "add_to_bank", "bank": "CONFIRMED"}],
            note="matches the known image",
        )
        assert d.status == "effective"
    detail = _status(world, case_id)
    assert detail["status"] == "decided" and detail["holder"] is None
    assert detail["decided_at"] is not None
    with world.db.session() as s:
        entries = list(
            s.scalars(
                select(BankEntry).join(BankEntry.bank).where(BankEntry.bank.has(name="CONFIRMED"))
            )
        )
        assert {e.signal_type for e in entries} == {"pdq", "md5", "sha256"}
        assert all(e.source == f"case:{case_id}" and e.classification == "A1" for e in entries)
        assert all("policy A1; reviewer key:2" in e.note for e in entries)
        actions = [r.action for r in s.scalars(select(AuditRecord))]
    assert "case.decided" in actions and "bank.entries.add" in actions
    with world.db.session(write=True) as s:
        workflow.close(s, world.org_id, case_id, world.alice)
        assert case_detail(s, world.org_id, case_id)["status"] == "closed"
        workflow.reopen(s, world.org_id, case_id, world.alice)
        assert case_detail(s, world.org_id, case_id)["status"] == "open"


def test_reporting_needs_a_second_reviewer_who_is_not_the_first(world: World) -> None:
    case_id = world.scan(1).case_id
    _claim(world, case_id, world.alice)
    with world.db.session(write=True) as s:
        d = decisions.decide(s, world.org_id, case_id, world.alice, "A1", ["report"])
        assert d.status == "pending"
        decision_id = d.id
    assert _status(world, case_id)["status"] == "in_review"
    with (
        world.db.session(write=True) as s,
        pytest.raises(Conflict, match="second reviewer"),
    ):
        decisions.confirm(s, world.org_id, case_id, decision_id, world.alice)
    with world.db.session(write=True) as s:
        decisions.confirm(s, world.org_id, case_id, decision_id, world.bob)
    detail = _status(world, case_id)
    assert detail["status"] == "decided"
    (dec,) = detail["decisions"]  # type: ignore[misc]
    assert (dec["status"], dec["decided_by"], dec["confirmed_by"]) == (
        "effective",
        "key:2",
        "key:3",
    )
    with world.db.session(write=True) as s, pytest.raises(Conflict, match="not awaiting"):
        decisions.confirm(s, world.org_id, case_id, decision_id, world.bob)


def test_four_eyes_can_be_turned_off_per_organisation(world: World) -> None:
    with world.db.session(write=True) as s:
        update_settings(s, world.org_id, world.alice, four_eyes=False)
    case_id = world.scan(1).case_id
    _claim(world, case_id, world.alice)
    with world.db.session(write=True) as s:
        assert decisions.decide(s, world.org_id, case_id, world.alice, "A1", ["report"]).status == (
            "effective"
        )


def test_adding_to_a_shared_bank_needs_four_eyes(world: World) -> None:
    with world.db.session(write=True) as s:
        org = s.get(Org, world.org_id)
        assert org is not None
        repo = BankRepository(s, org)
        repo.create("SHARED")
        repo.share("SHARED", create_org(s, "partner"))
    case_id = world.scan(1).case_id
    _claim(world, case_id, world.alice)
    with world.db.session(write=True) as s:
        d = decisions.decide(
            s,
            world.org_id,
            case_id,
            world.alice,
            "A1",
            [{"action": "add_to_bank", "bank": "SHARED"}],
        )
        assert d.status == "pending"


def test_not_violating_counts_a_false_positive_on_the_matched_entry(world: World) -> None:
    case_id = world.scan(1).case_id
    _claim(world, case_id, world.alice)
    with world.db.session(write=True) as s:
        decisions.decide(s, world.org_id, case_id, world.alice, "NOT_VIOLATING")
    with world.db.session() as s:
        entry = s.get(BankEntry, world.entry_ids[0])
        assert entry is not None and entry.false_positives == 1
        untouched = s.get(BankEntry, world.entry_ids[1])
        assert untouched is not None and untouched.false_positives == 0
    media = _status(world, case_id)["media"]
    assert media[0]["matches"][0]["false_positives"] == 1  # type: ignore[index]


def test_escalate_puts_the_case_back_marked_escalated(world: World) -> None:
    case_id = world.scan(1).case_id
    _claim(world, case_id, world.alice)
    with world.db.session(write=True) as s:
        decisions.decide(s, world.org_id, case_id, world.alice, "ESCALATE")
    detail = _status(world, case_id)
    assert detail["status"] == "open" and "ESCALATED" in detail["labels"]  # type: ignore[operator]


def test_an_appeal_is_decided_by_another_reviewer(world: World) -> None:
    case_id = world.scan(1).case_id
    _claim(world, case_id, world.alice)
    with world.db.session(write=True) as s, pytest.raises(Conflict, match="no decision in effect"):
        decisions.appeal(s, world.org_id, case_id, world.platform, "mistake")
    with world.db.session(write=True) as s:
        decisions.decide(s, world.org_id, case_id, world.alice, "A2", ["remove_content"])
    with world.db.session(write=True) as s:
        appeal_id = decisions.appeal(s, world.org_id, case_id, world.platform, "a family photo").id
    with world.db.session(write=True) as s:
        with pytest.raises(Conflict, match="already has an open appeal"):
            decisions.appeal(s, world.org_id, case_id, world.platform, "again")
        with pytest.raises(Conflict, match="another reviewer"):
            decisions.decide_appeal(s, world.org_id, case_id, appeal_id, world.alice, "overturned")
        with pytest.raises(InvalidInput, match="upheld or overturned"):
            decisions.decide_appeal(s, world.org_id, case_id, appeal_id, world.bob, "maybe")
    with world.db.session(write=True) as s:
        decisions.decide_appeal(s, world.org_id, case_id, appeal_id, world.bob, "overturned")
    detail = _status(world, case_id)
    assert detail["decisions"][0]["status"] == "overturned"  # type: ignore[index]
    assert detail["appeals"][0]["status"] == "overturned"  # type: ignore[index]
    history = [e["action"] for e in detail["history"]]  # type: ignore[index]
    assert history == ["opened", "claimed", "decided", "appealed", "appeal_decided"]
    assert all("family photo" not in json.dumps(e) for e in detail["history"])  # type: ignore[union-attr]


def test_concurrent_claims_have_exactly_one_winner(world: World) -> None:
    case_id = world.scan(1).case_id
    reviewers = [Actor(world.org_id, 10 + i, "acme:reviewer") for i in range(6)]
    barrier = threading.Barrier(len(reviewers))
    outcomes: list[str] = []

    def attempt(who: Actor) -> None:
        barrier.wait()
        try:
            with world.db.session(write=True) as s:
                workflow.claim(s, world.org_id, case_id, who)
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["won"]
    holder = _status(world, case_id)["holder"]
    assert holder in {f"key:{r.key_id}" for r in reviewers}


def test_next_takes_over_a_case_whose_lease_expired(world: World) -> None:
    case_id = world.scan(1).case_id
    _claim(world, case_id, world.alice)
    with world.db.session(write=True) as s:
        assert workflow.next_case(s, world.org_id, "default", world.bob) is None
        s.execute(update(Case).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    with world.db.session(write=True) as s:
        taken = workflow.next_case(s, world.org_id, "default", world.bob)
        assert taken is not None and taken.id == case_id and taken.holder == "key:3"
    with world.db.session(write=True) as s, pytest.raises(Conflict, match="held by another"):
        decisions.decide(s, world.org_id, case_id, world.alice, "A1")


def test_policies_can_be_added_and_disabled_and_queues_removed(world: World) -> None:
    from childguard.cases import policies

    with world.db.session(write=True) as s:
        policies.add_policy(s, world.org_id, world.alice, "HATE_SPEECH", "Hate against a child")
        with pytest.raises(Conflict):
            policies.add_policy(s, world.org_id, world.alice, "HATE_SPEECH")
        with pytest.raises(InvalidInput, match="UPPER_SNAKE_CASE"):
            policies.add_policy(s, world.org_id, world.alice, "hate speech")
        policies.disable_policy(s, world.org_id, world.alice, "BULLYING")
        names = [p.name for p in policies.list_policies(s, world.org_id)]
        assert "HATE_SPEECH" in names and "BULLYING" not in names and names[0] == "A1"
        routing.create_queue(s, world.org_id, world.alice, "urgent")
        routing.set_rules(s, world.org_id, world.alice, [routing.RuleSpec(queue="urgent")])
    case_id = world.scan(1).case_id
    assert _status(world, case_id)["queue"] == "urgent"
    with world.db.session(write=True) as s:
        routing.delete_queue(s, world.org_id, world.alice, "urgent")
        assert routing.list_rules(s, world.org_id) == []
        with pytest.raises(InvalidInput, match="cannot be deleted"):
            routing.delete_queue(s, world.org_id, world.alice, "default")
    assert _status(world, case_id)["queue"] == "default"
    case_id2 = world.scan(2, Subject(user_id="z")).case_id
    _claim(world, case_id2, world.alice)
    with world.db.session(write=True) as s, pytest.raises(InvalidInput, match="unknown policy"):
        decisions.decide(s, world.org_id, case_id2, world.alice, "BULLYING")


@pytest.mark.parametrize(
    ("policy", "verdict"), [("NOT_VIOLATING", "false_positive"), ("A1", "true_positive")]
)
def test_a_decision_on_an_entry_from_a_feed_sends_feedback_to_its_publisher(
    world: World, policy: str, verdict: str
) -> None:
    from childguard.store.models import Bank, FeedbackOutbox, Subscription, SubscriptionEntry

    with world.db.session(write=True) as s:
        entry = s.get(BankEntry, world.entry_ids[0])
        assert entry is not None
        bank = s.get(Bank, entry.bank_id)
        assert bank is not None
        sub = Subscription(
            org_id=world.org_id, url="http://p/v1/feeds/f", public_key="0" * 64,
            fingerprint="x", bank_id=bank.id, publisher="pubco",
        )  # fmt: skip
        s.add(sub)
        s.flush()
        s.add(SubscriptionEntry(subscription_id=sub.id, origin_id=77, local_id=entry.id))
    case_id = world.scan(1).case_id
    _claim(world, case_id, world.alice)
    with world.db.session(write=True) as s:
        decisions.decide(s, world.org_id, case_id, world.alice, policy)
    with world.db.session() as s:
        queued = list(s.scalars(select(FeedbackOutbox)))
    assert [(q.origin_id, q.verdict) for q in queued] == [(77, verdict)]
