"""Sign-in: cookies, CSRF, throttling, lockout, sign-out, idle timeout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update

from childguard.store.models import AuditRecord, User, WebSession, utcnow
from tests.integration.web.conftest import Web, csrf_of


def test_sign_in_sets_a_protected_session_cookie_and_sign_out_ends_it(web: Web) -> None:
    client = web.client()
    r = web.login(client, web.world.emails["alice"])
    assert r.status_code == 303 and r.headers["location"] == "/queue"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("cg_session="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie
    assert client.get("/queue").status_code == 200
    csrf = csrf_of(client.get("/queue").text)
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    after = client.get("/queue", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/login")


def test_behind_https_the_cookie_is_secure(web: Web) -> None:
    client = web.client()
    form = client.get("/login")
    r = client.post(
        "/login",
        data={"email": web.world.emails["alice"], "password": "correct horse battery staple",
              "csrf": csrf_of(form.text)},
        headers={"x-forwarded-proto": "https"},
        follow_redirects=False,
    )  # fmt: skip
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("cg_session="))
    assert "Secure" in cookie


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(web: Web) -> None:
    client = web.client()
    wrong = web.login(client, web.world.emails["alice"], "not the password at all")
    unknown = web.login(client, "nobody@acme.example", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "The email or password is wrong." in wrong.text
    assert "The email or password is wrong." in unknown.text
    assert "cg_session" not in client.cookies


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    make_web: Callable[..., Web],
) -> None:
    web = make_web(web_max_failed_logins=3)
    client = web.client()
    email = web.world.emails["bob"]
    for _ in range(2):
        assert web.login(client, email, "wrong password 123").status_code == 401
    locked = web.login(client, email, "wrong password 123")
    assert locked.status_code == 429 and "locked" in locked.text
    assert web.login(client, email).status_code == 429
    with web.world.db.session() as s:
        actions = list(s.scalars(select(AuditRecord.action).where(
            AuditRecord.action == "user.sign_in_failed")))  # fmt: skip
    assert len(actions) == 3


def test_sign_in_attempts_are_throttled_per_client(make_web: Callable[..., Web]) -> None:
    web = make_web(web_login_attempts_per_minute=2)
    client = web.client()
    statuses = [
        web.login(client, "x@acme.example", "whatever password").status_code for _ in range(3)
    ]
    assert statuses == [401, 401, 429]


def test_the_sign_in_form_needs_its_csrf_token(web: Web) -> None:
    client = web.client()
    client.get("/login")
    r = client.post(
        "/login",
        data={"email": web.world.emails["alice"], "password": "correct horse battery staple"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "cg_session" not in client.cookies


def test_a_form_posted_without_its_csrf_token_is_refused(web: Web) -> None:
    alice = web.sign_in("alice")
    r = alice.client.post(f"/cases/{web.world.media_case}/claim", data={}, follow_redirects=False)
    assert r.status_code == 403 and "Traceback" not in r.text
    r = alice.client.post(
        f"/cases/{web.world.media_case}/claim", data={"csrf": "forged"}, follow_redirects=False
    )
    assert r.status_code == 403
    assert alice.post(f"/cases/{web.world.media_case}/claim").status_code == 303


def test_an_idle_session_ends_and_a_post_returns_to_the_page_after_sign_in(web: Web) -> None:
    alice = web.sign_in("alice")
    with web.world.db.session(write=True) as s:
        s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    case_url = f"/cases/{web.world.media_case}"
    r = alice.client.post(
        f"{case_url}/decide",
        data={"csrf": alice.csrf, "note": "draft"},
        headers={"referer": f"http://testserver{case_url}"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={case_url}"
    assert alice.get("/queue").status_code == 303


def test_user_passwords_are_argon2id(web: Web) -> None:
    with web.world.db.session() as s:
        hashes = list(s.scalars(select(User.password_hash)))
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_totp_is_asked_once_turned_on(web: Web) -> None:
    import pyotp

    alice = web.sign_in("alice")
    page = alice.post("/account", {"action": "totp"})
    assert page.status_code == 200
    with web.world.db.session() as s:
        secret = s.scalar(select(User.totp_secret).where(User.email == web.world.emails["alice"]))
    assert secret and secret in page.text
    client = web.client()
    assert web.login(client, web.world.emails["alice"]).status_code == 401
    code = pyotp.TOTP(secret).now()
    assert web.login(client, web.world.emails["alice"], code=code).status_code == 303
