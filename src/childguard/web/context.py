"""What every console page needs: the signed-in person, the language, CSRF and rendering.

``Console`` is a FastAPI dependency: it resumes the session from the cookie (``SignInRequired``
when there is none, which the error handler turns into a redirect to ``/login``), picks the
language, and renders templates with ``_`` (translate), ``csrf`` and the user in context.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from childguard.api.permissions import Permission, allowed, check_permission
from childguard.api.state import AppState
from childguard.auth import DEPLOYMENT_STATISTICS_ONLY, sees_across_organisations
from childguard.cases.routing import QueueInfo
from childguard.errors import ChildguardError, PermissionDenied
from childguard.people import sessions
from childguard.people.users import UserView
from childguard.web.i18n import LANGUAGE_NAMES, Catalogs, Translator, negotiate
from childguard.web.throttle import Throttle

SESSION_COOKIE = "cg_session"
LANG_COOKIE = "cg_lang"
LOGIN_CSRF_COOKIE = "cg_login_csrf"
TEMPLATES = Path(__file__).parent / "templates"
#: Nothing leaves the page's origin: scripts, styles, fonts and images come from the app.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


class SignInRequired(ChildguardError):
    """No live console session: the page redirects to ``/login``."""

    code = "sign_in_required"
    http_status = 401
    exit_code = 5


class CsrfRefused(PermissionDenied):
    """A state-changing form came without this session's CSRF token."""

    code = "csrf_refused"


#: Queue counts on the queue page may be this many seconds old (counting is a scan).
QUEUE_COUNTS_TTL = 10.0


@dataclass
class ConsoleParts:
    """Built once per app by ``mount_console``: templates, catalogs, the sign-in throttle,
    and a short-lived cache of each organisation's queue counts."""

    env: Environment
    catalogs: Catalogs
    throttle: Throttle
    queue_counts: dict[int, tuple[float, list[QueueInfo]]] = field(default_factory=dict)

    def cached_queues(
        self, org_id: int, load: Callable[[], list[QueueInfo]], *, fresh: bool = False
    ) -> list[QueueInfo]:
        """The organisation's queues with counts at most ``QUEUE_COUNTS_TTL`` seconds old."""
        now = time.monotonic()
        hit = self.queue_counts.get(org_id)
        if hit is not None and hit[0] > now and not fresh:
            return hit[1]
        queues = load()
        self.queue_counts[org_id] = (now + QUEUE_COUNTS_TTL, queues)
        return queues


def build_parts(per_minute: int) -> ConsoleParts:
    """The console's templates, catalogs and throttle."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return ConsoleParts(env, Catalogs(), Throttle(per_minute))


def parts_of(request: Request) -> ConsoleParts:
    """The app's ``ConsoleParts``."""
    parts: ConsoleParts = request.app.state.console
    return parts


def state_of(request: Request) -> AppState:
    """The app's ``AppState``."""
    state: AppState = request.app.state.cg
    return state


def is_https(request: Request) -> bool:
    """Whether the browser reached us over https (directly or through a proxy that says so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def language_for(request: Request, user: UserView | None) -> str:
    """``?lang=``, the user's setting, the cookie, then Accept-Language."""
    return negotiate(
        request.query_params.get("lang"),
        user.locale if user else None,
        request.cookies.get(LANG_COOKIE),
        accept_language=request.headers.get("accept-language", ""),
    )


@dataclass
class Page:
    """Renders templates for one request in its language."""

    request: Request
    translator: Translator
    user: UserView | None = None
    csrf: str = ""
    extra_cookies: dict[str, str] = field(default_factory=dict)

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        """``template`` with the page's context; never cached by the browser."""
        parts = parts_of(self.request)
        t = self.translator
        html = parts.env.get_template(template).render(
            _=t.gettext,
            t=t,
            lang=t.language,
            languages=LANGUAGE_NAMES,
            user=self.user,
            csrf=self.csrf,
            can=self.can,
            sees_statistics=self.sees_statistics(),
            path=self.request.url.path,
            **values,
        )
        response = HTMLResponse(html, status_code=status_code)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        lang = self.request.query_params.get("lang")
        if lang in LANGUAGE_NAMES:
            response.set_cookie(
                LANG_COOKIE,
                lang,
                max_age=365 * 86400,
                samesite="lax",
                secure=is_https(self.request),
            )
        return response

    def can(self, permission: str) -> bool:
        """Whether the signed-in user's role holds ``permission``."""
        return self.user is not None and allowed(self.user.role, Permission(permission))

    def sees_statistics(self) -> bool:
        """Whether the user may open the statistics across organisations (the dashboard)."""
        return (
            self.user is not None
            and allowed(self.user.role, Permission.STATS_READ)
            and sees_across_organisations(
                self.user.principal, state_of(self.request).settings.resolved_admin_org
            )
        )


@dataclass
class Console(Page):
    """A signed-in page: ``user`` is set and ``csrf`` is the session's token."""

    idle_seconds: float = 0.0

    @property
    def me(self) -> UserView:
        """The signed-in user."""
        assert self.user is not None
        return self.user

    @property
    def state(self) -> AppState:
        """The app's state (settings, database)."""
        return state_of(self.request)

    def require(self, permission: Permission) -> None:
        """``PermissionDenied`` unless the user's role holds ``permission``."""
        check_permission(self.me.principal, permission)

    def require_statistics(self) -> None:
        """``PermissionDenied`` unless the user may read statistics across organisations."""
        self.require(Permission.STATS_READ)
        if not self.sees_statistics():
            raise PermissionDenied(DEPLOYMENT_STATISTICS_ONLY)


def anonymous_page(request: Request) -> Page:
    """A page for someone not signed in (sign-in, errors)."""
    return Page(request, parts_of(request).catalogs.translator(language_for(request, None)))


def console(request: Request) -> Console:
    """Resume the cookie's session or raise ``SignInRequired``."""
    state = state_of(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    idle = timedelta(minutes=state.settings.web_idle_minutes)
    with state.db.session(write=True) as s:
        signed_in = sessions.resume(s, token, idle)
    if signed_in is None:
        raise SignInRequired("please sign in")
    translator = parts_of(request).catalogs.translator(language_for(request, signed_in.user))
    return Console(
        request,
        translator,
        signed_in.user,
        signed_in.csrf_token,
        idle_seconds=signed_in.idle_seconds,
    )


ConsoleDep = Annotated[Console, Depends(console)]


async def checked_form(request: Request, page: ConsoleDep) -> dict[str, str]:
    """The posted form's fields, after checking its CSRF token (field ``csrf`` or header)."""
    form = await request.form()
    presented = request.headers.get("x-csrf-token") or str(form.get("csrf", ""))
    if not sessions.csrf_ok(page.csrf, presented):
        raise CsrfRefused("this form has expired or did not come from the console: reload the page")
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(checked_form)]


def new_login_csrf() -> str:
    """A token for the sign-in form (double-submitted: cookie and field)."""
    return secrets.token_urlsafe(24)


def redirect(url: str) -> RedirectResponse:
    """A 303 redirect (after a POST the browser GETs ``url``)."""
    return RedirectResponse(url, status_code=303)


def sign_in_redirect(request: Request) -> Response:
    """Send the browser to ``/login``, then back to where it was going (a GET page)."""
    target = request.url.path
    if request.method != "GET":
        referer = request.headers.get("referer", "")
        host = request.headers.get("host", "")
        target = referer.split(host, 1)[1] if host and host in referer else "/queue"
    if not target.startswith("/") or target.startswith("//"):
        target = "/queue"
    return redirect(f"/login?next={quote(target)}")
