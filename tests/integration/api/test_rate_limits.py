"""Failed authentications per address and requests per key are limited, across servers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from childguard.ratelimit import RateLimiter
from childguard.store.db import Database
from tests.integration.api.conftest import Api

BAD = {"Authorization": "Bearer cg_000000000000_notarealsecretnotarealsecret"}
PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"


def test_failed_authentications_are_throttled_across_servers(
    make_api: Callable[..., Api],
) -> None:
    one = make_api(auth_failure_limit=5, rate_limit_window_seconds=86400)
    two = make_api(auth_failure_limit=5, rate_limit_window_seconds=86400)  # same database
    good = one.key("acme", "platform")
    assert one.client.get("/v1/banks", headers=good).status_code == 200
    statuses = [one.client.get("/v1/banks", headers=BAD).status_code for _ in range(3)]
    statuses += [two.client.get("/v1/banks", headers=BAD).status_code for _ in range(3)]
    assert statuses == [401] * 5 + [429]
    refused = two.client.get("/v1/banks", headers=BAD)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 86400
    # the address is refused even with a good key until the window ends, on the fast path too
    assert two.client.get("/v1/banks", headers=good).status_code == 429
    lookup = two.client.post(
        "/v1/lookup", headers=BAD, json={"signal_type": "pdq", "hashes": [PDQ]}
    )
    assert lookup.status_code == 429 and "retry-after" in lookup.headers


@pytest.mark.parametrize("fast", [True, False])
def test_requests_per_key_are_limited(make_api: Callable[..., Api], fast: bool) -> None:
    api = make_api(
        key_request_limit=3,
        rate_limit_window_seconds=86400,
        rate_limit_sync_seconds=0,
        fast_routes=fast,
    )
    key = api.key("acme", "platform")
    other = api.key("acme", "platform")
    body = {"signal_type": "pdq", "hashes": [PDQ]}
    statuses = [api.client.post("/v1/lookup", headers=key, json=body).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = api.client.get("/v1/banks", headers=key)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert api.client.get("/v1/banks", headers=other).status_code == 200


def test_counts_are_shared_in_the_database_and_synced_in_batches(db: Database) -> None:
    a, b = RateLimiter(db), RateLimiter(db)  # two servers
    assert a.hit("key:1", 4, 3600) == 0
    assert b.hit("key:1", 4, 3600) == 0
    assert a.hit("key:1", 4, 3600) == 0
    assert b.hit("key:1", 4, 3600) == 0
    assert a.hit("key:1", 4, 3600) > 0
    assert a.blocked_for("key:1") > 0 and b.blocked_for("key:1") == 0
    # batched: local hits count at once, the shared row only at the next sync
    c = RateLimiter(db)
    assert c.hit("key:2", 10, 3600, sync_seconds=3600) == 0
    for _ in range(9):
        assert c.hit("key:2", 10, 3600, sync_seconds=3600) == 0
    assert c.hit("key:2", 10, 3600, sync_seconds=3600) > 0
    d = RateLimiter(db)
    assert d.hit("key:2", 10, 3600) == 0  # c synced only its first hit: 1 + 1


def test_a_failed_authentication_on_a_write_route_never_waits_for_the_database_lock(
    make_api: Callable[..., Api],
) -> None:
    # counting the failure is a write; the request must not hold SQLite's write lock by then
    api = make_api(auth_failure_limit=2, rate_limit_window_seconds=86400)
    statuses = [
        api.client.post("/v1/banks", headers=BAD, json={"name": "X"}).status_code for _ in range(3)
    ]
    assert statuses == [401, 401, 429]
