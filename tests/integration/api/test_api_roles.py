"""Every route x every role: allowed roles get through, the others get 403, no key gets 401."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx2
import pytest

from childguard.api.permissions import GRANTS, Permission
from childguard.auth import Role
from tests.conftest import PDQ_DATA
from tests.integration.api.conftest import Api

IMAGE = PDQ_DATA / "images" / "bridge-1-original.jpg"
PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
Call = Callable[[Api, dict[str, str]], httpx2.Response]


def _file(path: Path = IMAGE) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (path.name, path.read_bytes(), "image/jpeg")}


# (method, route template) -> (permission needed or None for public, request)
ROUTES: dict[tuple[str, str], tuple[Permission | None, Call]] = {
    ("GET", "/healthz"): (None, lambda a, h: a.client.get("/healthz", headers=h)),
    ("GET", "/readyz"): (None, lambda a, h: a.client.get("/readyz", headers=h)),
    ("GET", "/metrics"): (
        Permission.METRICS_READ,
        lambda a, h: a.client.get("/metrics", headers=h),
    ),
    ("POST", "/v1/scan"): (
        Permission.SCAN,
        lambda a, h: a.client.post("/v1/scan", headers=h, files=_file()),
    ),
    ("POST", "/v1/lookup"): (
        Permission.LOOKUP,
        lambda a, h: a.client.post(
            "/v1/lookup", headers=h, json={"signal_type": "pdq", "hashes": [PDQ]}
        ),
    ),
    ("GET", "/v1/banks"): (
        Permission.BANKS_READ,
        lambda a, h: a.client.get("/v1/banks", headers=h),
    ),
    ("POST", "/v1/banks"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.post("/v1/banks", headers=h, json={"name": "NEW_BANK"}),
    ),
    ("GET", "/v1/banks/{name}"): (
        Permission.BANKS_READ,
        lambda a, h: a.client.get("/v1/banks/SEED", headers=h),
    ),
    ("PATCH", "/v1/banks/{name}"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.patch("/v1/banks/SEED", headers=h, json={"threshold": 20}),
    ),
    ("DELETE", "/v1/banks/{name}"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.delete("/v1/banks/DOOMED", headers=h),
    ),
    ("GET", "/v1/banks/{name}/entries"): (
        Permission.BANKS_READ,
        lambda a, h: a.client.get("/v1/banks/SEED/entries", headers=h),
    ),
    ("POST", "/v1/banks/{name}/entries"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.post(
            "/v1/banks/SEED/entries", headers=h, json={"signal_type": "md5", "signal": "a" * 32}
        ),
    ),
    ("POST", "/v1/banks/{name}/entries/upload"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.post("/v1/banks/SEED/entries/upload", headers=h, files=_file()),
    ),
    ("PATCH", "/v1/banks/{name}/entries/{entry_id}"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.patch("/v1/banks/SEED/entries/1", headers=h, json={"enabled": True}),
    ),
    ("DELETE", "/v1/banks/{name}/entries/{entry_id}"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.delete("/v1/banks/SEED/entries/2", headers=h),
    ),
    ("POST", "/v1/banks/{name}/import"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.post(
            "/v1/banks/SEED/import",
            headers=h,
            files={"file": ("l.txt", f"pdq {PDQ}\n".encode(), "text/plain")},
        ),
    ),
    ("GET", "/v1/banks/{name}/export"): (
        Permission.BANKS_READ,
        lambda a, h: a.client.get("/v1/banks/SEED/export", headers=h),
    ),
    ("POST", "/v1/banks/{name}/shares"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.post("/v1/banks/SEED/shares", headers=h, json={"org": "other"}),
    ),
    ("DELETE", "/v1/banks/{name}/shares/{org}"): (
        Permission.BANKS_WRITE,
        lambda a, h: a.client.delete("/v1/banks/SEED/shares/other", headers=h),
    ),
    ("GET", "/v1/orgs"): (Permission.KEYS_MANAGE, lambda a, h: a.client.get("/v1/orgs", headers=h)),
    ("POST", "/v1/orgs"): (
        Permission.KEYS_MANAGE,
        lambda a, h: a.client.post("/v1/orgs", headers=h, json={"name": "fresh-org"}),
    ),
    ("GET", "/v1/keys"): (Permission.KEYS_MANAGE, lambda a, h: a.client.get("/v1/keys", headers=h)),
    ("POST", "/v1/keys"): (
        Permission.KEYS_MANAGE,
        lambda a, h: a.client.post("/v1/keys", headers=h, json={"role": "platform"}),
    ),
    ("DELETE", "/v1/keys/{key_ref}"): (
        Permission.KEYS_MANAGE,
        lambda a, h: a.client.delete("/v1/keys/999999", headers=h),
    ),
    ("GET", "/v1/audit"): (
        Permission.AUDIT_READ,
        lambda a, h: a.client.get("/v1/audit", headers=h),
    ),
    ("GET", "/v1/audit/verify"): (
        Permission.AUDIT_READ,
        lambda a, h: a.client.get("/v1/audit/verify", headers=h),
    ),
    ("POST", "/v1/audit/checkpoint"): (
        Permission.AUDIT_READ,
        lambda a, h: a.client.post("/v1/audit/checkpoint", headers=h),
    ),
    ("POST", "/v1/audit/witness"): (
        Permission.AUDIT_WITNESS,
        lambda a, h: a.client.post("/v1/audit/witness", headers=h, json={}),
    ),
    ("GET", "/v1/audit/witness/{origin}"): (
        Permission.AUDIT_WITNESS,
        lambda a, h: a.client.get("/v1/audit/witness/0123456789abcdef", headers=h),
    ),
    ("GET", "/v1/stats"): (
        Permission.STATS_READ,
        lambda a, h: a.client.get("/v1/stats", headers=h),
    ),
    ("POST", "/v1/webhooks"): (
        Permission.WEBHOOKS_MANAGE,
        lambda a, h: a.client.post(
            "/v1/webhooks",
            headers=h,
            json={"url": "http://127.0.0.1:9/hook", "events": ["case.opened"]},
        ),
    ),
    ("GET", "/v1/webhooks"): (
        Permission.WEBHOOKS_MANAGE,
        lambda a, h: a.client.get("/v1/webhooks", headers=h),
    ),
    ("GET", "/v1/webhooks/{webhook_id}"): (
        Permission.WEBHOOKS_MANAGE,
        lambda a, h: a.client.get("/v1/webhooks/1", headers=h),
    ),
    ("DELETE", "/v1/webhooks/{webhook_id}"): (
        Permission.WEBHOOKS_MANAGE,
        lambda a, h: a.client.delete("/v1/webhooks/999999", headers=h),
    ),
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"): (
        Permission.WEBHOOKS_MANAGE,
        lambda a, h: a.client.get("/v1/webhooks/1/deliveries?status=dead", headers=h),
    ),
    ("GET", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"): (
        Permission.WEBHOOKS_MANAGE,
        lambda a, h: a.client.get("/v1/webhooks/1/deliveries/1", headers=h),
    ),
    ("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): (
        Permission.WEBHOOKS_MANAGE,
        lambda a, h: a.client.post("/v1/webhooks/1/deliveries/1/redeliver", headers=h),
    ),
    ("POST", "/v1/webhooks/{webhook_id}/redeliver"): (
        Permission.WEBHOOKS_MANAGE,
        lambda a, h: a.client.post("/v1/webhooks/1/redeliver", headers=h),
    ),
    ("POST", "/v1/text/analyze"): (
        Permission.TEXT_ANALYZE,
        lambda a, h: a.client.post(
            "/v1/text/analyze", headers=h, json={"messages": [{"sender": "a", "text": "hi"}]}
        ),
    ),
    ("GET", "/v1/cases"): (
        Permission.CASES_READ,
        lambda a, h: a.client.get("/v1/cases?status=open", headers=h),
    ),
    ("GET", "/v1/cases/{case_id}"): (
        Permission.CASES_READ,
        lambda a, h: a.client.get("/v1/cases/1", headers=h),
    ),
    ("POST", "/v1/cases/{case_id}/claim"): (
        Permission.CASES_REVIEW,
        lambda a, h: a.client.post("/v1/cases/1/claim", headers=h),
    ),
    ("POST", "/v1/cases/{case_id}/renew"): (
        Permission.CASES_REVIEW,
        lambda a, h: a.client.post("/v1/cases/1/renew", headers=h, json={"lease_seconds": 60}),
    ),
    ("POST", "/v1/cases/{case_id}/decisions"): (
        Permission.CASES_REVIEW,
        lambda a, h: a.client.post(
            "/v1/cases/1/decisions", headers=h, json={"policy": "A1", "actions": ["report"]}
        ),
    ),
    ("POST", "/v1/cases/{case_id}/decisions/{decision_id}/confirm"): (
        Permission.CASES_REVIEW,
        lambda a, h: a.client.post("/v1/cases/1/decisions/1/confirm", headers=h),
    ),
    ("POST", "/v1/cases/{case_id}/release"): (
        Permission.CASES_REVIEW,
        lambda a, h: a.client.post("/v1/cases/1/release", headers=h),
    ),
    ("POST", "/v1/cases/{case_id}/appeals"): (
        Permission.CASES_APPEAL,
        lambda a, h: a.client.post("/v1/cases/1/appeals", headers=h, json={"reason": "no"}),
    ),
    ("POST", "/v1/cases/{case_id}/appeals/{appeal_id}/decision"): (
        Permission.CASES_REVIEW,
        lambda a, h: a.client.post(
            "/v1/cases/1/appeals/1/decision", headers=h, json={"outcome": "upheld"}
        ),
    ),
    ("POST", "/v1/cases/{case_id}/close"): (
        Permission.CASES_REVIEW,
        lambda a, h: a.client.post("/v1/cases/1/close", headers=h),
    ),
    ("POST", "/v1/cases/{case_id}/reopen"): (
        Permission.CASES_REVIEW,
        lambda a, h: a.client.post("/v1/cases/1/reopen", headers=h, json={"reason": "check"}),
    ),
    ("GET", "/v1/case-settings"): (
        Permission.CASES_READ,
        lambda a, h: a.client.get("/v1/case-settings", headers=h),
    ),
    ("PATCH", "/v1/case-settings"): (
        Permission.CASES_MANAGE,
        lambda a, h: a.client.patch("/v1/case-settings", headers=h, json={"four_eyes": True}),
    ),
    ("GET", "/v1/queues"): (
        Permission.CASES_READ,
        lambda a, h: a.client.get("/v1/queues", headers=h),
    ),
    ("POST", "/v1/queues"): (
        Permission.CASES_MANAGE,
        lambda a, h: a.client.post("/v1/queues", headers=h, json={"name": "urgent"}),
    ),
    ("DELETE", "/v1/queues/{name}"): (
        Permission.CASES_MANAGE,
        lambda a, h: a.client.delete("/v1/queues/urgent", headers=h),
    ),
    ("POST", "/v1/queues/{name}/next"): (
        Permission.CASES_REVIEW,
        lambda a, h: a.client.post("/v1/queues/default/next", headers=h),
    ),
    ("GET", "/v1/routing"): (
        Permission.CASES_READ,
        lambda a, h: a.client.get("/v1/routing", headers=h),
    ),
    ("PUT", "/v1/routing"): (
        Permission.CASES_MANAGE,
        lambda a, h: a.client.put(
            "/v1/routing", headers=h, json={"rules": [{"queue": "default", "label": "CSAM"}]}
        ),
    ),
    ("GET", "/v1/policies"): (
        Permission.CASES_READ,
        lambda a, h: a.client.get("/v1/policies", headers=h),
    ),
    ("POST", "/v1/policies"): (
        Permission.CASES_MANAGE,
        lambda a, h: a.client.post("/v1/policies", headers=h, json={"name": "HATE_SPEECH"}),
    ),
    ("DELETE", "/v1/policies/{name}"): (
        Permission.CASES_MANAGE,
        lambda a, h: a.client.delete("/v1/policies/HATE_SPEECH", headers=h),
    ),
    ("POST", "/v1/feeds"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.post("/v1/feeds", headers=h, json={"bank": "SEED"}),
    ),
    ("GET", "/v1/feeds"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.get("/v1/feeds", headers=h),
    ),
    ("POST", "/v1/feeds/rotate-key"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.post("/v1/feeds/rotate-key", headers=h),
    ),
    ("GET", "/v1/feeds/{name}"): (
        Permission.FEEDS_READ,
        lambda a, h: a.client.get("/v1/feeds/nofeed", headers=h, params={"nonce": "abcdef123"}),
    ),
    ("GET", "/v1/feeds/{name}/key"): (
        Permission.FEEDS_READ,
        lambda a, h: a.client.get("/v1/feeds/nofeed/key", headers=h),
    ),
    ("POST", "/v1/feeds/{name}/grants"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.post("/v1/feeds/nofeed/grants", headers=h, json={"org": "other"}),
    ),
    ("DELETE", "/v1/feeds/{name}/grants/{org}"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.delete("/v1/feeds/nofeed/grants/other", headers=h),
    ),
    ("POST", "/v1/feeds/{name}/feedback"): (
        Permission.FEEDS_READ,
        lambda a, h: a.client.post("/v1/feeds/nofeed/feedback", headers=h, json={"items": []}),
    ),
    ("GET", "/v1/feeds/{name}/feedback"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.get("/v1/feeds/nofeed/feedback", headers=h),
    ),
    ("POST", "/v1/feeds/{name}/entries/{entry_id}/disable"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.post("/v1/feeds/nofeed/entries/1/disable", headers=h),
    ),
    ("GET", "/v1/subscriptions"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.get("/v1/subscriptions", headers=h),
    ),
    ("POST", "/v1/subscriptions"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.post(
            "/v1/subscriptions",
            headers=h,
            json={"url": "not-a-feed-url", "fingerprint": "0" * 32, "bank": "IN"},
        ),
    ),
    ("POST", "/v1/subscriptions/{sub_id}/sync"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.post("/v1/subscriptions/999/sync", headers=h),
    ),
    ("POST", "/v1/subscriptions/{sub_id}/feedback"): (
        Permission.FEEDBACK_WRITE,
        lambda a, h: a.client.post(
            "/v1/subscriptions/999/feedback", headers=h, json={"entry_id": 1, "verdict": "seen"}
        ),
    ),
    ("POST", "/v1/signals/groups"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.post("/v1/signals/groups", headers=h, json={"name": "grp"}),
    ),
    ("PUT", "/v1/signals/groups/{name}/categories/{category}"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.put("/v1/signals/groups/grp/categories/SEXTORTION", headers=h),
    ),
    ("DELETE", "/v1/signals/groups/{name}/categories/{category}"): (
        Permission.FEEDS_MANAGE,
        lambda a, h: a.client.delete("/v1/signals/groups/grp/categories/SEXTORTION", headers=h),
    ),
    ("POST", "/v1/signals"): (
        Permission.SIGNALS_WRITE,
        lambda a, h: a.client.post(
            "/v1/signals",
            headers=h,
            json={"group": "nogrp", "kind": "email", "value": "a@b.com", "category": "SEXTORTION"},
        ),
    ),
    ("DELETE", "/v1/signals/{signal_id}"): (
        Permission.SIGNALS_WRITE,
        lambda a, h: a.client.delete("/v1/signals/999", headers=h),
    ),
    ("POST", "/v1/signals/match"): (
        Permission.SIGNALS_MATCH,
        lambda a, h: a.client.post(
            "/v1/signals/match", headers=h, json={"entities": [{"type": "url", "value": "x.com"}]}
        ),
    ),
    ("POST", "/v1/cases/{case_id}/reports"): (
        Permission.REPORTS_FILE,
        lambda a, h: a.client.post("/v1/cases/1/reports", headers=h, json={"sink": "ncmec"}),
    ),
    ("GET", "/v1/reports"): (
        Permission.REPORTS_READ,
        lambda a, h: a.client.get("/v1/reports", headers=h),
    ),
    ("GET", "/v1/reports/{report_id}"): (
        Permission.REPORTS_READ,
        lambda a, h: a.client.get("/v1/reports/1", headers=h),
    ),
    ("GET", "/v1/reports/{report_id}/package"): (
        Permission.REPORTS_READ,
        lambda a, h: a.client.get("/v1/reports/1/package", headers=h),
    ),
    ("POST", "/v1/reports/{report_id}/retract"): (
        Permission.REPORTS_FILE,
        lambda a, h: a.client.post("/v1/reports/1/retract", headers=h),
    ),
    ("GET", "/v1/exchange/stats"): (
        Permission.STATS_READ,
        lambda a, h: a.client.get("/v1/exchange/stats", headers=h),
    ),
}


def _hma_routes() -> dict[tuple[str, str], tuple[Permission | None, Call]]:
    from tests.integration.api.hma_calls import HMA_ROUTES

    return HMA_ROUTES


def _evidence_routes() -> dict[tuple[str, str], tuple[Permission | None, Call]]:
    from tests.integration.api.evidence_calls import EVIDENCE_ROUTES

    return EVIDENCE_ROUTES


def all_routes() -> dict[tuple[str, str], tuple[Permission | None, Call]]:
    from tests.integration.api.regulator_calls import REGULATOR_ROUTES

    return {**ROUTES, **_hma_routes(), **_evidence_routes(), **REGULATOR_ROUTES}


def _seed(api: Api) -> None:
    owner = api.key("admin", "admin")
    for name in ("SEED", "DOOMED"):
        assert api.client.post("/v1/banks", headers=owner, json={"name": name}).status_code == 201
    r = api.client.post(
        "/v1/banks/SEED/entries",
        headers=owner,
        json={
            "entries": [
                {"signal_type": "pdq", "signal": PDQ},
                {"signal_type": "md5", "signal": "b" * 32},
            ]
        },
    )
    assert r.status_code == 201
    api.client.post("/v1/orgs", headers=owner, json={"name": "other"})
    # A matched scan opens case 1 for the case routes.
    scanned = api.client.post("/v1/scan", headers=api.key("admin", "platform"), files=_file())
    assert scanned.json()["case_id"] == 1, scanned.text
    from tests.integration.api.evidence_calls import seed_evidence

    assert seed_evidence(api) == [1, 2]


def test_every_route_is_in_the_matrix(api: Api) -> None:
    paths = api.app.openapi()["paths"]
    served = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    assert served == set(all_routes())


@pytest.mark.parametrize("role", list(Role))
def test_route_by_role(api: Api, role: Role) -> None:
    _seed(api)
    headers = api.key("admin", role.value)
    for (method, path), (permission, call) in all_routes().items():
        response = call(api, headers)
        where = f"{method} {path} as {role.value}: {response.status_code} {response.text[:200]}"
        assert response.status_code < 500, where
        if permission is None or permission in GRANTS[role]:
            assert response.status_code not in (401, 403), where
        else:
            assert response.status_code == 403, where
            assert response.json()["error"]["code"] == "permission_denied", where


def test_no_key_or_bad_key_is_401_everywhere_but_health(make_api: Callable[..., Api]) -> None:
    api = make_api(auth_failure_limit=0)  # hundreds of failures: the throttle is tested apart
    _seed(api)
    for bad in (
        {},
        {"Authorization": "Bearer cg_000000000000_notarealsecretnotarealsecret"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
    ):
        for (method, path), (permission, call) in all_routes().items():
            response = call(api, bad)
            if permission is None:
                assert response.status_code == 200, (method, path)
            else:
                assert response.status_code == 401, (method, path, bad, response.text)
                assert response.json()["error"]["code"] == "unauthenticated"
