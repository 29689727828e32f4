"""Exchange adapters against this project's HMA routes and local fakes of NCMEC and StopNCII.

The fakes answer with the documented shapes (as python-threatexchange models them); hashes are
MD5s of benign strings and a PDQ of a public benign test image.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.exchange import subscriptions
from childguard.exchange.adapters.base import pull
from childguard.exchange.adapters.hma import HmaExchange
from childguard.exchange.adapters.ncmec import NcmecExchange
from childguard.exchange.adapters.stopncii import StopNciiExchange
from childguard.exchange.errors import PartnerUnavailable
from childguard.exchange.transport import HttpResponse
from childguard.store.models import Bank, BankEntry, Org, Subscription
from tests.integration.api.conftest import Api

PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"


def md5(i: int) -> str:
    return hashlib.md5(f"benign-{i}".encode()).hexdigest()


class InProcessHttp:
    """``HttpClient`` over a Starlette TestClient (the app under test as the partner)."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def request(self, method: str, url: str, **kw: Any) -> HttpResponse:
        parts = urlsplit(url)
        r = self.api.client.request(
            method,
            parts.path,
            params=kw.get("params"),
            headers=kw.get("headers"),
            json=kw.get("json"),
            content=kw.get("content"),
        )
        return HttpResponse(r.status_code, r.content, {k.lower(): v for k, v in r.headers.items()})


class Fake:
    """A partner API: path -> handler(params, body) -> (status, body)."""

    def __init__(self, routes: dict[str, Callable[[Mapping[str, Any], Any], tuple[int, bytes]]]):
        self.routes = routes
        self.calls: list[tuple[str, str, Mapping[str, str]]] = []

    def request(self, method: str, url: str, **kw: Any) -> HttpResponse:
        parts = urlsplit(url)
        self.calls.append((method, parts.path, dict(kw.get("headers") or {})))
        handler = self.routes.get(f"{method} {parts.path}")
        if handler is None:
            return HttpResponse(404, b"")
        status, body = handler(dict(kw.get("params") or {}), kw.get("json") or kw.get("content"))
        return HttpResponse(status, body)


def bank_values(api: Api, name: str) -> dict[str, str]:
    with api.db.session() as s:
        return {
            e.value: e.external_id
            for e in s.scalars(select(BankEntry).join(Bank).where(Bank.name == name))
        }


def org_of(api: Api, name: str) -> Org:
    with api.db.session() as s:
        return ensure_org(s, name)


def checkpoint(api: Api, kind: str) -> int:
    with api.db.session() as s:
        return int(s.scalar(select(Subscription.cursor).where(Subscription.kind == kind)) or 0)


def test_hma_pull_from_this_projects_hma_routes(api: Api) -> None:
    owner = api.key("hmaorg", "admin")
    assert api.client.post("/c/banks", headers=owner, json={"name": "HMA_BANK"}).status_code == 201
    for value in (md5(1), md5(2)):
        r = api.client.post("/c/bank/HMA_BANK/signal", headers=owner, json={"md5": value})
        assert r.status_code in (200, 201), r.text
    token = owner["Authorization"].split()[1]
    exchange = HmaExchange(InProcessHttp(api), "http://hma", "HMA_BANK", token=token, max_gap=5)
    me = org_of(api, "puller")
    result = pull(api.db, me, exchange, "FROM_HMA", Actor(me.id, None, "test"))
    assert result.added == 2
    values = bank_values(api, "FROM_HMA")
    assert set(values) == {md5(1), md5(2)}
    assert all(v.startswith("hma:") for v in values.values())
    # a second pull starts after the checkpoint and adds nothing twice
    r = api.client.post("/c/bank/HMA_BANK/signal", headers=owner, json={"md5": md5(3)})
    assert r.status_code in (200, 201)
    assert pull(api.db, me, exchange, "FROM_HMA", Actor(me.id, None, "test")).added == 1
    assert md5(3) in bank_values(api, "FROM_HMA")


def ncmec_xml(entries: str, next_path: str = "") -> bytes:
    paging = f"<paging><next>{next_path}</next></paging>" if next_path else ""
    return (
        '<?xml version="1.0"?><queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">'
        f'<images count="2" maxTimestamp="2026-12-01T00:00:00Z">{entries}</images>{paging}'
        "</queryResult>"
    ).encode()


def image(entry_id: str, value: str, deleted: bool = False) -> str:
    tag = "deletedImage" if deleted else "image"
    return (
        f'<{tag}><id>{entry_id}</id><member id="42">Benign ESP</member>'
        f"<classification>A1</classification><fingerprints><MD5>{value}</MD5>"
        f"<PDQ>{PDQ}</PDQ></fingerprints></{tag}>"
    )


