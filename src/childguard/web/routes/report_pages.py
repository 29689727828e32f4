"""Reports in the console: a case's reports, filing one, following it, the referral package.

Every page calls ``childguard.reports.service`` as ``/v1/reports`` does, with the person as the
actor. Pages show a report's state, each step, the sink's ids and errors, never content. A person
with the hotline role reads the reports sent to their organisation (each read audited, as through
the API); reviewers and admins file and retract their organisation's reports. A filing refused
(no decision in effect, a decision waiting for its second reviewer, a report already filed, a sink
not configured) is shown on the case's reports page with the reason, with the refusal's status.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from childguard.api.permissions import Permission
from childguard.auth import Role
from childguard.cases import queries
from childguard.errors import ChildguardError, Conflict, InvalidInput, NotConfigured
from childguard.reports import service
from childguard.reports.referral import read_package
from childguard.reports.registry import report_sinks
from childguard.store.models import MAX_ID, Report
from childguard.web.context import Console, ConsoleDep, FormDep, redirect

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
#: The sinks a person may choose in the console, in the order shown.
CONSOLE_SINKS = ("ncmec", "kh_referral")
ReportStatus = Literal["queued", "sending", "finished", "error", "retracted"]


def _as_recipient(page: Console) -> bool:
    return page.me.role is Role.HOTLINE


def _sinks() -> list[dict[str, str]]:
    installed = report_sinks()
    return [
        {"name": name, "title": installed[name].title or name}
        for name in CONSOLE_SINKS
        if name in installed
    ]


def _rows(session: Session, rows: list[Report]) -> list[dict[str, Any]]:
    return [service.public(session, r, with_steps=False) for r in rows]


def _case_reports_page(
    page: Console,
    case_id: int,
    *,
    refused: ChildguardError | None = None,
    chosen: str = "",
    filed: int | None = None,
) -> Response:
    """The case's reports with the filing form; ``refused`` shown above it."""
    with page.state.db.session() as s:
        case = queries.case_detail(s, page.me.org_id, case_id)
        rows = _rows(s, service.list_reports(s, page.me.org_id, case_id=case_id, limit=PAGE_SIZE))
    decisions: list[dict[str, Any]] = case["decisions"]  # type: ignore[assignment]
    return page.render(
        "reports/case_reports.html",
        status_code=refused.http_status if refused is not None else 200,
        case=case,
        reports=rows,
        sinks=_sinks(),
        chosen=chosen,
        refused=refused,
        filed=filed,
        pending=any(d.get("status") == "pending" for d in decisions),
    )


@router.get("/cases/{case_id}/reports")
def case_reports(
    page: ConsoleDep, case_id: int, filed: int | None = Query(default=None, ge=1, le=MAX_ID)
) -> Response:
    """A case's reports (sink, state, the sink's ids, errors) and the form to file one."""
    page.require(Permission.CASES_READ)
    page.require(Permission.REPORTS_READ)
    return _case_reports_page(page, case_id, filed=filed)


@router.post("/cases/{case_id}/reports")
def file_report(page: ConsoleDep, form: FormDep, case_id: int) -> Response:
    """File the decided case with the chosen sink; a refusal is shown on the same page."""
    page.require(Permission.REPORTS_FILE)
    sink = form.get("sink", "").strip()
    try:
        if sink not in CONSOLE_SINKS:
            raise InvalidInput("choose where to send the report: " + ", ".join(CONSOLE_SINKS))
        with page.state.db.session(write=True) as s:
            row = service.queue_report(
                s, page.state.settings, page.me.org_id, case_id, sink, page.me.actor
            )
            report_id = row.id
    except (Conflict, InvalidInput, NotConfigured) as refused:
        return _case_reports_page(page, case_id, refused=refused, chosen=sink)
    return redirect(f"/cases/{case_id}/reports?filed={report_id}")


@router.get("/reports")
def reports_list(
    page: ConsoleDep,
    status: ReportStatus | None = Query(default=None),
    sink: str | None = Query(default=None, max_length=40),
    before: int | None = Query(default=None, ge=1, le=MAX_ID),
) -> Response:
    """The organisation's reports (for a hotline: those sent to it), newest first."""
    page.require(Permission.REPORTS_READ)
    recipient = _as_recipient(page)
    with page.state.db.session(write=True) as s:
        found = service.list_reports(
            s,
            page.me.org_id,
            as_recipient=recipient,
            status=status or None,
            sink=sink or None,
            before=before,
            limit=PAGE_SIZE,
        )
        if recipient:
            service.audit_view(s, page.me.actor, found)
        rows = _rows(s, found)
    return page.render(
        "reports/list.html",
        reports=rows,
        as_recipient=recipient,
        filters={"status": status or "", "sink": sink or ""},
        statuses=["queued", "sending", "finished", "error", "retracted"],
        sinks=_sinks(),
        next_before=found[-1].id if len(found) == PAGE_SIZE else None,
    )


@router.get("/reports/{report_id}")
def report_page(page: ConsoleDep, report_id: int) -> Response:
    """One report: its state, every step with the sink's ids and Request-IDs, its errors."""
    page.require(Permission.REPORTS_READ)
    recipient = _as_recipient(page)
    with page.state.db.session(write=True) as s:
        row = service.get_report(s, page.me.org_id, report_id, as_recipient=recipient)
        if recipient:
            service.audit_view(s, page.me.actor, [row])
        report = service.public(s, row)
        has_package = row.sink == "kh_referral" and bool(row.package_sha256)
    return page.render(
        "reports/report.html",
        report=report,
        as_recipient=recipient,
        has_package=has_package,
        can_retract=page.can(Permission.REPORTS_FILE.value)
        and not recipient
        and report["status"] not in ("finished", "retracted"),
    )


@router.get("/reports/{report_id}/package")
def download_package(page: ConsoleDep, report_id: int) -> Response:
    """The signed referral package (zip) of a ``kh_referral`` report, as an attachment."""
    page.require(Permission.REPORTS_READ)
    recipient = _as_recipient(page)
    with page.state.db.session(write=True) as s:
        row = service.get_report(s, page.me.org_id, report_id, as_recipient=recipient)
        if row.sink != "kh_referral":
            raise InvalidInput(f"report {report_id} goes to {row.sink}: it has no package")
        if recipient:
            service.audit_view(s, page.me.actor, [row])
        rid = row.id
    data = read_package(page.state.settings.data_dir, rid)
    return Response(
        content=data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="referral-{rid}.zip"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/reports/{report_id}/retract")
def retract(page: ConsoleDep, form: FormDep, report_id: int) -> Response:
    """Withdraw a report before it is finished (refused once finished)."""
    page.require(Permission.REPORTS_FILE)
    service.retract(page.state.db, page.state.settings, page.me.org_id, report_id, page.me.actor)
    return redirect(f"/reports/{report_id}")
