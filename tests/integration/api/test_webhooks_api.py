"""``/v1/webhooks``: adding webhooks, bad URLs, deliveries, dead letters and redelivery, and
a receiver that holds requests while scans go on."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest

from childguard.store.models import Org
from childguard.webhooks.outbox import enqueue_event
from childguard.webhooks.signing import verify
from tests.integration.api.conftest import Api
from tests.webhook_receiver import Receiver, run_receiver

PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"


def wait_for(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def emit(api: Api, org: str, event_type: str = "case.opened", **data: object) -> str:
    with api.db.session(write=True) as s:
        org_id = s.query(Org).filter_by(name=org).one().id
        return enqueue_event(s, org_id, event_type, data or {"case_id": 1})


@pytest.fixture
def live(make_api: Callable[..., Api]) -> Api:
    """An app whose outbox worker delivers to 127.0.0.1 quickly."""
    return make_api(webhook_allow_private=True, outbox_poll_seconds=0.05, webhook_timeout_seconds=5)


def add(api: Api, headers: dict[str, str], url: str, events: list[str] | None = None) -> dict:  # type: ignore[type-arg]
    r = api.client.post(
        "/v1/webhooks", headers=headers, json={"url": url, "events": events or ["case.opened"]}
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_add_shows_secret_once_and_delivers_signed_events(
    live: Api, caplog: pytest.LogCaptureFixture
) -> None:
    admin = live.key("acme", "admin")
    caplog.set_level(logging.DEBUG)
    with run_receiver() as rx:
        created = add(live, admin, rx.url, ["case.opened", "case.decided"])
        assert created["secret"].startswith("whsec_")
        listed = live.client.get("/v1/webhooks", headers=admin).json()
        assert [h["id"] for h in listed] == [created["id"]]
        assert (
            "secret" not in listed[0]
            and "secret"
            not in live.client.get(f"/v1/webhooks/{created['id']}", headers=admin).json()
        )
        event = emit(live, "acme", "case.decided", case_id=3, note="benign test note")
        wait_for(lambda: len(rx.calls) == 1, "the delivery")
    [call] = rx.calls
    assert call.event["id"] == event
    assert verify(created["secret"], call.body, call.headers["x-childguard-signature"])
    hook = created["id"]
    wait_for(
        lambda: (
            live.client.get(f"/v1/webhooks/{hook}/deliveries", headers=admin).json()[0]["status"]
            == "delivered"
        ),
        "the delivery to be recorded",
    )
    [delivery] = live.client.get(f"/v1/webhooks/{hook}/deliveries", headers=admin).json()
    assert delivery["event_id"] == event and delivery["attempts"] == 1
    detail = live.client.get(f"/v1/webhooks/{hook}/deliveries/{delivery['id']}", headers=admin)
    [attempt] = detail.json()["log"]
    assert attempt["status_code"] == 200 and attempt["ok"] is True
    assert "benign test note" not in detail.text
    # The deployment's admin organisation reads every metric (an organisation's admin only its own).
    metrics = live.client.get("/metrics", headers=live.key("admin", "admin")).text
    assert 'childguard_outbox_deliveries_total{kind="webhook",outcome="ok"} 1.0' in metrics
    assert 'childguard_outbox_messages{status="pending"} 0.0' in metrics
    assert live.client.get("/readyz").json()["outbox_error"] is None
    # Neither the secret nor the body reaches the logs.
    assert created["secret"] not in caplog.text
    assert "benign test note" not in caplog.text


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://example.org/hook", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("not a url", "http:// or https://"),
        ("http://127.0.0.1:8080/hook", "CHILDGUARD_WEBHOOK_ALLOW_PRIVATE"),
        ("http://localhost/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://10.0.0.8/hook", "private"),
    ],
)
def test_bad_urls_are_400(api: Api, url: str, fragment: str) -> None:
    r = api.client.post(
        "/v1/webhooks",
        headers=api.key("acme", "admin"),
        json={"url": url, "events": ["case.opened"]},
    )
    assert r.status_code == 400, r.text
    assert fragment in r.json()["error"]["message"]


def test_unknown_or_no_events_are_4xx(live: Api) -> None:
    admin = live.key("acme", "admin")
    r = live.client.post(
        "/v1/webhooks", headers=admin, json={"url": "http://127.0.0.1:9/", "events": ["case.x"]}
    )
    assert r.status_code == 400 and "case.opened" in r.json()["error"]["message"]
    r = live.client.post(
        "/v1/webhooks", headers=admin, json={"url": "http://127.0.0.1:9/", "events": []}
    )
    assert 400 <= r.status_code < 500
    r = live.client.get("/v1/webhooks/1/deliveries?status=lost", headers=admin)
    assert r.status_code in (400, 404)


def test_dead_letters_listed_and_redelivered_other_orgs_see_nothing(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(
        webhook_allow_private=True,
        outbox_poll_seconds=0.05,
        outbox_retry_hours=0.5 / 3600,  # half a second: the first failure is final
    )
    admin = api.key("acme", "admin")
    with run_receiver(status=500) as rx:
        hook = add(api, admin, rx.url)["id"]
        emit(api, "acme")

        def dead() -> list[dict]:  # type: ignore[type-arg]
            r = api.client.get(f"/v1/webhooks/{hook}/deliveries?status=dead", headers=admin)
            return r.json()  # type: ignore[no-any-return]

        wait_for(lambda: len(dead()) == 1, "the dead letter")
        [letter] = dead()
        assert letter["last_status_code"] == 500 and letter["last_error"] == "HTTP 500"
        other = api.key("other", "admin")
        assert api.client.get(f"/v1/webhooks/{hook}", headers=other).status_code == 404
        assert (
            api.client.post(
                f"/v1/webhooks/{hook}/deliveries/{letter['id']}/redeliver", headers=other
            ).status_code
            == 404
        )
        rx.status = 200
        r = api.client.post(
            f"/v1/webhooks/{hook}/deliveries/{letter['id']}/redeliver", headers=admin
        )
        assert r.status_code == 200 and r.json()["status"] == "pending"
        wait_for(lambda: len(rx.calls) == 2, "the redelivery")
        assert rx.calls[1].headers["x-childguard-attempt"] == "2"
        wait_for(
            lambda: (
                api.client.get(f"/v1/webhooks/{hook}/deliveries", headers=admin).json()[0]["status"]
                == "delivered"
            ),
            "the redelivery to be recorded",
        )
        again = api.client.post(f"/v1/webhooks/{hook}/redeliver", headers=admin)
        assert again.json() == {"redelivered": 0}
    assert len(set(rx.event_ids())) == 1


def test_redeliver_while_pending_is_409(make_api: Callable[..., Api]) -> None:
    api = make_api(webhook_allow_private=True, outbox_worker=False)
    admin = api.key("acme", "admin")
    hook = add(api, admin, "http://127.0.0.1:9/hook")["id"]
    emit(api, "acme")
    [delivery] = api.client.get(f"/v1/webhooks/{hook}/deliveries", headers=admin).json()
    r = api.client.post(f"/v1/webhooks/{hook}/deliveries/{delivery['id']}/redeliver", headers=admin)
    assert r.status_code == 409 and "pending" in r.json()["error"]["message"]
    assert api.client.delete(f"/v1/webhooks/{hook}", headers=admin).status_code == 200
    assert api.client.get(f"/v1/webhooks/{hook}", headers=admin).status_code == 404


def _held(rx: Receiver) -> bool:
    return rx.arrived.is_set() and not rx.release.is_set()


def test_a_receiver_holding_requests_does_not_hold_up_scans(live: Api) -> None:
    admin = live.key("acme", "admin")
    platform = live.key("acme", "platform")
    with run_receiver(held=True) as rx:
        add(live, admin, rx.url)
        for _ in range(20):
            emit(live, "acme")
        wait_for(lambda: _held(rx), "the receiver to hold a delivery")
        # Every delivery thread may be waiting on the receiver; requests are served anyway.
        for _ in range(5):
            r = live.client.post(
                "/v1/lookup", headers=platform, json={"signal_type": "pdq", "hashes": [PDQ]}
            )
            assert r.status_code == 200
            r = live.client.post(
                "/v1/text/analyze",
                headers=platform,
                json={"messages": [{"sender": "a", "text": "hello there"}]},
            )
            assert r.status_code == 200
        assert _held(rx)  # the receiver had not answered while the requests were served
        rx.release.set()
        wait_for(lambda: len(set(rx.event_ids())) == 20, "the held events once released")
