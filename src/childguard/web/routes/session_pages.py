"""Sign-in, sign-out, the home redirect and the account page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from childguard.auth import Role
from childguard.errors import InvalidInput, Unauthenticated
from childguard.people import sessions, users, wellness
from childguard.people.users import AccountLocked
from childguard.store.models import User
from childguard.web.context import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    ConsoleDep,
    FormDep,
    anonymous_page,
    is_https,
    new_login_csrf,
    parts_of,
    redirect,
    state_of,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None, role: Role) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return home_of(role)


def home_of(role: Role) -> str:
    """Where a role lands after signing in."""
    return "/statistics" if role is Role.REGULATOR else "/queue"


@router.get("/")
def home(page: ConsoleDep) -> Response:
    """The signed-in user's start page."""
    return redirect(home_of(page.me.role))


def _login_form(
    request: Request, *, error: str = "", status: int = 200, email: str = ""
) -> Response:
    page = anonymous_page(request)
    token = new_login_csrf()
    response = page.render(
        "login.html",
        status_code=status,
        login_csrf=token,
        error=error,
        email=email,
        next=request.query_params.get("next", ""),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=is_https(request)
    )
    return response


@router.get("/login")
def login_page(request: Request) -> Response:
    """The sign-in form (fields ``email``, ``password`` and, when on, ``code``)."""
    return _login_form(request)


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check the credentials (throttled per client, locked after repeated failures)."""
    page = anonymous_page(request)
    _ = page.translator.gettext
    if not sessions.csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf):
        return _login_form(
            request, error=_("The form expired. Please try again."), status=403, email=email
        )
    client = request.client.host if request.client else "unknown"
    if not parts_of(request).throttle.allow(client):
        return _login_form(
            request,
            error=_("Too many attempts. Wait a minute and try again."),
            status=429,
            email=email,
        )
    state = state_of(request)
    settings = state.settings
    try:
        with state.db.session(write=True) as s:
            try:
                user = users.verify_sign_in(
                    s,
                    email,
                    password,
                    code,
                    max_failures=settings.web_max_failed_logins,
                    lockout=timedelta(minutes=settings.web_lockout_minutes),
                )
            except Unauthenticated:
                s.commit()  # keep the failure count and its audit record
                raise
            token = sessions.start(s, user)
            role = Role(user.role)
    except AccountLocked:
        return _login_form(
            request,
            error=_("Too many failed sign-ins: this account is locked for a while."),
            status=429,
            email=email,
        )
    except Unauthenticated:
        return _login_form(
            request, error=_("The email or password is wrong."), status=401, email=email
        )
    response = redirect(_safe_next(next, role))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, page: ConsoleDep, form: FormDep) -> Response:
    """End the session."""
    with page.state.db.session(write=True) as s:
        sessions.end(s, request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account")
def account_page(page: ConsoleDep) -> Response:
    """Language, how media is shown, password and second factor."""
    with page.state.db.session() as s:
        user = s.get(User, page.me.id)
        assert user is not None
        rendering = wellness.user_rendering(s, user)
        org = wellness.org_rendering(s, user.org_id)
    return page.render("account.html", rendering=rendering, org_rendering=org, totp_secret="")


@router.post("/account")
def account_update(page: ConsoleDep, form: FormDep) -> Response:
    """Save the language and rendering choices, a new password, or turn TOTP on."""
    secret = ""
    with page.state.db.session(write=True) as s:
        user = s.get(User, page.me.id)
        assert user is not None
        what = form.get("action", "")
        if what == "preferences":
            users.set_locale(s, user, form.get("locale", ""))
            level = form.get("blur_level", "0")
            wellness.set_user_rendering(
                s,
                user,
                wellness.Rendering(
                    int(level) if level.isdigit() else 0,
                    form.get("greyscale") == "on",
                    form.get("drawing") == "on",
                ),
            )
        elif what == "password":
            if users.verify_password(user, form.get("current", "")):
                users.set_password(s, user, form.get("new", ""), page.me.actor)
            else:
                raise Unauthenticated("the current password is wrong")
        elif what == "totp":
            secret = users.enable_totp(s, user, page.me.actor)
        else:
            raise InvalidInput("unknown account action")
        rendering = wellness.user_rendering(s, user)
        org = wellness.org_rendering(s, user.org_id)
    if secret:
        return page.render(
            "account.html", rendering=rendering, org_rendering=org, totp_secret=secret
        )
    return redirect("/account?saved=1")
