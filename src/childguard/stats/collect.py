"""Read this instance's ``MonthlyCounts`` from cases, decisions, appeals, reports, scans, signals.

Only timestamps and fixed categories are read; no content, hash or identifier leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.cases.labels import CSAM_CLASSES
from childguard.stats.counts import DIMENSIONS, SLUG_RE, MonthlyCounts, add, bucket_of, month_of
from childguard.store.models import (
    AccountSignal,
    AuditRecord,
    Case,
    CaseAppeal,
    CaseDecision,
    Org,
)

#: Audit actions that record a report filed to a hotline; ``details["sink"]`` names where.
REPORT_ACTIONS = ("report.filed", "report.finished", "report.submitted")


def _vocab(dimension: str, value: str) -> str:
    vocab = DIMENSIONS[dimension]
    if vocab is None:
        return value if SLUG_RE.fullmatch(value) else "OTHER"
    return value if value in vocab else "OTHER"


def report_events(
    session: Session, org_id: int | None
) -> Iterator[tuple[datetime, str, float | None]]:
    """Reports filed: (when, destination, hours since the case opened or None).

    Reads the audit log (``REPORT_ACTIONS``). When the reports service (issue 17) is merged this
    is the one function to point at its reports table (sink and state).
    """
    query = select(AuditRecord.at, AuditRecord.org_id, AuditRecord.details).where(
        AuditRecord.action.in_(REPORT_ACTIONS)
    )
    if org_id is not None:
        query = query.where(AuditRecord.org_id == org_id)
    for at, _org, details in session.execute(query):
        try:
            data = json.loads(details)
        except ValueError:
            data = {}
        sink = str(data.get("sink", "unknown"))
        hours = data.get("hours_since_opened")
        yield at, sink, float(hours) if isinstance(hours, int | float) else None


def collect(session: Session, org_id: int | None = None) -> MonthlyCounts:
    """The counts of one organisation (or, with None, of the whole deployment)."""
    counts: MonthlyCounts = {}
    orgs = {oid: name for oid, name in session.execute(select(Org.id, Org.name))}
    cases = select(Case.id, Case.org_id, Case.source, Case.labels, Case.opened_at, Case.decided_at)
    if org_id is not None:
        cases = cases.where(Case.org_id == org_id)
    opened: dict[int, datetime] = {}
    for cid, oid, source, labels, opened_at, decided_at in session.execute(cases):
        month = month_of(opened_at)
        opened[cid] = opened_at
        add(counts, month, "cases_by_source", _vocab("cases_by_source", source))
        add(counts, month, "cases_by_organisation", _vocab("cases_by_organisation", orgs[oid]))
        for label in sorted(set(json.loads(labels or "[]"))):
            add(counts, month, "cases_by_label", _vocab("cases_by_label", str(label)))
        if decided_at is not None:
            hours = (decided_at - opened_at).total_seconds() / 3600
            add(counts, month_of(decided_at), "hours_to_decision", bucket_of(hours))
    decisions = select(
        CaseDecision.case_id,
        CaseDecision.policy,
        CaseDecision.actions,
        CaseDecision.created_at,
        CaseDecision.effective_at,
    ).where(CaseDecision.status.in_(("effective", "overturned")))
    for case_id, policy, actions, created_at, effective_at in session.execute(decisions):
        if case_id not in opened:
            continue
        month = month_of(effective_at or created_at)
        add(counts, month, "decisions_by_policy", _vocab("decisions_by_policy", policy))
        if policy in CSAM_CLASSES:
            add(counts, month, "decisions_by_classification", policy)
        for action in json.loads(actions or "[]"):
            name = str(action.get("action", "")) if isinstance(action, dict) else ""
            add(counts, month, "decisions_by_action", _vocab("decisions_by_action", name))
    appeals = select(CaseAppeal.case_id, CaseAppeal.status, CaseAppeal.decided_at).where(
        CaseAppeal.decided_at.is_not(None)
    )
    for case_id, status, decided_at in session.execute(appeals):
        if case_id in opened and decided_at is not None:
            outcome = "overturned" if status == "overturned" else "upheld"
            add(counts, month_of(decided_at), "appeals_by_outcome", outcome)
    for at, sink, to_report in report_events(session, org_id):
        add(counts, month_of(at), "reports_by_destination", _vocab("reports_by_destination", sink))
        if to_report is not None:
            add(counts, month_of(at), "hours_to_report", bucket_of(to_report))
    scans = select(AuditRecord.at).where(AuditRecord.action == "scan.match")
    if org_id is not None:
        scans = scans.where(AuditRecord.org_id == org_id)
    for (at,) in session.execute(scans):
        add(counts, month_of(at), "scans", "matched")
    signals = select(AccountSignal.created_at, AccountSignal.origin_org_id)
    for created_at, origin in session.execute(signals):
        if org_id is None or origin in (None, org_id):
            add(counts, month_of(created_at), "signals_shared", "shared" if origin else "received")
    return counts
