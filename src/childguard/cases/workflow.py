"""The case state machine: claims with leases, the next case of a queue, close and reopen.

``open`` -> ``in_review`` (a reviewer claims it) -> ``decided`` (a decision takes effect, see
``decisions``) -> ``closed``; ``decided`` or ``closed`` may be reopened, and releasing a claim
puts a case back to ``open``. A claim is a conditional UPDATE (``WHERE holder IS NULL OR lease
expired``), so of two reviewers claiming at once exactly one wins; the other gets ``Conflict``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from childguard.audit import Actor
from childguard.cases.history import record, reviewer_id
from childguard.cases.labels import Status
from childguard.cases.org_settings import get_settings
from childguard.cases.routing import get_queue
from childguard.errors import Conflict, InvalidInput, NotFound
from childguard.store.models import Case, utcnow

#: Candidates read per attempt when taking the next case of a queue.
_NEXT_BATCH = 8


def get_case(session: Session, org_id: int, case_id: int) -> Case:
    """Case ``case_id`` of ``org_id``; ``NotFound`` for another organisation's case too."""
    case = session.get(Case, case_id)
    if case is None or case.org_id != org_id:
        raise NotFound(f"no case {case_id} in your organisation")
    return case


def _claimable(now: datetime, me: str) -> object:
    return or_(Case.holder.is_(None), Case.lease_expires_at < now, Case.holder == me)


def _lease(session: Session, org_id: int, lease_seconds: int | None) -> timedelta:
    seconds = lease_seconds or get_settings(session, org_id).lease_seconds
    if not 30 <= seconds <= 24 * 3600:
        raise InvalidInput("lease_seconds must be between 30 and 86400")
    return timedelta(seconds=seconds)


def _try_claim(
    session: Session, org_id: int, case_id: int, me: str, lease: timedelta
) -> Case | None:
    """The conditional claim: the case as updated, or None when someone else holds it."""
    now = utcnow()
    claimed = session.scalars(
        update(Case)
        .where(
            Case.id == case_id,
            Case.org_id == org_id,
            Case.status.in_((Status.OPEN.value, Status.IN_REVIEW.value)),
            _claimable(now, me),  # type: ignore[arg-type]
        )
        .values(
            holder=me,
            lease_expires_at=now + lease,
            status=Status.IN_REVIEW.value,
            first_claimed_at=func.coalesce(Case.first_claimed_at, now),
            updated_at=now,
        )
        .returning(Case),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).first()
    return claimed


def _after_claim(session: Session, case: Case, actor: Actor) -> Case:
    expires = case.lease_expires_at
    record(
        session,
        case,
        actor,
        "claimed",
        {"lease_expires_at": expires.isoformat() if expires else None},
    )
    return case


def claim(
    session: Session, org_id: int, case_id: int, actor: Actor, lease_seconds: int | None = None
) -> Case:
    """Claim ``case_id`` for ``actor`` with a lease (re-claiming your own case renews it).

    ``Conflict`` when another reviewer holds an unexpired lease or the case is decided or
    closed; ``NotFound`` when it is not the organisation's.
    """
    case = get_case(session, org_id, case_id)
    me = reviewer_id(actor)
    claimed = _try_claim(session, org_id, case_id, me, _lease(session, org_id, lease_seconds))
    if claimed is None:
        session.refresh(case)
        if case.status not in (Status.OPEN.value, Status.IN_REVIEW.value):
            raise Conflict(f"case {case_id} is {case.status}; reopen it to review it again")
        until = case.lease_expires_at.isoformat() if case.lease_expires_at else "?"
        raise Conflict(f"case {case_id} is held by another reviewer until {until}")
    return _after_claim(session, claimed, actor)


def require_holder(case: Case, actor: Actor) -> None:
    """``Conflict`` unless ``actor`` holds ``case`` with an unexpired lease."""
    me = reviewer_id(actor)
    if case.status != Status.IN_REVIEW.value or case.holder is None:
        raise Conflict(f"case {case.id} is {case.status}, not claimed: claim it first")
    if case.holder != me:
        raise Conflict(f"case {case.id} is held by another reviewer; you cannot act on it")
    if case.lease_expires_at is not None and case.lease_expires_at < utcnow():
        raise Conflict(f"your claim on case {case.id} expired: claim it again")


