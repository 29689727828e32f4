"""Feeds between two real servers: publish, subscribe, poll, integrity, rotation, faults.

The publisher and the subscriber are ``childguard serve`` subprocesses with their own data
directories and databases. "Known" hashes are MD5s of benign strings.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import func, select

from childguard import orgkeys
from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.exchange import accounts, feeds, pages, subscriptions
from childguard.exchange.errors import PageRefused, PartnerUnavailable
from childguard.exchange.transport import HttpClient, HttpResponse, HttpxClient
from childguard.media.bank_formats import make_entry
from childguard.media.banks import BankRepository
from childguard.store.models import (
    AuditRecord,
    Bank,
    BankEntry,
    FeedChange,
    Org,
    Subscription,
    SubscriptionEntry,
)
from tests.integration.exchange.servers import Server, make_database_url


def md5(i: int) -> str:
    return hashlib.md5(f"benign-sample-{i}".encode()).hexdigest()


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    publisher = Server("publisher", tmp_path / "pub", "pubco", database_url=make_database_url())
    subscriber = Server(
        "subscriber", tmp_path / "sub", "subco", poll_seconds=1.0, database_url=make_database_url()
    )
    try:
        yield publisher, subscriber
    finally:
        publisher.close()
        subscriber.close()


def add_entries(server: Server, bank: str, values: list[str]) -> None:
    with server.db.session(write=True) as s:
        org = s.scalar(select(Org).where(Org.name == server.org))
        assert org is not None
        repo = BankRepository(s, org)
        try:
            b = repo.get(bank, write=True)
        except Exception:
            b = repo.create(bank)
        repo.add_entries(b, [make_entry("md5", v, classification="A1") for v in values])


def publish(publisher: Server, bank: str = "KNOWN") -> tuple[str, str]:
    """Publish, grant subco; returns (fingerprint, subco's key on the publisher)."""
    code, out = publisher.cli("feed", "publish", bank, "--name", "pubco-known", "--json")
    assert code == 0, out
    info = json.loads(out.strip().splitlines()[-1])
    assert info["name"] == "pubco-known" and info["path"] == "/v1/feeds/pubco-known"
    code, out = publisher.cli("feed", "grant", "pubco-known", "subco")
    assert code == 0, out
    return info["fingerprint"], publisher.key("subco", "platform")


def subscribe(subscriber: Server, publisher: Server, fp: str, token: str) -> int:
    code, out = subscriber.cli(
        "feed",
        "subscribe",
        f"{publisher.url}/v1/feeds/pubco-known",
        "--fingerprint",
        fp,
        "--bank",
        "FROM_PUBCO",
        "--token",
        token,
    )
    assert code == 0, out
    with subscriber.db.session() as s:
        return int(s.scalar(select(Subscription.id)) or 0)


def local_values(server: Server, bank: str = "FROM_PUBCO") -> set[str]:
    with server.db.session() as s:
        return set(
            s.scalars(
                select(BankEntry.value).join(Bank).where(Bank.name == bank, BankEntry.enabled)
            )
        )


def sub_row(server: Server) -> Subscription:
    with server.db.session() as s:
        sub = s.scalar(select(Subscription))
        assert sub is not None
        return sub


def sync(server: Server, client: HttpClient | None = None) -> subscriptions.SyncResult:
    own = client or HttpxClient()
    return subscriptions.sync(server.db, server.settings, own, sub_row(server).id)


def audit_actions(server: Server) -> list[str]:
    with server.db.session() as s:
        return list(s.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))


