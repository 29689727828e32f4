"""The statistics dashboard in the console, for the regulator and admin roles (``stats:read``).

The same protected tables, chart, per-year figures, submitters and submitted assessments as the
API's ``/regulator`` page, inside the console's layout and languages; exports come from the
session too. A regulator signed in reaches these pages and its account, nothing else.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response

from childguard.api.schemas.regulator import Dimension, Level, Scope
from childguard.web.context import ConsoleDep
from childguard.web.statistics_view import dashboard_values, export_response

router = APIRouter(prefix="/statistics", include_in_schema=False)


@router.get("")
def statistics_page(
    page: ConsoleDep,
    scope: Scope = "local",
    dimension: Dimension = "cases_by_source",
    level: Level = "month",
) -> Response:
    """The dashboard: scope (this platform or national), table and period filters, chart."""
    page.require_statistics()
    with page.state.db.session() as s:
        values = dashboard_values(s, page.state.settings, scope, dimension, level)
    return page.render("statistics.html", export_base="/statistics/export", **values)


@router.get("/export")
def statistics_export(
    page: ConsoleDep,
    dimension: Dimension,
    scope: Scope = "local",
    format: Literal["csv", "json"] = "csv",
) -> Response:
    """One protected table as CSV (hidden figures ``x``) or JSON (``null``)."""
    page.require_statistics()
    with page.state.db.session() as s:
        response = export_response(s, page.state.settings, scope, dimension, format)
    response.headers["Cache-Control"] = "no-store"
    return response
