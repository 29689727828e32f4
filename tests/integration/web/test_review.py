"""Review through the console: queue, case page, reveals, decisions, appeals, isolation."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from childguard.store.models import AuditRecord, CaseDecision
from tests.integration.web.conftest import Web


def test_the_queue_shows_counts_and_cases_with_their_age(web: Web) -> None:
    alice = web.sign_in("alice")
    page = alice.get("/queue")
    assert page.status_code == 200
    assert f'href="/cases/{web.world.media_case}"' in page.text
    assert f'href="/cases/{web.world.other_case}"' not in page.text
    assert 'data-action="next-case"' in page.text
    assert "min" in page.text  # the SLA age column


def test_next_case_claims_and_opens_the_most_urgent(web: Web) -> None:
    alice = web.sign_in("alice")
    r = alice.post("/queue/next", {"queue": "default"})
    assert r.status_code == 303 and r.headers["location"].startswith("/cases/")
    page = alice.get(r.headers["location"])
    assert "You hold this case" in page.text


def test_another_organisations_case_is_404(web: Web) -> None:
    carol = web.sign_in("carol")
    assert carol.get(f"/cases/{web.world.media_case}").status_code == 404
    r = carol.get(f"/cases/{web.world.media_case}/media/1/preview")
    assert r.status_code == 404 and "Traceback" not in r.text


def test_the_regulator_reaches_no_review_page(web: Web) -> None:
    ministry = web.sign_in("ministry")
    for url in ("/queue", f"/cases/{web.world.media_case}", "/admin/audit", "/wellness"):
        r = ministry.get(url)
        assert r.status_code == 403, url
        assert "Traceback" not in r.text


def test_the_case_page_shows_hashes_and_matches_before_any_pixels(web: Web) -> None:
    alice = web.sign_in("alice")
    html = alice.get(f"/cases/{web.world.media_case}").text
    first_img = html.index("<img")
    for fact in ("SHA-256", "KNOWN", "A1", "demo hotline", "False positives"):
        assert fact in html and html.index(fact) < first_img, fact
    assert 'class="protected"' in html and 'data-action="reveal"' in html
    assert "autoplay" not in html


def test_a_chat_case_highlights_risky_words_and_lists_stages_and_entities(web: Web) -> None:
    alice = web.sign_in("alice")
    html = alice.get(f"/cases/{web.world.chat_case}").text
    assert "<mark>mature for your age</mark>" in html
    assert "<mark>don&#39;t tell your parents</mark>" in html
    stages = [html.index(s) for s in ("trust_building", "secrecy_isolation", "platform_migration")]
    assert stages == sorted(stages)
    assert "@quiet_fox" in html and "Flattery" in html


def _preview(web: Web, who: str, level: int | None = None) -> bytes:
    browser = web.sign_in(who) if isinstance(who, str) else who
    url = f"/cases/{web.world.media_case}/media/1/preview"
    r = browser.get(url if level is None else f"{url}?level={level}&grey=0&draw=0")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    return r.content


def test_a_reveal_is_needed_before_the_blur_can_be_lowered_and_it_is_audited(web: Web) -> None:
    alice = web.sign_in("alice")
    base = alice.get(f"/cases/{web.world.media_case}/media/1/preview").content
    asked_clear = alice.get(
        f"/cases/{web.world.media_case}/media/1/preview?level=0&grey=0&draw=0"
    ).content
    assert asked_clear == base  # never weaker than the reviewer's rendering before a reveal
    r = alice.client.post(
        f"/cases/{web.world.media_case}/media/1/reveal",
        headers={"x-csrf-token": alice.csrf, "accept": "application/json"},
    )
    assert r.status_code == 200 and r.json()["reveals_today"] == 1
    clear = alice.get(
        f"/cases/{web.world.media_case}/media/1/preview?level=0&grey=0&draw=0"
    ).content
    assert clear != base
    with web.world.db.session() as s:
        rec = s.scalar(select(AuditRecord).where(AuditRecord.action == "console.reveal"))
        reads = s.scalar(select(func.count()).where(AuditRecord.action == "evidence.read"))
    assert rec is not None and rec.actor.endswith(web.world.emails["alice"])
    assert rec.target == "media:1"
    assert reads == 3  # every read of the evidence is audited too


def test_a_reveal_needs_its_csrf_token(web: Web) -> None:
    alice = web.sign_in("alice")
    r = alice.client.post(
        f"/cases/{web.world.media_case}/media/1/reveal", headers={"accept": "application/json"}
    )
    assert r.status_code == 403


def test_the_hard_limit_stops_reveals_until_an_admin_overrides_it(web: Web) -> None:
    admin = web.sign_in("admin")
    r = admin.post(
        "/wellness/settings",
        {"blur_level": "3", "greyscale": "on", "drawing": "on", "soft_reveals": "1",
         "hard_reveals": "2", "soft_minutes": "60", "hard_minutes": "120"},
    )  # fmt: skip
    assert r.status_code == 303
    alice = web.sign_in("alice")
    url = f"/cases/{web.world.media_case}/media/{{}}/reveal"
    headers = {"x-csrf-token": alice.csrf, "accept": "application/json"}
    first = alice.client.post(url.format(1), headers=headers).json()
    assert first["break"]  # past the soft limit: a break is suggested
    assert alice.client.post(url.format(2), headers=headers).status_code == 200
    stopped = alice.client.post(url.format(1), headers=headers)
    assert stopped.status_code == 429 and "limit" in stopped.json()["error"]["message"]
    assert "You reached today" in alice.get(f"/cases/{web.world.media_case}").text
    with web.world.db.session() as s:
        from childguard.store.models import User

        alice_id = s.scalar(select(User.id).where(User.email == web.world.emails["alice"]))
    assert admin.post("/wellness/override", {"user_id": str(alice_id)}).status_code == 303
    assert alice.client.post(url.format(1), headers=headers).status_code == 200
    with web.world.db.session() as s:
        assert s.scalar(select(AuditRecord.id).where(AuditRecord.action == "wellness.override"))


def test_a_reviewer_cannot_weaken_the_organisation_rendering(web: Web) -> None:
    alice = web.sign_in("alice")
    alice.post("/account", {"action": "preferences", "blur_level": "0", "locale": ""})
    page = alice.get("/account").text
    assert 'name="blur_level" type="number" min="3" max="5" value="3"' in page


def test_decide_with_four_eyes_and_a_double_click_recorded_once(web: Web) -> None:
    case = web.world.chat_case
    alice, bob = web.sign_in("alice"), web.sign_in("bob")
    assert alice.post(f"/cases/{case}/claim").status_code == 303
    form = {"policy": "GROOMING", "actions": ["report", "warn_user"], "note": "clear intent"}
    assert alice.post(f"/cases/{case}/decide", form).status_code == 303
    assert alice.post(f"/cases/{case}/decide", form).status_code == 303  # double click
    with web.world.db.session() as s:
        rows = list(s.scalars(select(CaseDecision).where(CaseDecision.case_id == case)))
    assert [d.status for d in rows] == ["pending"]
    page = alice.get(f"/cases/{case}").text
    assert "Waiting for a second reviewer" in page and 'data-action="confirm"' not in page
    assert 'data-action="confirm"' in bob.get(f"/cases/{case}").text
    r = bob.post(f"/cases/{case}/decisions/{rows[0].id}/confirm")
    assert r.status_code == 303
    with web.world.db.session() as s:
        assert s.get(CaseDecision, rows[0].id).status == "effective"  # type: ignore[union-attr]


def test_an_appeal_is_made_and_decided_by_another_reviewer(web: Web) -> None:
    case = web.world.media_case
    alice, bob, platform = web.sign_in("alice"), web.sign_in("bob"), web.sign_in("platform")
    alice.post(f"/cases/{case}/claim")
    assert alice.post(f"/cases/{case}/decide", {"policy": "NOT_VIOLATING"}).status_code == 303
    r = platform.post(f"/cases/{case}/appeals", {"reason": "we think this is a mistake"})
    assert r.status_code == 303, r.text
    html = bob.get(f"/cases/{case}").text
    assert "we think this is a mistake" in html and 'data-action="decide-appeal"' in html
    r = bob.post(f"/cases/{case}/appeals/1/decision", {"outcome": "upheld", "note": "ok"})
    assert r.status_code == 303
    assert "upheld" in bob.get(f"/cases/{case}").text


def test_bad_input_is_a_page_with_a_message_never_a_trace(web: Web) -> None:
    alice = web.sign_in("alice")
    alice.post(f"/cases/{web.world.media_case}/claim")
    r = alice.post(f"/cases/{web.world.media_case}/decide", {"policy": "NOPE"})
    assert r.status_code == 400 and "unknown policy" in r.text and "Traceback" not in r.text
    assert alice.get("/cases/abc").status_code == 400
    assert alice.get("/no-such-console-page").status_code == 404


def test_admin_pages_render_for_an_admin_only(web: Web, make_web: Callable[..., Web]) -> None:
    admin = web.sign_in("admin")
    for url in ("/admin", "/admin/banks", "/admin/banks/KNOWN", "/admin/users",
                "/admin/queues", "/admin/webhooks", "/admin/audit?verify=1"):  # fmt: skip
        r = admin.get(url)
        assert r.status_code == 200, url
    assert "The chain is intact" in admin.get("/admin/audit?verify=1").text
    alice = web.sign_in("alice")
    assert alice.get("/admin/users").status_code == 403


def test_an_admin_creates_a_user_who_can_sign_in(web: Web) -> None:
    import re

    admin = web.sign_in("admin")
    page = admin.post("/admin/users", {"email": "dara@acme.example", "role": "reviewer"})
    assert page.status_code == 200
    password = re.search(r'<code class="mono">([^<]+)</code>', page.text)
    assert password
    client = web.client()
    assert web.login(client, "dara@acme.example", password.group(1)).status_code == 303


def test_an_admin_imports_entries_into_a_bank_and_sees_their_false_positive_counts(
    web: Web,
) -> None:
    admin = web.sign_in("admin")
    assert admin.post("/admin/banks", {"name": "FROM_CONSOLE"}).status_code == 303
    lines = "\n".join(f"{n:032x}" for n in range(1, 6)) + "\n"
    r = admin.client.post(
        "/admin/banks/FROM_CONSOLE/import",
        data={"csrf": admin.csrf, "signal_type": "md5"},
        files={"file": ("list.txt", lines.encode(), "text/plain")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "added=5" in r.headers["location"]
    page = admin.get("/admin/banks/FROM_CONSOLE").text
    assert f"{3:032x}" in page and "False positives" in page
    bad = admin.client.post(
        "/admin/banks/FROM_CONSOLE/import",
        data={"csrf": admin.csrf, "signal_type": "md5"},
        files={"file": ("list.txt", b"not a hash\n", "text/plain")},
        follow_redirects=False,
    )
    assert bad.status_code == 400 and "Traceback" not in bad.text
