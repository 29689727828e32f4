"""The statistics dashboard and the self-assessment in the console, and what a regulator reaches.

A regulator signs in like everyone else and finds the protected statistics and its own account;
every other console page answers 403 without content, hash, identifier or free text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.routing import APIRoute
from sqlalchemy import func, select

from childguard.auth import Role
from childguard.people.users import create_user
from childguard.store.models import CaseMedia, Org, PolicyAssessment
from childguard.web.mount import CONSOLE_ROUTERS
from tests.integration.api.regulator_seed import SECRETS, seed_cases
from tests.integration.web.conftest import Web
from tests.web_world import PASSWORD, SEED

HEX_RUN = re.compile(r"[0-9a-f]{24,}")
#: Content and identifiers of the demo world's cases (file names, users, the chat's words).
WORLD_SECRETS = ("shape-0.png", "adult-7", "post-0", "u-0")
#: What a signed-in regulator may open (its account, the statistics, signing out).
REGULATOR_REACHES = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/account"),
    ("POST", "/account"),
    ("GET", "/statistics"),
    ("GET", "/statistics/export"),
    ("GET", "/console/fonts/khmer.ttf"),
    ("POST", "/logout"),
}


def _console_routes() -> list[tuple[str, str]]:
    return sorted(
        {("GET", "/console/fonts/khmer.ttf")}
        | {
            (method, route.path)
            for router in CONSOLE_ROUTERS
            for route in router.routes
            if isinstance(route, APIRoute)
            for method in route.methods or ()
        }
    )


def _fill(path: str, web: Web, media_id: int) -> str:
    values = {
        "case_id": web.world.media_case,
        "media_id": media_id,
        "name": "KNOWN",
        "user_id": 1,
        "key_id": 1,
        "decision_id": 1,
        "appeal_id": 1,
        "webhook_id": 1,
        "delivery_id": 1,
        "report_id": 1,
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def _assert_clean(where: str, text: str) -> None:
    for secret in (*SECRETS, *WORLD_SECRETS):
        assert secret not in text, f"{where} shows {secret!r}"
    assert not HEX_RUN.search(text.lower().replace("-", "")), f"{where} shows a hash"


def test_a_regulator_walking_every_console_page_finds_only_statistics(web: Web) -> None:
    seed_cases(web.app.state.cg.db, "acme", n=150)
    with web.app.state.cg.db.session() as s:
        media_id = s.scalar(
            select(func.min(CaseMedia.id)).where(CaseMedia.case_id == web.world.media_case)
        )
    assert media_id is not None
    ministry = web.sign_in("ministry")
    routes = _console_routes()
    assert ("GET", "/statistics") in routes and ("POST", "/admin/assessment") in routes
    assert len(routes) >= 40
    for method, path in routes:
        if (method, path) == ("POST", "/logout"):
            continue  # walked last: it ends the session
        url = _fill(path, web, media_id)
        if path == "/statistics/export":
            url += "?dimension=cases_by_source"
        if method == "GET":
            r = ministry.get(url)
        elif path.endswith("/import"):  # an upload form: the file must be there to reach the check
            r = ministry.post(url, {}, files={"file": ("entries.txt", b"", "text/plain")})
        else:
            r = ministry.post(url, {})
        where = f"{method} {path}"
        if (method, path) in REGULATOR_REACHES:
            assert r.status_code in (200, 303, 400, 403, 404), where
        else:
            assert r.status_code == 403, f"{where}: {r.status_code}"
            assert "may not do this" in r.text, where
        if not r.headers.get("content-type", "").startswith("font/"):
            _assert_clean(where, r.text)
    assert ministry.post("/logout").status_code == 303
    assert ministry.get("/statistics").status_code == 303  # signed out: back to /login


def test_a_regulator_lands_on_the_dashboard_in_its_language(web: Web) -> None:
    seed_cases(web.app.state.cg.db, "acme", n=150)
    client = web.client()
    r = web.login(client, web.world.emails["ministry"])
    assert r.status_code == 303 and r.headers["location"] == "/statistics"
    page = client.get("/statistics?level=quarter")
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text
    assert 'href="/statistics"' in page.text and 'href="/queue"' not in page.text
    assert 'href="/admin"' not in page.text
    assert "Child online protection statistics" in page.text
    assert '<th scope="row">2025-Q1</th>' in page.text and "<td>42</td>" in page.text
    km = client.get("/statistics?lang=km&scope=national&dimension=cases_by_label")
    assert '<html lang="km">' in km.text and "ស្ថិតិការពារកុមារតាមអនឡាញ" in km.text
    # the language switch keeps the filters
    assert "lang=vi&amp;scope=national&amp;dimension=cases_by_label" in km.text
    vi = client.get("/statistics?lang=vi&scope=national")
    assert "Đơn vị đã nộp" in vi.text


def test_the_export_follows_the_filters_and_hides_small_cells(web: Web) -> None:
    seed_cases(web.app.state.cg.db, "acme", n=150)
    ministry = web.sign_in("ministry")
    csv = ministry.get("/statistics/export?dimension=cases_by_source&format=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'filename="local-cases_by_source.csv"' in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert lines[0] == "period,level,match,classifier,user_report,total"
    assert "2025,year,50,50,50,150" in lines and ",x," in csv.text
    js = ministry.get("/statistics/export?dimension=cases_by_label&format=json").json()
    assert js["dimension"] == "cases_by_label"
    bad = ministry.get("/statistics/export?dimension=user_ids")
    assert bad.status_code == 400 and "dimension" in bad.text and "Traceback" not in bad.text


def test_only_the_deployments_admin_sees_the_dashboard_and_a_reviewer_does_not(
    make_web: Callable[..., Web],
) -> None:
    web = make_web(admin_org="acme")
    with web.world.db.session(write=True) as s:
        other = s.scalars(select(Org).where(Org.name == "other")).one()
        create_user(s, other, "dave@other.example", Role.ADMIN, PASSWORD, actor=SEED)
    web.world.emails["dave"] = "dave@other.example"
    other_admin = web.sign_in("dave")  # an admin, of an organisation not the deployment's
    refused = other_admin.get("/statistics")
    assert refused.status_code == 403 and "GET /v1/stats gives your" in refused.text
    assert 'href="/statistics"' not in other_admin.get("/admin").text
    admin = web.sign_in("admin")
    page = admin.get("/statistics")
    assert page.status_code == 200 and 'href="/admin"' in page.text
    assert 'href="/statistics" aria-current="page"' in page.text
    assert 'href="/statistics"' in admin.get("/admin").text
    alice = web.sign_in("alice")
    assert alice.get("/statistics").status_code == 403
    assert 'href="/statistics"' not in alice.get("/queue").text


def test_an_admin_answers_the_checklist_and_sees_scores_gaps_and_progress(web: Web) -> None:
    admin = web.sign_in("admin")
    first = admin.get("/admin/assessment")
    assert first.status_code == 200 and "No assessment yet." in first.text
    assert 'name="score-A1"' in first.text and 'name="note-A1"' in first.text
    r = admin.post("/admin/assessment", {"company_type": "ugc", "score-A1": "1", "note-A1": "n1"})
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/assessment")
    page = admin.get("/admin/assessment?saved=1")
    assert "Saved." in page.text and 'id="gaps"' in page.text and "data-progress" not in page.text
    assert '<option value="1" selected>' in page.text and 'value="n1"' in page.text
    admin.post("/admin/assessment", {"company_type": "ugc", "score-A1": "3", "score-A2": "3"})
    again = admin.get("/admin/assessment?lang=vi")
    assert "Tự đánh giá" in again.text and "data-progress" in again.text
    progress = re.search(r"data-progress>([^<]+)<", again.text)
    assert progress is not None and progress.group(1).startswith("+")
    pdf = admin.get("/admin/assessment/gap.pdf?lang=km")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_bad_answer_names_the_item_and_stores_nothing(web: Web) -> None:
    admin = web.sign_in("admin")
    r = admin.post("/admin/assessment", {"company_type": "ugc", "score-B2": "7"})
    assert r.status_code == 400 and "B2" in r.text and "0, 1, 2 or 3" in r.text
    r = admin.post("/admin/assessment", {"company_type": "bank"})
    assert r.status_code == 400 and "company type" in r.text
    r = admin.client.post("/admin/assessment", data={"company_type": "ugc"}, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token
    with web.app.state.cg.db.session() as s:
        assert s.scalar(select(func.count()).select_from(PolicyAssessment)) == 0
    assert web.sign_in("alice").get("/admin/assessment").status_code == 403
    assert admin.get("/admin/assessment/gap.pdf").status_code == 404
