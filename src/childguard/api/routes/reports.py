"""``/v1/reports``: filing decided cases with hotlines, following and retracting the reports.

Thin: each route calls ``childguard.reports.service``. Reviewers and admins file and retract
their organisation's reports; a hotline key reads the reports sent to its organisation.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Response, status

from childguard.api.deps import CurrentReporter, CurrentReportReader, SessionDep, StateDep
from childguard.api.params import IdPath
from childguard.api.schemas.reports import ReportCreate
from childguard.auth import Principal, Role
from childguard.reports import service
from childguard.reports.referral import read_package
from childguard.store.models import MAX_ID

router = APIRouter(prefix="/v1", tags=["reports"])


ReportStatus = Literal["queued", "sending", "finished", "error", "retracted"]


def _as_recipient(principal: Principal) -> bool:
    return principal.role is Role.HOTLINE


@router.post("/cases/{case_id}/reports", status_code=status.HTTP_201_CREATED)
def file_report(
    case_id: IdPath,
    body: ReportCreate,
    session: SessionDep,
    state: StateDep,
    principal: CurrentReporter,
) -> dict[str, Any]:
    """Queue a report of a decided case to ``sink`` (409 while undecided or unconfirmed)."""
    row = service.queue_report(
        session, state.settings, principal.org_id, case_id, body.sink, principal.actor
    )
    return service.public(session, row)


@router.get("/reports")
def list_reports(
    session: SessionDep,
    principal: CurrentReportReader,
    case_id: int | None = Query(default=None, ge=1, le=MAX_ID),
    status_: ReportStatus | None = Query(default=None, alias="status"),
    sink: str | None = Query(default=None, max_length=40),
    before: int | None = Query(default=None, ge=1, le=MAX_ID, description="Ids below this."),
    limit: int = Query(default=50, ge=1, le=service.MAX_PAGE),
) -> dict[str, Any]:
    """Your organisation's reports (a hotline: those sent to it), newest first."""
    rows = service.list_reports(
        session,
        principal.org_id,
        as_recipient=_as_recipient(principal),
        case_id=case_id,
        status=status_,
        sink=sink,
        before=before,
        limit=limit,
    )
    return {
        "reports": [service.public(session, r, with_steps=False) for r in rows],
        "next_before": rows[-1].id if len(rows) == limit else None,
    }


@router.get("/reports/{report_id}")
def get_report(
    report_id: IdPath, session: SessionDep, principal: CurrentReportReader
) -> dict[str, Any]:
    """One report: state, each step with the sink's ids and Request-IDs, errors."""
    row = service.get_report(
        session, principal.org_id, report_id, as_recipient=_as_recipient(principal)
    )
    return service.public(session, row)


@router.get("/reports/{report_id}/package")
def download_package(
    report_id: IdPath, session: SessionDep, state: StateDep, principal: CurrentReportReader
) -> Response:
    """The signed referral package (zip) of a ``kh_referral`` report."""
    row = service.get_report(
        session, principal.org_id, report_id, as_recipient=_as_recipient(principal)
    )
    data = read_package(state.settings.data_dir, row.id)
    return Response(
        content=data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="referral-{row.id}.zip"'},
    )


@router.post("/reports/{report_id}/retract")
def retract_report(
    report_id: IdPath, state: StateDep, principal: CurrentReporter
) -> dict[str, Any]:
    """Withdraw a report before it is finished (409 once finished)."""
    return service.retract(state.db, state.settings, principal.org_id, report_id, principal.actor)
