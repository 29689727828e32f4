"""Webhook events through the durable outbox to a local receiver: body, signature, retries,
dead letters, redelivery, address checks at delivery time and concurrent workers."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from childguard.errors import InvalidInput
from childguard.outbox import store
from childguard.outbox.backoff import Backoff
from childguard.outbox.messages import DeliveryResult
from childguard.store.db import Database
from childguard.store.models import Org, OutboxAttempt, OutboxMessage, utcnow
from childguard.webhooks import subscriptions
from childguard.webhooks.outbox import enqueue_event
from childguard.webhooks.signing import verify
from tests.integration.webhooks.conftest import ACTOR, Clock, add_hook, make_worker
from tests.webhook_receiver import run_receiver


def emit(db: Database, org_id: int, event_type: str = "case.opened", **data: object) -> str:
    with db.session(write=True) as s:
        return enqueue_event(s, org_id, event_type, data or {"case_id": 1})


def messages(db: Database) -> list[OutboxMessage]:
    with db.session() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_one_message_per_subscribed_webhook_and_nothing_on_rollback(db: Database, org: Org) -> None:
    opened_only, _ = add_hook(db, org.id, "http://127.0.0.1:9/a", ["case.opened"])
    both, _ = add_hook(db, org.id, "http://127.0.0.1:9/b", ["case.opened", "appeal.decided"])
    event = emit(db, org.id, "case.opened")
    emit(db, org.id, "appeal.decided")
    emit(db, org.id, "action.requested")  # nobody subscribed
    with pytest.raises(RuntimeError), db.session(write=True) as s:
        enqueue_event(s, org.id, "case.opened", {"case_id": 2})
        raise RuntimeError("caller's transaction fails")
    rows = messages(db)
    assert [(m.destination_id, m.topic) for m in rows] == [
        (opened_only, "case.opened"),
        (both, "case.opened"),
        (both, "appeal.decided"),
    ]
    assert rows[0].message_id == rows[1].message_id == event
    assert all(m.status == "pending" for m in rows)


def test_unknown_event_type_and_non_json_data_are_refused(db: Database, org: Org) -> None:
    with db.session(write=True) as s:
        with pytest.raises(InvalidInput, match="unknown event type"):
            enqueue_event(s, org.id, "case.exploded", {})
        with pytest.raises(InvalidInput, match="not JSON"):
            enqueue_event(s, org.id, "case.opened", {"x": object()})


def test_delivered_body_and_signature(db: Database, org: Org) -> None:
    clock = Clock()
    with run_receiver() as rx:
        _, secret = add_hook(db, org.id, rx.url)
        event = emit(db, org.id, "case.decided", case_id=7, policy="GROOMING")
        assert make_worker(db, clock).run_once() == 1
    [call] = rx.calls
    assert call.event["id"] == event
    assert call.event["type"] == "case.decided"
    assert call.event["data"] == {"case_id": 7, "policy": "GROOMING"}
    assert str(call.event["created_at"]).endswith("Z")
    assert set(call.event) == {"id", "type", "created_at", "data"}
    header = call.headers["x-childguard-signature"]
    assert verify(secret, call.body, header)
    assert not verify("whsec_other", call.body, header)
    assert call.headers["content-type"] == "application/json"
    [m] = messages(db)
    assert (m.status, m.attempts, m.last_status_code) == ("delivered", 1, 200)
    with db.session() as s:
        [attempt] = s.scalars(select(OutboxAttempt))
        assert attempt.ok and attempt.status_code == 200 and attempt.attempt == 1


def test_500_is_retried_with_backoff_and_logged_then_delivered(db: Database, org: Org) -> None:
    clock = Clock()
    with run_receiver(status=500) as rx:
        add_hook(db, org.id, rx.url)
        emit(db, org.id)
        worker = make_worker(db, clock)
        assert worker.run_once() == 1
        [m] = messages(db)
        assert (m.status, m.last_status_code, m.last_error) == ("pending", 500, "HTTP 500")
        assert m.next_attempt_at > clock.now
        assert worker.run_once() == 0  # not due yet
        clock.advance(seconds=11)  # first backoff is 5 to 10 s
        assert worker.run_once() == 1
        rx.status = 200
        clock.advance(seconds=21)
        assert worker.run_once() == 1
    [m] = messages(db)
    assert (m.status, m.attempts) == ("delivered", 3)
    assert len(set(rx.event_ids())) == 1 and len(rx.calls) == 3
    with db.session() as s:
        log = list(s.scalars(select(OutboxAttempt).order_by(OutboxAttempt.id)))
    assert [(a.attempt, a.status_code, a.ok) for a in log] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    assert all(a.duration_ms >= 0 and a.error in ("", "HTTP 500") for a in log)


def test_receiver_down_then_back(db: Database, org: Org) -> None:
    clock = Clock()
    with run_receiver() as rx:
        url = rx.url
    add_hook(db, org.id, url)  # the port is closed now
    emit(db, org.id)
    worker = make_worker(db, clock)
    worker.run_once()
    [m] = messages(db)
    assert m.status == "pending" and m.last_error.startswith("connection failed")
    assert m.last_status_code is None
    with run_receiver() as rx2:
        with db.session(write=True) as s:
            hook = s.scalars(select(subscriptions.Webhook)).one()
            hook.url = rx2.url
        clock.advance(seconds=11)
        assert worker.run_once() == 1
    assert len(rx2.calls) == 1
    assert messages(db)[0].status == "delivered"


def test_retries_for_the_whole_window_then_dead_letter_then_redeliver(
    db: Database, org: Org
) -> None:
    clock = Clock()
    with run_receiver(status=503) as rx:
        hook_id, _ = add_hook(db, org.id, rx.url)
        emit(db, org.id)
        worker = make_worker(db, clock, retry_window=timedelta(hours=24))
        start = clock.now
        while messages(db)[0].status == "pending":
            due = messages(db)[0].next_attempt_at
            clock.now = max(clock.now, due)
            worker.run_once()
            assert clock.now - start < timedelta(hours=26), "never dead-lettered"
        [m] = messages(db)
        assert m.status == "dead"
        assert clock.now - start >= timedelta(hours=24)
        attempts = m.attempts
        assert attempts == len(rx.calls) > 10
        with db.session() as s:
            dead = subscriptions.list_deliveries(s, org.id, hook_id, status="dead")
        assert [d.id for d in dead] == [m.id]
        assert worker.run_once() == 0  # dead letters are not retried
        rx.status = 200
        with db.session(write=True) as s:
            subscriptions.redeliver(s, org.id, hook_id, m.id, actor=ACTOR, now=clock.now)
        assert worker.run_once() == 1
    [m] = messages(db)
    assert m.status == "delivered" and m.attempts == attempts + 1


def test_private_address_refused_at_delivery_time(db: Database, org: Org) -> None:
    clock = Clock()
    with run_receiver() as rx:
        add_hook(db, org.id, rx.url)  # added while private addresses were allowed
        emit(db, org.id)
        make_worker(db, clock, allow_private=False).run_once()
    assert rx.calls == []
    [m] = messages(db)
    assert m.status == "pending" and "loopback address" in m.last_error


def test_dns_rebinding_after_the_check_is_refused(db: Database, org: Org) -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    with db.session(write=True) as s:
        new = subscriptions.create_webhook(
            s,
            org.id,
            "http://rebind.example.org/hook",
            ["case.opened"],
            allow_private=False,
            actor=ACTOR,
            resolver=rebinding,
        )
    emit(db, org.id)
    make_worker(db, Clock(), allow_private=False, resolver=rebinding).run_once()
    [m] = messages(db)
    assert m.destination_id == new.webhook.id
    assert m.status == "pending" and "loopback address (127.0.0.1)" in m.last_error


def test_deleted_webhook_cancels_its_pending_deliveries(db: Database, org: Org) -> None:
    hook_id, _ = add_hook(db, org.id, "http://127.0.0.1:9/x")
    emit(db, org.id)
    with db.session(write=True) as s:
        subscriptions.delete_webhook(s, org.id, hook_id, actor=ACTOR)
    assert make_worker(db, Clock()).run_once() == 0
    assert messages(db)[0].status == "cancelled"


def test_a_lease_keeps_others_off_until_it_runs_out(db: Database, org: Org) -> None:
    clock = Clock()
    with run_receiver() as rx:
        add_hook(db, org.id, rx.url)
        emit(db, org.id)
        lease = timedelta(seconds=30)
        # A worker claims and then dies before delivering (kill -9): nothing settles it.
        claimed = store.claim(db, "dead-worker", 10, now=clock.now, lease=lease)
        assert len(claimed) == 1
        other = make_worker(db, clock, lease=lease)
        assert other.run_once() == 0
        clock.advance(seconds=31)
        assert other.run_once() == 1
    assert len(rx.calls) == 1
    [m] = messages(db)
    assert (m.status, m.attempts) == ("delivered", 2)


def test_two_running_workers_deliver_each_event_once(db: Database, org: Org) -> None:
    with run_receiver() as rx:
        add_hook(db, org.id, rx.url, ["action.requested"])
        with db.session(write=True) as s:
            ids = {enqueue_event(s, org.id, "action.requested", {"n": i}) for i in range(200)}
        workers = [make_worker(db, utcnow, poll_seconds=0.05) for _ in range(2)]
        for w in workers:
            w.start()
        deadline = time.monotonic() + 60
        while len(rx.calls) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # let any double delivery arrive before counting
        for w in workers:
            w.stop()
    received = rx.event_ids()
    assert sorted(received) == sorted(ids)  # every event, none twice
    with db.session() as s:
        statuses = dict(
            s.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ).all()
        )
        workers_used = set(s.scalars(select(OutboxAttempt.worker)))
    assert statuses == {"delivered": 200}
    assert len(workers_used) == 2


def test_worker_thread_survives_handler_errors(db: Database, org: Org) -> None:
    add_hook(db, org.id, "http://127.0.0.1:9/x")
    emit(db, org.id)

    def broken(message: object) -> object:
        raise KeyError("bug")

    from childguard.outbox.worker import OutboxWorker

    worker = OutboxWorker(db, {"webhook": broken}, clock=Clock())  # type: ignore[dict-item]
    assert worker.run_once() == 1
    [m] = messages(db)
    assert m.status == "pending" and m.last_error == "handler error: KeyError"


def test_a_delivery_cancelled_in_flight_stays_cancelled(db: Database, org: Org) -> None:
    clock = Clock()
    hook_id, _ = add_hook(db, org.id, "http://127.0.0.1:9/x")
    emit(db, org.id)
    [claimed] = store.claim(db, "w1", 10, now=clock.now, lease=timedelta(seconds=60))
    with db.session(write=True) as s:
        subscriptions.delete_webhook(s, org.id, hook_id, actor=ACTOR)
    outcome = store.Outcome(claimed, DeliveryResult(ok=True, status_code=200), clock.now, 3)
    store.settle(
        db, "w1", [outcome], now=clock.now, retry_window=timedelta(hours=24), backoff=Backoff()
    )
    [m] = messages(db)
    assert m.status == "cancelled"
    with db.session() as s:
        [attempt] = s.scalars(select(OutboxAttempt))
    assert attempt.ok and attempt.duration_ms == 3 and attempt.worker == "w1"
