"""Reports: filing a decided case with a sink, listing, showing and retracting reports.

A filing is one ``reports`` row written in the caller's transaction (``queue_report``); the
worker (``worker``) sends it step by step. A ``report`` action of a decision in effect queues
the deployment's sinks (``on_decision_effective``, called by the cases service) in the decision's
own transaction, so a decision is never in effect without its report queued.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.cases.history import record
from childguard.cases.workflow import get_case
from childguard.config import Settings
from childguard.errors import Conflict, InvalidInput, NotFound
from childguard.reports.facts import require_reportable
from childguard.reports.registry import get_report_sink
from childguard.reports.sink import StepLog
from childguard.store.db import Database
from childguard.store.models import Case, CaseDecision, Org, Report, ReportStep, utcnow

#: Statuses of a report still on its way.
ACTIVE = ("queued", "sending", "error")
MAX_PAGE = 200


def _active_for(session: Session, case_id: int, sink: str) -> Report | None:
    return session.scalar(
        select(Report)
        .where(Report.case_id == case_id, Report.sink == sink, Report.status != "retracted")
        .order_by(Report.id.desc())
        .limit(1)
    )


def queue_report(
    session: Session,
    settings: Settings,
    org_id: int,
    case_id: int,
    sink_name: str,
    actor: Actor,
) -> Report:
    """File ``case_id`` with ``sink_name``: checks, then one queued report row.

    ``NotFound`` for another organisation's case; ``Conflict`` when the case has no decision in
    effect (none, pending a second reviewer, or no violation) or a report to this sink exists
    already (retract it to file again); ``InvalidInput`` for an unknown sink; ``NotConfigured``
    naming the missing settings when the sink cannot send for this organisation.
    """
    sink = get_report_sink(sink_name)(settings)
    decision = require_reportable(session, org_id, case_id)
    existing = _active_for(session, case_id, sink.name)
    if existing is not None:
        raise Conflict(
            f"case {case_id} already has report {existing.id} to {sink.name} "
            f"({existing.status}); retract it before filing again"
        )
    org = session.get(Org, org_id)
    if org is None:
        raise NotFound("your organisation no longer exists")
    sink.check_ready(org.name)
    return _add(
        session, org_id, case_id, decision, sink.name, sink.recipient_org_id(session), actor
    )


def _add(
    session: Session,
    org_id: int,
    case_id: int,
    decision: CaseDecision,
    sink: str,
    recipient: int | None,
    actor: Actor,
) -> Report:
    now = utcnow()
    row = Report(
        org_id=org_id,
        case_id=case_id,
        decision_id=decision.id,
        sink=sink,
        recipient_org_id=recipient,
        status="queued",
        generation=0,
        remote_id="",
        attempts=0,
        next_attempt_at=now,
        error_code="",
        last_error="",
        package_sha256="",
        created_by=actor.name[:200],
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    case = session.get(Case, case_id)
    assert case is not None
    record(session, case, actor, "report_queued", {"report_id": row.id, "sink": sink})
    return row


def configured_sinks(settings: Settings) -> list[str]:
    """The sinks a ``report`` action files with (``CHILDGUARD_REPORT_SINKS``)."""
    names = [n.strip().lower() for n in settings.report_sinks.split(",") if n.strip()]
    for name in names:
        get_report_sink(name)
    return names


def on_decision_effective(
    session: Session, case: Case, decision: CaseDecision, actor: Actor
) -> list[Report]:
    """Queue the configured sinks for a decision in effect that asks to ``report``.

    Called by the cases service in the decision's transaction. Sinks are checked when the
    worker sends (a sink without credentials leaves the report in ``error``, visible on the
    case); a sink the case was already reported to is skipped.
    """
    actions = {a.get("action") for a in json.loads(decision.actions)}
    if "report" not in actions:
        return []
    try:
        settings = Settings()
    except ValidationError:
        # A malformed CHILDGUARD_* variable must not undo the decision: NCMEC is the default.
        settings = Settings.model_construct()
    out = []
    for name in configured_sinks(settings):
        if _active_for(session, case.id, name) is None:
            sink = get_report_sink(name)(settings)
            recipient = sink.recipient_org_id(session)
            out.append(_add(session, case.org_id, case.id, decision, name, recipient, actor))
    return out


def _visible(session: Session, org_id: int, report_id: int, as_recipient: bool) -> Report:
    row = session.get(Report, report_id)
    if row is None or (
        row.org_id != org_id and not (as_recipient and row.recipient_org_id == org_id)
    ):
        raise NotFound(f"no report {report_id} visible to your organisation")
    return row


def get_report(
    session: Session, org_id: int, report_id: int, *, as_recipient: bool = False
) -> Report:
    """A report of ``org_id``, or (``as_recipient``) one sent to it; ``NotFound`` otherwise."""
    return _visible(session, org_id, report_id, as_recipient)


def list_reports(
    session: Session,
    org_id: int,
    *,
    as_recipient: bool = False,
    case_id: int | None = None,
    status: str | None = None,
    sink: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[Report]:
    """Reports of ``org_id`` (or sent to it), newest first, filtered as asked."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    owner = Report.recipient_org_id if as_recipient else Report.org_id
    query = select(Report).where(owner == org_id)
    if case_id is not None:
        query = query.where(Report.case_id == case_id)
    if status is not None:
        query = query.where(Report.status == status)
    if sink is not None:
        query = query.where(Report.sink == sink)
    if before is not None:
        query = query.where(Report.id < before)
    return list(session.scalars(query.order_by(Report.id.desc()).limit(limit)))


