"""Reading cases: the paged list, one case with everything in it, and their JSON forms.

Media items come hash first: hashes, the match (bank, classification, distance, transform,
provenance, the entry's current false-positive count) and whether evidence was kept, never bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.cases.labels import Status
from childguard.cases.routing import get_queue
from childguard.cases.workflow import get_case
from childguard.errors import InvalidInput
from childguard.store.models import (
    BankEntry,
    Case,
    CaseAppeal,
    CaseConversation,
    CaseDecision,
    CaseEvent,
    CaseMedia,
    CaseQueue,
    utcnow,
)

MAX_PAGE = 500


@dataclass(frozen=True)
class CasePage:
    """One page of cases, newest first; ``next_before`` continues the list (None at the end)."""

    cases: list[dict[str, object]]
    next_before: int | None

    def to_public(self) -> dict[str, object]:
        """JSON form."""
        return {"cases": self.cases, "next_before": self.next_before}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def sla_age_seconds(case: Case, now: datetime | None = None) -> int:
    """Seconds since the case opened, until its decision (the age its SLA is measured on)."""
    end = case.decided_at or now or utcnow()
    return max(0, int((end - case.opened_at).total_seconds()))


def case_summary(
    case: Case, queue_name: str | None, now: datetime | None = None
) -> dict[str, object]:
    """The list form of a case."""
    return {
        "id": case.id,
        "status": case.status,
        "priority": case.priority,
        "labels": json.loads(case.labels),
        "source": case.source,
        "queue": queue_name,
        "content_id": case.content_id,
        "user_id": case.user_id,
        "conversation_id": case.conversation_id,
        "holder": case.holder,
        "lease_expires_at": _iso(case.lease_expires_at),
        "opened_at": _iso(case.opened_at),
        "first_claimed_at": _iso(case.first_claimed_at),
        "decided_at": _iso(case.decided_at),
        "closed_at": _iso(case.closed_at),
        "sla_age_seconds": sla_age_seconds(case, now),
    }


def list_cases(
    session: Session,
    org_id: int,
    *,
    status: str | None = None,
    queue: str | None = None,
    label: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> CasePage:
    """Cases of ``org_id`` newest first, filtered; page on with ``before=next_before``."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
    query = select(Case, CaseQueue.name).outerjoin(CaseQueue, CaseQueue.id == Case.queue_id)
    query = query.where(Case.org_id == org_id)
    if status is not None:
        try:
            query = query.where(Case.status == Status(status).value)
        except ValueError:
            valid = ", ".join(s.value for s in Status)
            raise InvalidInput(f"unknown status {status[:30]!r}; statuses: {valid}") from None
    if queue is not None:
        query = query.where(Case.queue_id == get_queue(session, org_id, queue).id)
    if label is not None:
        if not label.replace("_", "").isalnum():
            raise InvalidInput("label must be a risk label such as GROOMING or CSAM")
        query = query.where(Case.labels.contains(json.dumps(label)))
    if before is not None:
        query = query.where(Case.id < before)
    rows = list(session.execute(query.order_by(Case.id.desc()).limit(limit + 1)))
    now = utcnow()
    cases = [case_summary(c, q, now) for c, q in rows[:limit]]
    more = len(rows) > limit
    return CasePage(cases, rows[limit - 1][0].id if more else None)


def _loads(raw: str) -> Any:
    return json.loads(raw)


def media_public(item: CaseMedia, false_positives: dict[int, int]) -> dict[str, object]:
    """A media item, hash first, with the current false-positive count of each matched entry."""
    matches = _loads(item.matches)
    for m in matches:
        m["false_positives"] = false_positives.get(int(m["entry_id"]), 0)
    return {
        "id": item.id,
        "sha256": item.sha256,
        "md5": item.md5,
        "pdq": item.pdq,
        "filename": item.filename,
        "content_type": item.mime,
        "size": item.size,
        "content_id": item.content_id,
        "user_id": item.user_id,
        "matches": matches,
        "signals": _loads(item.signals),
        "evidence": {"kept": item.evidence_kept, "note": item.evidence_note},
        "added_at": _iso(item.added_at),
    }


def conversation_public(item: CaseConversation) -> dict[str, object]:
    """A conversation item: messages, risk, findings with explanations, entities."""
    return {
        "id": item.id,
        "conversation_id": item.conversation_id,
        "user_id": item.user_id,
        "languages": _loads(item.languages),
        "risk": _loads(item.risk),
        "flagged": _loads(item.flagged),
        "messages": _loads(item.messages),
        "findings": _loads(item.findings),
        "entities": _loads(item.entities),
        "added_at": _iso(item.added_at),
    }


def decision_public(d: CaseDecision) -> dict[str, object]:
    """JSON form of a decision."""
    return {
        "id": d.id,
        "policy": d.policy,
        "actions": _loads(d.actions),
        "note": d.note,
        "status": d.status,
        "decided_by": d.decided_by,
        "confirmed_by": d.confirmed_by,
        "created_at": _iso(d.created_at),
        "effective_at": _iso(d.effective_at),
    }


def appeal_public(a: CaseAppeal) -> dict[str, object]:
    """JSON form of an appeal."""
    return {
        "id": a.id,
        "decision_id": a.decision_id,
        "reason": a.reason,
        "status": a.status,
        "appellant": a.appellant,
        "decided_by": a.decided_by,
        "note": a.note,
        "created_at": _iso(a.created_at),
        "decided_at": _iso(a.decided_at),
    }


def event_public(e: CaseEvent) -> dict[str, object]:
    """JSON form of a history entry."""
    return {"at": _iso(e.at), "actor": e.actor, "action": e.action, "details": _loads(e.details)}


def case_detail(session: Session, org_id: int, case_id: int) -> dict[str, object]:
    """Everything about one case: summary, media, conversations, decisions, appeals, history."""
    case = get_case(session, org_id, case_id)
    queue = session.get(CaseQueue, case.queue_id) if case.queue_id is not None else None
    media = list(
        session.scalars(
            select(CaseMedia).where(CaseMedia.case_id == case.id).order_by(CaseMedia.id)
        )
    )
    entry_ids = {int(m["entry_id"]) for item in media for m in _loads(item.matches)}
    counts: dict[int, int] = {}
    if entry_ids:
        counts = {
            i: n
            for i, n in session.execute(
                select(BankEntry.id, BankEntry.false_positives).where(BankEntry.id.in_(entry_ids))
            )
        }
    out = case_summary(case, queue.name if queue else None)
    out["media"] = [media_public(m, counts) for m in media]
    out["conversations"] = [
        conversation_public(c)
        for c in session.scalars(
            select(CaseConversation)
            .where(CaseConversation.case_id == case.id)
            .order_by(CaseConversation.id)
        )
    ]
    out["decisions"] = [
        decision_public(d)
        for d in session.scalars(
            select(CaseDecision).where(CaseDecision.case_id == case.id).order_by(CaseDecision.id)
        )
    ]
    out["appeals"] = [
        appeal_public(a)
        for a in session.scalars(
            select(CaseAppeal).where(CaseAppeal.case_id == case.id).order_by(CaseAppeal.id)
        )
    ]
    out["history"] = [
        event_public(e)
        for e in session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    ]
    return out