def test_ncmec_entries_pages_deletions_and_feedback() -> None:
    pages = {
        "": ncmec_xml(image("e1", md5(1)) + image("e2", md5(2)), "/v2/entries?start=2&amp;size=2"),
        "2": ncmec_xml(image("e1", md5(1), deleted=True)),
    }
    sent: list[bytes] = []

    def entries(params: Mapping[str, Any], body: Any) -> tuple[int, bytes]:
        return 200, pages[str(params.get("start", ""))]

    def put_feedback(params: Mapping[str, Any], body: Any) -> tuple[int, bytes]:
        sent.append(body)
        return 200, b"<ok/>"

    fake = Fake(
        {
            "GET /hashsharing/v2/entries": entries,
            "PUT /hashsharing/v2/entries/42/e2/MD5/feedback": put_feedback,
        }
    )
    # the relative "next" path carries its own query string in NCMEC's API
    original = fake.request

    def request(method: str, url: str, **kw: Any) -> HttpResponse:
        parts = urlsplit(url)
        if parts.query:
            kw["params"] = dict(p.split("=") for p in parts.query.split("&"))
        return original(method, url.split("?")[0], **kw)

    fake.request = request  # type: ignore[method-assign]
    exchange = NcmecExchange(fake, "http://ncmec/hashsharing", now=1_800_000_000)
    batches = list(exchange.fetch_iter(0))
    assert batches[0].checkpoint == 0  # not trusted before the last page
    assert batches[-1].checkpoint == 1_800_000_000
    merged: dict[str, Any] = {}
    for b in batches:
        merged.update(b.updates)
    assert merged["42:e1:MD5"] is None  # deleted on the second page
    assert merged["42:e2:MD5"].value == md5(2) and merged["42:e2:PDQ"].value == PDQ
    assert merged["42:e2:MD5"].classification == "A1"
    exchange.feedback(42, "e2", "MD5", upvote=True)
    assert b"affirmative" in sent[0]
    with pytest.raises(Exception, match="reason"):
        exchange.feedback(42, "e2", "MD5", upvote=False)


def test_stopncii_fetch_none_deletes_and_checkpoint_after_finish(api: Api) -> None:
    record = {"lastModtimestamp": 1, "signalType": "ImagePDQ", "hashValue": PDQ,
              "hashStatus": "Active", "caseNumbers": {}, "CSPFeedbacks": []}  # fmt: skip
    md5_record = {**record, "signalType": "VideoMD5", "hashValue": md5(7)}
    pages = [
        {"count": 1, "nextPageToken": "p2", "nextSetTimestamp": 0, "hasMoreRecords": True,
         "hashRecords": [record]},
        {"count": 1, "nextPageToken": None, "nextSetTimestamp": 1700, "hasMoreRecords": False,
         "hashRecords": [md5_record]},
    ]  # fmt: skip
    fail_second = {"on": True}

    def fetch(params: Mapping[str, Any], body: Any) -> tuple[int, bytes]:
        if params.get("nextPageToken") == "p2":
            if fail_second["on"]:
                return 500, b"{}"
            return 200, json.dumps(pages[1]).encode()
        return 200, json.dumps(pages[0]).encode()

    feedbacks: list[Any] = []
    fake = Fake({
        "GET /v1/FetchHashes": fetch,
        "POST /v1/SubmitFeedback": lambda p, b: (feedbacks.append(b) or (200, b"{}")),
    })  # fmt: skip
    exchange = StopNciiExchange(
        fake, "http://stopncii/v1", subscription_key="sub-key", fetch_key="fn-key"
    )
    me = org_of(api, "ncii-user")
    actor = Actor(me.id, None, "test")
    with pytest.raises(PartnerUnavailable):
        pull(api.db, me, exchange, "STOPNCII", actor)
    assert bank_values(api, "STOPNCII") == {}  # an unfinished fetch applies nothing
    assert checkpoint(api, "stopncii") == 0
    fail_second["on"] = False
    assert pull(api.db, me, exchange, "STOPNCII", actor).added == 2
    assert checkpoint(api, "stopncii") == 1700
    assert subscriptions.due(api.db) == []  # a pull state is not a feed to poll
    assert fake.calls[0][2]["Ocp-Apim-Subscription-Key"] == "sub-key"
    # a withdrawn hash is an update of None: the entry goes
    pages[0] = {**pages[0], "hashRecords": [{**record, "hashStatus": "Withdrawn"}]}
    result = pull(api.db, me, exchange, "STOPNCII", actor)
    assert result.removed == 1
    assert set(bank_values(api, "STOPNCII")) == {md5(7)}
    exchange.feedback(md5(7), "false_positive")
    assert feedbacks[0]["hashFeedbacks"][0]["feedbackValue"] == "NotBlocked"