def renew(
    session: Session, org_id: int, case_id: int, actor: Actor, lease_seconds: int | None = None
) -> Case:
    """Extend the holder's lease (``Conflict`` when the caller does not hold the case)."""
    case = get_case(session, org_id, case_id)
    require_holder(case, actor)
    case.lease_expires_at = utcnow() + _lease(session, org_id, lease_seconds)
    record(session, case, actor, "lease_renewed", {"lease_expires_at": case.lease_expires_at})
    return case


def release(session: Session, org_id: int, case_id: int, actor: Actor) -> Case:
    """Give the case back to its queue (``open``); only its holder may."""
    case = get_case(session, org_id, case_id)
    me = reviewer_id(actor)
    if case.holder != me or case.status != Status.IN_REVIEW.value:
        raise Conflict(f"case {case_id} is not held by you")
    case.holder = None
    case.lease_expires_at = None
    case.status = Status.OPEN.value
    record(session, case, actor, "released")
    return case


def next_case(
    session: Session, org_id: int, queue: str, actor: Actor, lease_seconds: int | None = None
) -> Case | None:
    """Claim the most urgent waiting case of ``queue`` (oldest first within a priority).

    Waiting means ``open``, or ``in_review`` with an expired lease. None when nothing waits.
    The queue's top priority is read first (the end of an index), then its oldest cases at that
    priority in index order, so the cost does not grow with the queue's length. On PostgreSQL
    candidates another reviewer is claiming right now are skipped (``SKIP LOCKED``).
    """
    queue_id = get_queue(session, org_id, queue).id
    me = reviewer_id(actor)
    lease = _lease(session, org_id, lease_seconds)
    postgres = session.get_bind().dialect.name == "postgresql"
    in_queue = (Case.org_id == org_id, Case.queue_id == queue_id)
    tried: set[int] = set()
    ceiling: int | None = None
    for _attempt in range(20):
        now = utcnow()
        waiting = [Case.status == Status.OPEN.value]
        if ceiling is not None:
            waiting.append(Case.priority < ceiling)
        level = session.scalar(select(func.max(Case.priority)).where(*in_queue, *waiting))
        candidates: list[tuple[int, int, datetime]] = []
        queries = [
            select(Case.id, Case.priority, Case.opened_at).where(
                *in_queue,
                Case.status == Status.IN_REVIEW.value,
                Case.lease_expires_at < now,
            )
        ]
        if level is not None:
            queries.append(
                select(Case.id, Case.priority, Case.opened_at).where(
                    *in_queue, Case.status == Status.OPEN.value, Case.priority == level
                )
            )
        for query in queries:
            query = query.order_by(Case.priority.desc(), Case.opened_at, Case.id)
            if tried:
                query = query.where(Case.id.not_in(tried))
            if postgres:
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query.limit(_NEXT_BATCH))
            candidates.extend((int(i), int(p), o) for i, p, o in rows)
        if not candidates:
            if level is None:
                return None
            ceiling = level  # everything at this priority is being claimed: look lower
            continue
        candidates.sort(key=lambda c: (-c[1], c[2], c[0]))
        for case_id, _priority, _opened in candidates:
            tried.add(case_id)
            claimed = _try_claim(session, org_id, case_id, me, lease)
            if claimed is not None:
                return _after_claim(session, claimed, actor)
    return None


def close(session: Session, org_id: int, case_id: int, actor: Actor) -> Case:
    """``decided`` -> ``closed``."""
    case = get_case(session, org_id, case_id)
    if case.status != Status.DECIDED.value:
        raise Conflict(f"case {case_id} is {case.status}; only a decided case can be closed")
    case.status = Status.CLOSED.value
    case.closed_at = utcnow()
    record(session, case, actor, "closed")
    return case


def reopen(session: Session, org_id: int, case_id: int, actor: Actor, reason: str = "") -> Case:
    """``decided`` or ``closed`` -> ``open``: back in its queue for another review."""
    case = get_case(session, org_id, case_id)
    if case.status not in (Status.DECIDED.value, Status.CLOSED.value):
        raise Conflict(f"case {case_id} is {case.status}; only a decided or closed case reopens")
    case.status = Status.OPEN.value
    case.holder = None
    case.lease_expires_at = None
    case.closed_at = None
    record(session, case, actor, "reopened", {"has_reason": bool(reason)})
    return case