def test_publish_subscribe_poll_feedback_and_removal(pair: tuple[Server, Server]) -> None:
    publisher, subscriber = pair
    first = [md5(i) for i in range(30)]
    add_entries(publisher, "KNOWN", first)
    fp, token = publish(publisher)
    publisher.start()
    subscribe(subscriber, publisher, fp, token)
    subscriber.start()
    look = {"signal_type": "md5", "hashes": [first[0]]}
    sub_key = {"Authorization": f"Bearer {subscriber.key('subco', 'admin')}"}

    deadline = time.monotonic() + 5
    while local_values(subscriber) != set(first):
        assert time.monotonic() < deadline, "the server's poller did not apply the feed"
        time.sleep(0.2)
    # provenance: publishing organisation and original entry id
    with subscriber.db.session() as s:
        entry = s.scalar(select(BankEntry).where(BankEntry.value == first[0]))
        assert entry is not None and entry.source == "feed:pubco"
        assert entry.external_id.startswith("pubco:")

    # an entry added at the publisher is matchable within one poll interval plus 1 s
    added = md5(1000)
    add_entries(publisher, "KNOWN", [added])
    start = time.monotonic()
    look = {"signal_type": "md5", "hashes": [added]}
    while True:
        r = httpx2.post(f"{subscriber.url}/v1/lookup", headers=sub_key, json=look)
        if r.status_code == 200 and r.json()["results"][0]["matches"]:
            break
        assert time.monotonic() - start < subscriber.poll_seconds + 1.0 + 1.0, r.text
        time.sleep(0.1)

    # feedback by hand, delivered by the poller, counted at the publisher
    origin = int(entry.external_id.split(":")[1])
    r = httpx2.post(
        f"{subscriber.url}/v1/subscriptions/{sub_row(subscriber).id}/feedback",
        headers=sub_key,
        json={"entry_id": origin, "verdict": "false_positive"},
    )
    assert r.status_code == 202, r.text
    pub_admin = {"Authorization": f"Bearer {publisher.key('pubco', 'admin')}"}
    deadline = time.monotonic() + 5
    while True:
        counts = httpx2.get(
            f"{publisher.url}/v1/feeds/pubco-known/feedback", headers=pub_admin
        ).json()
        if counts:
            break
        assert time.monotonic() < deadline, "feedback not delivered"
        time.sleep(0.2)
    assert counts == [
        {
            "entry_id": origin,
            "seen": 0,
            "true_positive": 0,
            "false_positive": 1,
            "by_subscriber": {"subco": {"seen": 0, "true_positive": 0, "false_positive": 1}},
        }
    ]
    # the publisher disables the entry: the removal reaches the subscriber
    r = httpx2.post(
        f"{publisher.url}/v1/feeds/pubco-known/entries/{origin}/disable", headers=pub_admin
    )
    assert r.status_code == 204, r.text
    deadline = time.monotonic() + 5
    while first[0] in local_values(subscriber):
        assert time.monotonic() < deadline, "removal not carried"
        time.sleep(0.2)
    assert len(local_values(subscriber)) == len(first)  # 30 + 1 added - 1 removed
    assert "exchange.feed.apply" in audit_actions(subscriber)
    assert "exchange.feed.serve" in audit_actions(publisher)


class Tamper:
    """A man in the middle: passes requests on, then changes what comes back."""

    def __init__(self, change: Any) -> None:
        self.inner = HttpxClient()
        self.change = change
        self.recorded: list[HttpResponse] = []

    def request(self, method: str, url: str, **kwargs: Any) -> HttpResponse:
        response = self.inner.request(method, url, **kwargs)
        self.recorded.append(response)
        return self.change(response)


def flip_byte(r: HttpResponse) -> HttpResponse:
    body = bytearray(r.body)
    i = body.index(b'"value":"') + 10
    body[i] ^= 0x01
    return replace(r, body=bytes(body))


