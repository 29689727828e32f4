"""Calls of the regulator, policy and public safety routes for the route x role matrix."""

from __future__ import annotations

from collections.abc import Callable

import httpx2

from childguard.api.permissions import Permission
from tests.integration.api.conftest import Api

Call = Callable[[Api, dict[str, str]], httpx2.Response]

REGULATOR_ROUTES: dict[tuple[str, str], tuple[Permission | None, Call]] = {
    ("GET", "/v1/stats/tables"): (
        Permission.STATS_READ,
        lambda a, h: a.client.get("/v1/stats/tables", headers=h),
    ),
    ("GET", "/v1/stats/export"): (
        Permission.STATS_READ,
        lambda a, h: a.client.get("/v1/stats/export?dimension=cases_by_source", headers=h),
    ),
    ("GET", "/v1/national/submitters"): (
        Permission.STATS_READ,
        lambda a, h: a.client.get("/v1/national/submitters", headers=h),
    ),
    ("GET", "/v1/national/assessments"): (
        Permission.STATS_READ,
        lambda a, h: a.client.get("/v1/national/assessments", headers=h),
    ),
    ("POST", "/v1/national/submissions"): (
        Permission.STATS_SUBMIT,
        lambda a, h: a.client.post("/v1/national/submissions", headers=h, json={"envelope": 1}),
    ),
    ("PUT", "/v1/national/pins/{org_name}"): (
        Permission.KEYS_MANAGE,
        lambda a, h: a.client.put(
            "/v1/national/pins/admin", headers=h, json={"fingerprint": "ab" * 16}
        ),
    ),
    ("GET", "/v1/transparency/{year}"): (
        Permission.STATS_READ,
        lambda a, h: a.client.get("/v1/transparency/2026", headers=h),
    ),
    ("GET", "/regulator"): (
        Permission.STATS_READ,
        lambda a, h: a.client.get("/regulator?lang=km", headers=h),
    ),
    ("GET", "/v1/policy/checklist"): (
        Permission.POLICY_ASSESS,
        lambda a, h: a.client.get("/v1/policy/checklist", headers=h),
    ),
    ("POST", "/v1/policy/assessments"): (
        Permission.POLICY_ASSESS,
        lambda a, h: a.client.post(
            "/v1/policy/assessments",
            headers=h,
            json={"company_type": "ugc", "answers": {"A1": 3}, "save": False},
        ),
    ),
    ("GET", "/v1/safety/messages"): (
        None,
        lambda a, h: a.client.get("/v1/safety/messages?lang=km&label=SEXTORTION", headers=h),
    ),
    ("GET", "/safety"): (None, lambda a, h: a.client.get("/safety?lang=vi", headers=h)),
    ("GET", "/safety/posters/{audience}.pdf"): (
        None,
        lambda a, h: a.client.get("/safety/posters/parents.pdf?lang=en", headers=h),
    ),
}
