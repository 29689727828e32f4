"""The regulator's routes: protected statistics (local or national), exports, transparency
report, submitters and submitted assessments, the dashboard page; and the ministry's intake of
signed submissions. Everything a regulator key reaches is built by ``stats`` from counts.

The same dashboard is the console's ``/statistics`` page (signed in); ``/regulator`` serves it to
an API key, without the console's navigation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from childguard.api.deps import (
    CurrentDeploymentStatsReader,
    CurrentKeyAdmin,
    CurrentStatsSubmitter,
    SessionDep,
    StateDep,
)
from childguard.api.schemas.regulator import (
    YEAR_PATTERN,
    Dimension,
    Lang,
    Level,
    PinBody,
    Scope,
    SubmissionBody,
)
from childguard.api.service import caller_org
from childguard.stats import submission
from childguard.stats.collect import collect
from childguard.stats.tables import summary
from childguard.stats.transparency import report_data
from childguard.web.context import Page, parts_of
from childguard.web.regulator_render import render, to_pdf
from childguard.web.statistics_view import (
    counts_of,
    dashboard_values,
    export_response,
    submitted_assessments,
)

router = APIRouter(tags=["regulator"])


@router.get("/v1/stats/tables")
def stats_tables(
    session: SessionDep,
    state: StateDep,
    principal: CurrentDeploymentStatsReader,
    scope: Scope = "local",
) -> dict[str, Any]:
    """Every protected table (month, quarter, year, totals), timings, proactive share, change."""
    return summary(counts_of(session, scope), state.settings.stats_k)


@router.get(
    "/v1/stats/export",
    responses={200: {"content": {"text/csv": {}, "application/json": {}}}},
)
def stats_export(
    session: SessionDep,
    state: StateDep,
    principal: CurrentDeploymentStatsReader,
    dimension: Dimension,
    scope: Scope = "local",
    format: Literal["csv", "json"] = "csv",
) -> Response:
    """One protected table as CSV (hidden figures written ``x``) or JSON (``null``)."""
    return export_response(session, state.settings, scope, dimension, format)


@router.get("/v1/national/submitters")
def national_submitters(
    session: SessionDep, principal: CurrentDeploymentStatsReader
) -> list[dict[str, Any]]:
    """Which organisations submitted statistics or assessments for each period."""
    return submission.submitters(session)


@router.get("/v1/national/assessments")
def national_assessments(
    session: SessionDep, principal: CurrentDeploymentStatsReader
) -> list[dict[str, Any]]:
    """Submitted self-assessments: scores per area and item, never notes or evidence text."""
    return submitted_assessments(session)


@router.post("/v1/national/submissions")
def receive_submission(
    session: SessionDep,
    state: StateDep,
    principal: CurrentStatsSubmitter,
    body: SubmissionBody,
) -> dict[str, Any]:
    """Verify and store a platform's signed submission (a second for a period replaces it).

    Refused with a message: another organisation's name (403), no pinned key or another key
    (403), a month not begun yet, a bad signature or a body that is not counts or scores (400).
    """
    org = caller_org(session, principal)
    got = submission.receive(session, org, body.model_dump(mode="json"), principal.actor)
    return {
        "kind": got.submission.kind,
        "period": got.submission.period,
        "replaced": got.replaced,
        "received_at": got.submission.received_at.isoformat(),
    }


@router.put("/v1/national/pins/{org_name}")
def pin_submitter(
    org_name: Annotated[str, Path(max_length=64)],
    body: PinBody,
    session: SessionDep,
    principal: CurrentKeyAdmin,
) -> dict[str, str]:
    """Pin the key fingerprint an organisation's submissions must be signed with."""
    org = submission.get_org_by_name(session, org_name)
    row = submission.pin(session, org, body.fingerprint, principal.actor)
    return {"organisation": org.name, "fingerprint": row.fingerprint}


@router.get(
    "/v1/transparency/{year}",
    response_model=None,
    responses={200: {"content": {"application/json": {}, "text/html": {}, "application/pdf": {}}}},
)
def transparency(
    year: Annotated[str, Path(pattern=YEAR_PATTERN, description="A year, e.g. 2026.")],
    session: SessionDep,
    state: StateDep,
    principal: CurrentDeploymentStatsReader,
    lang: Lang = "en",
    format: Literal["json", "html", "pdf"] = "json",
) -> dict[str, Any] | Response:
    """The transparency report of ``year`` (deployment-wide) as JSON, HTML or PDF."""
    data = report_data(session, collect(session), year, None, state.settings.stats_k)
    if format == "json":
        return data
    html = render(
        "regulator/transparency.html",
        lang,
        report=data,
        organisation="",
        **({"pdf": True} if format == "pdf" else {}),
    )
    if format == "html":
        return HTMLResponse(html)
    return Response(to_pdf(html), media_type="application/pdf")


@router.get("/regulator", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: SessionDep,
    state: StateDep,
    principal: CurrentDeploymentStatsReader,
    lang: Lang = "en",
    scope: Scope = "local",
    dimension: Dimension = "cases_by_source",
    level: Level = "month",
) -> HTMLResponse:
    """The dashboard for an API key: chart, table, filters, exports (submitters nationally).

    People sign in to the console and open ``/statistics`` instead (same page, with navigation).
    """
    page = Page(request, parts_of(request).catalogs.translator(lang))
    return page.render(
        "statistics.html",
        export_base="/v1/stats/export",
        **dashboard_values(session, state.settings, scope, dimension, level),
    )