def test_integrity_refusals_leave_the_bank_unchanged(pair: tuple[Server, Server]) -> None:
    publisher, subscriber = pair
    add_entries(publisher, "KNOWN", [md5(i) for i in range(10)])
    fp, token = publish(publisher)
    publisher.start()
    subscribe(subscriber, publisher, fp, token)

    # one byte changed by a man in the middle
    result = sync(subscriber, Tamper(flip_byte))
    assert result.status == "refused" and "signature" in result.error
    assert local_values(subscriber) == set()
    sub = sub_row(subscriber)
    assert (sub.cursor, sub.status, sub.pages_refused) == (0, "refused", 1)
    assert sub.next_attempt_at is not None
    assert "exchange.feed.refused" in audit_actions(subscriber)

    # the genuine page applies
    recorder = Tamper(lambda r: r)
    assert sync(subscriber, recorder).status == "ok"
    assert len(local_values(subscriber)) == 10
    genuine = recorder.recorded[-1]

    # a replayed page (genuine, signed, but for an earlier request) is refused
    add_entries(publisher, "KNOWN", [md5(99)])
    result = sync(subscriber, Tamper(lambda r: genuine))
    assert result.status == "refused" and "replayed" in result.error
    assert len(local_values(subscriber)) == 10

    # a page signed by the publisher's key whose cursor goes backwards is refused
    def backwards(r: HttpResponse) -> HttpResponse:
        data = json.loads(r.body)
        data["next_cursor"] = data["cursor"] - 1
        data["changes"] = []
        body = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        with publisher.db.session() as s:
            org = s.scalar(select(Org).where(Org.name == "pubco"))
            assert org is not None
            key = orgkeys.active_key(s, publisher.data_dir, org.id)
            sig = orgkeys.sign(publisher.data_dir, key, body).hex()
        return HttpResponse(200, body, {pages.SIGNATURE_HEADER: sig})

    result = sync(subscriber, Tamper(backwards))
    assert result.status == "refused" and "backwards" in result.error
    assert len(local_values(subscriber)) == 10

    # a malformed change in a correctly signed page: refused whole, the change named
    def malformed(r: HttpResponse) -> HttpResponse:
        data = json.loads(r.body)
        data["changes"][0]["value"] = "not-a-hash"
        body = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        with publisher.db.session() as s:
            org = s.scalar(select(Org).where(Org.name == "pubco"))
            assert org is not None
            key = orgkeys.active_key(s, publisher.data_dir, org.id)
            sig = orgkeys.sign(publisher.data_dir, key, body).hex()
        return HttpResponse(200, body, {pages.SIGNATURE_HEADER: sig})

    result = sync(subscriber, Tamper(malformed))
    assert result.status == "refused" and "change 1" in result.error
    assert len(local_values(subscriber)) == 10
    assert sub_row(subscriber).pages_refused == 4

    # and the real next page still applies afterwards
    assert sync(subscriber).status == "ok"
    assert md5(99) in local_values(subscriber)


def test_key_rotation_is_announced_and_followed(pair: tuple[Server, Server]) -> None:
    publisher, subscriber = pair
    add_entries(publisher, "KNOWN", [md5(i) for i in range(5)])
    fp, token = publish(publisher)
    publisher.start()
    subscribe(subscriber, publisher, fp, token)
    assert sync(subscriber).status == "ok"
    code, out = publisher.cli("feed", "rotate-key")
    assert code == 0, out
    new_fp = out.split("new fingerprint:")[1].split()[0]
    assert new_fp != fp
    add_entries(publisher, "KNOWN", [md5(50)])
    result = sync(subscriber)
    assert result.status == "ok", result.error
    assert result.rotated_to == [new_fp]
    sub = sub_row(subscriber)
    assert sub.fingerprint == new_fp
    assert md5(50) in local_values(subscriber)
    # a new subscriber pinning the new key reads the whole feed, signed by the new key
    client = HttpxClient()
    url = f"{publisher.url}/v1/feeds/pubco-known"
    with pytest.raises(PageRefused):  # the old fingerprint no longer matches the feed's key
        subscriptions.fetch_key(client, url, fp, token)
    key = subscriptions.fetch_key(client, url, new_fp, token)
    with subscriber.db.session(write=True) as s:
        late = ensure_org(s, "late-co")
        late_sub = subscriptions.subscribe(
            s, key, late, token=token, actor=Actor(late.id, None, "t"), bank_name="LATE"
        ).id
    result = subscriptions.sync(subscriber.db, subscriber.settings, client, late_sub)
    assert result.status == "ok", result.error
    assert local_values(subscriber, "LATE") == local_values(subscriber)


def test_publisher_down_or_500_backs_off_and_keeps_the_bank(pair: tuple[Server, Server]) -> None:
    publisher, subscriber = pair
    add_entries(publisher, "KNOWN", [md5(i) for i in range(5)])
    fp, token = publish(publisher)
    publisher.start()
    subscribe(subscriber, publisher, fp, token)
    assert sync(subscriber).status == "ok"
    add_entries(publisher, "KNOWN", [md5(60)])

    def error_500(r: HttpResponse) -> HttpResponse:
        return HttpResponse(500, b'{"error":{"code":"x","message":"boom"}}', {})

    result = sync(subscriber, Tamper(error_500))
    assert result.status == "unavailable" and "500" in result.error
    first_wait = sub_row(subscriber).next_attempt_at
    publisher.stop()
    result = sync(subscriber)
    assert result.status == "unavailable"
    sub = sub_row(subscriber)
    assert sub.failures == 2 and sub.status == "unavailable"
    assert first_wait is not None and sub.next_attempt_at is not None
    assert sub.next_attempt_at > first_wait  # backoff grows
    assert subscriptions.due(subscriber.db) == []
    assert len(local_values(subscriber)) == 5
    publisher.start()
    assert sync(subscriber).status == "ok"
    assert md5(60) in local_values(subscriber)
    assert sub_row(subscriber).failures == 0