def steps_of(session: Session, report_id: int) -> list[ReportStep]:
    """Every step recorded for a report, in order."""
    return list(
        session.scalars(
            select(ReportStep).where(ReportStep.report_id == report_id).order_by(ReportStep.id)
        )
    )


def public(session: Session, row: Report, *, with_steps: bool = True) -> dict[str, Any]:
    """A report as the API and the CLI show it: state, the sink's ids, each step, errors."""
    out: dict[str, Any] = {
        "id": row.id,
        "case_id": row.case_id,
        "decision_id": row.decision_id,
        "sink": row.sink,
        "status": row.status,
        "remote_id": row.remote_id or None,
        "generation": row.generation,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "error": {"code": row.error_code, "message": row.last_error} if row.last_error else None,
        "package_sha256": row.package_sha256 or None,
        "created_by": row.created_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "finished_at": row.finished_at,
        "retracted_at": row.retracted_at,
    }
    if with_steps:
        out["steps"] = [
            {
                "step": s.step,
                "item": s.item or None,
                "generation": s.generation,
                "status": s.status,
                "remote_id": s.remote_id or None,
                "request_id": s.request_id or None,
                "response_code": s.response_code,
                "detail": s.detail or None,
                "at": s.at,
            }
            for s in steps_of(session, row.id)
        ]
    return out


def _claim(db: Database, settings: Settings, report_id: int, holder: str) -> bool:
    now = utcnow()
    with db.session(write=True) as session:
        result = session.execute(
            update(Report)
            .where(
                Report.id == report_id,
                (Report.holder.is_(None)) | (Report.lease_until < now),
            )
            .values(
                holder=holder, lease_until=now + timedelta(seconds=settings.report_lease_seconds)
            )
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


def retract(
    db: Database, settings: Settings, org_id: int, report_id: int, actor: Actor
) -> dict[str, Any]:
    """Withdraw a report before it is finished (at the hotline too when it was opened there).

    ``Conflict`` when it is finished (the receipt is final), already retracted, or being sent
    right now (try again in a moment).
    """
    with db.session() as session:
        row = get_report(session, org_id, report_id)
        if row.status == "finished":
            raise Conflict(f"report {report_id} is finished; a finished report cannot be retracted")
        if row.status == "retracted":
            raise Conflict(f"report {report_id} was already retracted")
        sink_name, remote_id, generation, case_id = (
            row.sink,
            row.remote_id,
            row.generation,
            row.case_id,
        )
    holder = f"retract:{actor.name}"[:64]
    if not _claim(db, settings, report_id, holder):
        raise Conflict(f"report {report_id} is being sent right now; try again in a moment")
    log = StepLog(db, settings, report_id, org_id, case_id, generation, actor)
    try:
        if remote_id:
            get_report_sink(sink_name)(settings).retract(log, remote_id)
        now = utcnow()
        with db.session(write=True) as session:
            row = log.report(session)
            row.status = "retracted"
            row.retracted_at = now
            row.updated_at = now
            row.holder = None
            row.lease_until = None
            case = get_case(session, org_id, case_id)
            record(session, case, actor, "report_retracted", {"report_id": report_id})
            return public(session, row)
    finally:
        with db.session(write=True) as session:
            session.execute(
                update(Report)
                .where(Report.id == report_id, Report.holder == holder)
                .values(holder=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )


def audit_view(session: Session, actor: Actor, rows: Sequence[Report]) -> None:
    """Audit that a hotline read reports sent to it."""
    for row in rows:
        audit.append(session, actor, "report.read", f"report:{row.id}", {"case_id": row.case_id})
