"""The wellness page: today's reveals and minutes, limits, support; admins set the defaults."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from childguard.api.permissions import Permission
from childguard.errors import InvalidInput
from childguard.people import wellness
from childguard.people.users import get_user, list_users
from childguard.web.context import ConsoleDep, FormDep, redirect

router = APIRouter(include_in_schema=False)


def _int(form: dict[str, str], name: str) -> int:
    raw = form.get(name, "").strip()
    if not raw.isdigit():
        raise InvalidInput(f"{name} must be a whole number")
    return int(raw)


@router.get("/wellness")
def wellness_page(page: ConsoleDep) -> Response:
    """Your day so far against the limits, how media is shown, and where to find support."""
    page.require(Permission.CASES_READ)
    with page.state.db.session() as s:
        today = wellness.today(s, page.me.id, page.me.org_id)
        org = wellness.org_rendering(s, page.me.org_id)
        team = []
        if page.can(Permission.CASES_MANAGE.value):
            team = [
                (u.id, u.email, wellness.today(s, u.id, page.me.org_id))
                for u in list_users(s, page.me.org_id)
                if u.role == "reviewer" or u.role == "admin"
            ]
    return page.render("wellness.html", today=today, org_rendering=org, team=team)


@router.post("/wellness/settings")
def wellness_settings(page: ConsoleDep, form: FormDep) -> Response:
    """An admin changes the organisation's defaults and daily limits (audited)."""
    page.require(Permission.CASES_MANAGE)
    level = _int(form, "blur_level")
    with page.state.db.session(write=True) as s:
        wellness.update_org(
            s,
            page.me.org_id,
            page.me.actor,
            wellness.Rendering(level, form.get("greyscale") == "on", form.get("drawing") == "on"),
            wellness.Limits(
                _int(form, "soft_reveals"),
                _int(form, "hard_reveals"),
                _int(form, "soft_minutes"),
                _int(form, "hard_minutes"),
            ),
        )
    return redirect("/wellness?saved=1")


@router.post("/wellness/override")
def wellness_override(page: ConsoleDep, form: FormDep) -> Response:
    """An admin lets a reviewer past today's hard limit (audited)."""
    page.require(Permission.CASES_MANAGE)
    with page.state.db.session(write=True) as s:
        wellness.override_limit(
            s, get_user(s, page.me.org_id, _int(form, "user_id")), page.me.actor
        )
    return redirect("/wellness?saved=1")
