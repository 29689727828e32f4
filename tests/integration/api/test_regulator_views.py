"""A regulator key walks every route and page: it finds counts, never content or identifiers."""

from __future__ import annotations

import re

from childguard.api.permissions import GRANTS, Permission
from childguard.auth import Role
from tests.integration.api.conftest import Api
from tests.integration.api.regulator_seed import SECRETS, seed_cases
from tests.integration.api.test_api_roles import _seed, all_routes

HEX_RUN = re.compile(r"[0-9a-f]{24,}")


def test_every_route_a_regulator_reaches_is_free_of_content(api: Api) -> None:
    _seed(api)
    seed_cases(api.db)
    headers = api.key("ministry", "regulator")
    reached = 0
    for (method, path), (permission, call) in all_routes().items():
        response = call(api, headers)
        if response.status_code in (401, 403):
            assert permission is not None and permission not in GRANTS[Role.REGULATOR]
            continue
        reached += 1
        if response.headers.get("content-type", "").startswith("application/pdf"):
            body = response.content.decode("latin-1")
        else:
            body = response.text
        where = f"{method} {path}"
        for secret in SECRETS:
            assert secret not in body, f"{where} shows {secret!r}"
        assert not HEX_RUN.search(body.lower().replace("-", "")), f"{where} shows a hash"
    # The regulator reached the statistics and the public pages, nothing else.
    allowed = {
        p for p, (perm, _) in all_routes().items() if perm is None or perm in GRANTS[Role.REGULATOR]
    }
    assert reached == len(allowed)
    assert GRANTS[Role.REGULATOR] == frozenset({Permission.STATS_READ})


def test_statistics_are_there_and_small_cells_hidden(api: Api) -> None:
    seed_cases(api.db, n=150)
    headers = api.key("ministry", "regulator")
    stats = api.client.get("/v1/stats/tables", headers=headers).json()
    source = stats["tables"]["cases_by_source"]
    year = next(r for r in source["rows"] if r["period"] == "2025")
    assert year["total"] == 150
    assert year["values"] == {"match": 50, "classifier": 50, "user_report": 50}
    months = [r for r in source["rows"] if r["level"] == "month"]
    # 150 cases over 12 months: every month's cells are small, so hidden.
    assert all(v is None for r in months for v in r["values"].values() if v != 0)
    assert source["hidden_figures"] > 0
    csv = api.client.get("/v1/stats/export?dimension=cases_by_source", headers=headers).text
    assert csv.splitlines()[0] == "period,level,match,classifier,user_report,total"
    assert ",x," in csv
    page = api.client.get("/regulator?lang=km&level=quarter", headers=headers)
    assert page.status_code == 200 and "<svg" in page.text and "ស្ថិតិ" in page.text
    report = api.client.get("/v1/transparency/2025", headers=headers).json()
    outcomes = report["trust"]["outcomes"]
    assert (
        outcomes["proactive_detection_rate"] is None
        or 0 <= outcomes["proactive_detection_rate"] <= 1
    )
    assert report["eu_2024_2835"]["child_safety_categories"]