def test_kill_9_while_applying_leaves_page_whole_or_absent(pair: tuple[Server, Server]) -> None:
    publisher, subscriber = pair
    add_entries(publisher, "KNOWN", [md5(i) for i in range(20_000)])
    fp, token = publish(publisher)
    publisher.start()
    subscribe(subscriber, publisher, fp, token)
    env = {**subscriber.env(), "CHILDGUARD_FEED_PAGE_SIZE": "5000"}
    for delay in (1.5, 2.5):
        proc = subprocess.Popen(
            [sys.executable, "-m", "childguard.cli.main", "feed", "sync"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        proc.kill()
        proc.wait()
        _check_consistent(publisher, subscriber)
    assert sync(subscriber).status == "ok"
    _check_consistent(publisher, subscriber)
    assert len(local_values(subscriber)) == 20_000


def _check_consistent(publisher: Server, subscriber: Server) -> None:
    sub = sub_row(subscriber)
    with publisher.db.session() as s:
        expected = set(s.scalars(select(FeedChange.entry_id).where(FeedChange.seq <= sub.cursor)))
    with subscriber.db.session() as s:
        mapped = set(s.scalars(select(SubscriptionEntry.origin_id)))
        n_local = s.scalar(select(func.count()).select_from(BankEntry)) or 0
    assert mapped == expected
    assert n_local == len(expected)


def test_account_signals_feed_between_members(pair: tuple[Server, Server]) -> None:
    publisher, subscriber = pair
    code, out = publisher.cli("signals", "group", "kh-safety")
    assert code == 0, out
    key = next(line for line in out.splitlines() if len(line.strip()) == 64).strip()
    assert publisher.cli("signals", "allow", "kh-safety", "SEXTORTION")[0] == 0
    code, out = publisher.cli(
        "feed", "publish", "--group", "kh-safety", "--name", "pub-sig", "--json"
    )
    assert code == 0, out
    fp = json.loads(out.strip().splitlines()[-1])["fingerprint"]
    assert publisher.cli("feed", "grant", "pub-sig", "subco")[0] == 0
    code, out = publisher.cli(
        "signals", "share", "kh-safety", "phone", "SEXTORTION", stdin="012 345 678\n"
    )
    assert code == 0, out
    code, out = publisher.cli("signals", "share", "kh-safety", "phone", "CSAM_TRADE", stdin="1\n")
    assert code == 5, out  # category not allowed by an admin
    publisher.start()
    assert subscriber.cli("signals", "group", "kh-safety", "--key", key)[0] == 0
    token = publisher.key("subco", "platform")
    code, out = subscriber.cli(
        "feed", "subscribe", f"{publisher.url}/v1/feeds/pub-sig", "--fingerprint", fp,
        "--group", "kh-safety", "--token", token,
    )  # fmt: skip
    assert code == 0, out
    code, out = subscriber.cli("feed", "sync")
    assert code == 0, out
    entities = [{"type": "phone", "value": "+85512345678"}, {"type": "phone", "value": "+85599"}]
    with subscriber.db.session() as s:
        org = s.scalar(select(Org).where(Org.name == "subco"))
        assert org is not None
        hits = accounts.match_entities(s, org.id, entities)
    assert [(h.value, h.category, h.sharing_org) for h in hits] == [
        ("+85512345678", "SEXTORTION", "pubco")
    ]


def test_feed_access_needs_a_grant(pair: tuple[Server, Server]) -> None:
    publisher, _ = pair
    add_entries(publisher, "KNOWN", [md5(1)])
    publish(publisher)
    publisher.start()
    stranger = {"Authorization": f"Bearer {publisher.key('stranger', 'platform')}"}
    r = httpx2.get(
        f"{publisher.url}/v1/feeds/pubco-known",
        headers=stranger,
        params={"nonce": secrets.token_hex(8)},
    )
    assert r.status_code == 403
    with pytest.raises(PartnerUnavailable):
        HttpxClient(timeout=1).request("GET", f"http://127.0.0.1:{1}/v1/feeds/x")
    assert feeds.feed_path("x") == "/v1/feeds/x"
