"""The regulator's routes: protected statistics (local or national), exports, transparency
report, submitters and submitted assessments, the dashboard page; and the ministry's intake of
signed submissions. Everything a regulator key reaches is built by ``stats`` from counts.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.api.deps import (
    CurrentKeyAdmin,
    CurrentRegulator,
    CurrentStatsSubmitter,
    SessionDep,
    StateDep,
)
from childguard.api.service import caller_org
from childguard.errors import InvalidInput
from childguard.policy.checklist import load as load_checklist
from childguard.stats import submission
from childguard.stats.charts import render_svg, table_spec
from childguard.stats.collect import collect
from childguard.stats.counts import DIMENSIONS, MonthlyCounts
from childguard.stats.tables import build_table, summary
from childguard.stats.transparency import report_data
from childguard.store.models import Org, StatsSubmission
from childguard.web.regulator_render import check_lang, render, to_pdf

router = APIRouter(tags=["regulator"])
Scope = Literal["local", "national"]


def _dimension(name: str) -> str:
    if name not in DIMENSIONS:
        raise InvalidInput(f"dimension must be one of {', '.join(DIMENSIONS)}")
    return name


def _counts(session: Session, scope: str) -> MonthlyCounts:
    return submission.national_counts(session) if scope == "national" else collect(session)


@router.get("/v1/stats/tables")
def stats_tables(
    session: SessionDep, state: StateDep, principal: CurrentRegulator, scope: Scope = "local"
) -> dict[str, Any]:
    """Every protected table (month, quarter, year, totals), timings, proactive share, change."""
    return summary(_counts(session, scope), state.settings.stats_k)


@router.get("/v1/stats/export")
def stats_export(
    session: SessionDep,
    state: StateDep,
    principal: CurrentRegulator,
    dimension: str,
    scope: Scope = "local",
    format: Literal["csv", "json"] = "csv",
) -> Response:
    """One protected table as CSV (hidden figures written ``x``) or JSON (``null``)."""
    table = build_table(_counts(session, scope), _dimension(dimension), state.settings.stats_k)
    if format == "json":
        return Response(json.dumps(table.to_public()), media_type="application/json")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "level", *table.categories, "total"])
    for r in table.rows:
        cells = [r.values[c] for c in table.categories] + [r.total]
        writer.writerow([r.period, r.level, *("x" if v is None else v for v in cells)])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{scope}-{dimension}.csv"'},
    )


@router.get("/v1/national/submitters")
def national_submitters(session: SessionDep, principal: CurrentRegulator) -> list[dict[str, Any]]:
    """Which organisations submitted statistics or assessments for each period."""
    return submission.submitters(session)


def _assessments(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Org.name, StatsSubmission.period, StatsSubmission.payload)
        .join(Org, Org.id == StatsSubmission.org_id)
        .where(StatsSubmission.kind == "assessment")
        .order_by(StatsSubmission.period.desc(), Org.name)
    )
    out = []
    for name, period, payload in rows:
        data = json.loads(payload)
        out.append(
            {
                "organisation": name,
                "period": period,
                "company_type": data["company_type"],
                "overall_percent": data["overall_percent"],
                "areas": data["areas"],
                "items": data["items"],
            }
        )
    return out


@router.get("/v1/national/assessments")
def national_assessments(session: SessionDep, principal: CurrentRegulator) -> list[dict[str, Any]]:
    """Submitted self-assessments: scores per area and item, never notes or evidence text."""
    return _assessments(session)


@router.post("/v1/national/submissions")
def receive_submission(
    session: SessionDep,
    state: StateDep,
    principal: CurrentStatsSubmitter,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Verify and store a platform's signed submission (a second for a period replaces it)."""
    org = caller_org(session, principal)
    got = submission.receive(session, org, body, principal.actor)
    return {
        "kind": got.submission.kind,
        "period": got.submission.period,
        "replaced": got.replaced,
        "received_at": got.submission.received_at.isoformat(),
    }


class PinBody(BaseModel):
    """The fingerprint a platform signs with, as it printed it."""

    fingerprint: str = Field(..., max_length=80)


@router.put("/v1/national/pins/{org_name}")
def pin_submitter(
    org_name: str, body: PinBody, session: SessionDep, principal: CurrentKeyAdmin
) -> dict[str, str]:
    """Pin the key fingerprint an organisation's submissions must be signed with."""
    org = submission.get_org_by_name(session, org_name)
    row = submission.pin(session, org, body.fingerprint, principal.actor)
    return {"organisation": org.name, "fingerprint": row.fingerprint}


@router.get("/v1/transparency/{year}", response_model=None)
def transparency(
    year: str,
    session: SessionDep,
    state: StateDep,
    principal: CurrentRegulator,
    lang: str = "en",
    format: Literal["json", "html", "pdf"] = "json",
) -> dict[str, Any] | Response:
    """The transparency report of ``year`` (deployment-wide) as JSON, HTML or PDF."""
    check_lang(lang)
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
    principal: CurrentRegulator,
    lang: str = "en",
    scope: Scope = "local",
    dimension: str = "cases_by_source",
    level: Literal["month", "quarter", "year"] = "month",
) -> HTMLResponse:
    """The regulator's dashboard: chart, table, filters, exports (and submitters nationally)."""
    check_lang(lang)
    _dimension(dimension)
    k = state.settings.stats_k
    counts = _counts(session, scope)
    table = build_table(counts, dimension, k)
    stats = summary(
        {
            m: {
                "cases_by_source": v.get("cases_by_source", {}),
                "hours_to_decision": v.get("hours_to_decision", {}),
                "hours_to_report": v.get("hours_to_report", {}),
            }
            for m, v in counts.items()
        },
        k,
    )
    national = scope == "national"

    def query_for(code: str) -> str:
        return f"lang={code}&scope={scope}&dimension={dimension}&level={level}"

    return HTMLResponse(
        render(
            "regulator/dashboard.html",
            lang,
            scope=scope,
            dimension=dimension,
            dimensions=list(DIMENSIONS),
            level=level,
            k=k,
            table=table,
            chart=render_svg(table_spec(table, level, dimension)),
            export_base="/v1/stats/export",
            years=stats["years"],
            yoy=stats["cases_year_over_year_change"],
            submitters=submission.submitters(session) if national else [],
            assessments=_assessments(session) if national else [],
            area_ids=[a.id for a in load_checklist().areas],
            query_for=query_for,
        )
    )
