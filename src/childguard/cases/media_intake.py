"""The matched-scan path of intake, lean: what a file's scan waits for before it has a ``case_id``.

Every upload that matches runs this, so it is built for round trips and per-statement cost, not
for brevity. One batch of reads (one round trip on PostgreSQL, which takes the organisation's
intake lock and the audit chain's lock in the same batch) learns everything intake needs: one
statement of scalar subqueries reads the organisation's case settings, a replayed
``Idempotency-Key``, the active case of the subject, the default queue and the evidence opt-in;
three more read the routing rules, the webhooks and the newest audit record; on PostgreSQL the
batch also draws the next case id from the cases' sequence (on SQLite, under the write lock the
caller holds, it reads the next row id). A file whose subject has no active case then costs one
batch of writes (the case, its subject keys, the item, the ``opened`` history entry, the
idempotency key and the audit records, chained from the record already read). Nothing is
deferred: the case, its item, history and audit commit with the scan's transaction or not at all.

A file that joins an existing case takes the general path of ``intake`` (less common, and it
must read the case's items to route it again).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    Executable,
    Insert,
    TextClause,
    and_,
    bindparam,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from childguard import audit, evidence
from childguard.audit import Actor
from childguard.cases.history import reviewer_id
from childguard.cases.intake_types import (
    EVIDENCE_KEPT,
    EVIDENCE_OFF,
    INTAKE_LOCK,
    IntakeResult,
    MediaIn,
    Subject,
    subject_keys,
)
from childguard.cases.labels import ACTIVE, CSAM, Source, Status, priority_of
from childguard.cases.routing import DEFAULT_QUEUE, CaseFacts, get_queue, route_by_rules
from childguard.cases.routing import rules_statement as routing_rules_statement
from childguard.config import Settings
from childguard.store.batch import Batch
from childguard.store.models import (
    Case,
    CaseEvent,
    CaseMedia,
    CaseQueue,
    CaseSettings,
    CaseSubject,
    EvidenceOrgSetting,
    IdempotencyKey,
    Webhook,
    utcnow,
)
from childguard.webhooks.outbox import enqueue_event

OPENED_EVENT = "case.opened"


@dataclass(frozen=True)
class _Statements:
    intake_lock: TextClause
    next_case_id: TextClause
    next_case_id_sqlite: TextClause
    scalars: Executable
    rules: Executable
    webhooks: Executable
    insert_case: Insert
    insert_subjects: Insert
    insert_media: Insert
    insert_event: Insert
    insert_key: Insert


@functools.cache
def _statements() -> _Statements:
    """Built once: the batch helper compiles each once per dialect."""
    org: BindParameter[int] = bindparam("org_id")

    def subject_is(kind: str) -> Any:
        return and_(CaseSubject.kind == kind, CaseSubject.value == bindparam(kind))

    # The single values intake needs, as scalar subqueries of one statement (one statement is
    # cheaper than five on both databases: SQLAlchemy's per-statement work dominates).
    scalars = select(
        select(CaseSettings.open_cases).where(CaseSettings.org_id == org).scalar_subquery(),
        # A missing key binds NULL, which matches nothing.
        select(IdempotencyKey.case_id)
        .where(IdempotencyKey.org_id == org, IdempotencyKey.key == bindparam("key"))
        .scalar_subquery(),
        select(Case.id)
        .join(CaseSubject, CaseSubject.case_id == Case.id)
        .where(
            CaseSubject.org_id == org,
            or_(subject_is("sha256"), subject_is("conversation"), subject_is("user")),
            or_(*(Case.status == status for status in ACTIVE)),
        )
        .order_by(Case.id)
        .limit(1)
        .scalar_subquery(),
        select(CaseQueue.id)
        .where(CaseQueue.org_id == org, CaseQueue.name == DEFAULT_QUEUE)
        .scalar_subquery(),
        select(EvidenceOrgSetting.enabled)
        .where(EvidenceOrgSetting.org_id == org)
        .scalar_subquery(),
    )
    return _Statements(
        intake_lock=text("SELECT pg_advisory_xact_lock(:lock_class, :org_id)"),
        next_case_id=text("SELECT nextval(pg_get_serial_sequence('cases', 'id'))"),
        # The id SQLite would give the next row (``cases`` is not AUTOINCREMENT): safe to take
        # because the caller holds the database's write lock until commit.
        next_case_id_sqlite=text("SELECT coalesce(max(id), 0) + 1 FROM cases"),
        scalars=scalars,
        rules=routing_rules_statement(),
        webhooks=select(Webhook.id, Webhook.events)
        .where(Webhook.org_id == org)
        .order_by(Webhook.id),
        insert_case=insert(Case),
        insert_subjects=insert(CaseSubject),
        insert_media=insert(CaseMedia),
        insert_event=insert(CaseEvent),
        insert_key=insert(IdempotencyKey),
    )


@dataclass(frozen=True)
class IntakeState:
    """What one batch of reads learnt about a matched file's organisation and subject."""

    open_cases: bool
    replayed_case: int | None
    active_case: int | None
    rules: list[Any]
    default_queue: int | None
    webhooks: list[tuple[int, str]]
    evidence_opted_in: bool
    newest_audit: tuple[int, str] | None
    next_case_id: int


def read_state(
    session: Session, org_id: int, subject: Subject, sha256: str, key: str | None
) -> IntakeState:
    """Take the intake and audit locks (PostgreSQL) and read what intake needs, in one batch.

    Pending changes of ``session`` are flushed first. The locks are held until the transaction
    ends, in the order every intake takes them (intake, then audit chain). On SQLite the
    caller's transaction must hold the write lock (``db.session(write=True)``), as for the
    audit chain: the next case id is read, not drawn.
    """
    session.flush()
    conn = session.connection()
    st = _statements()
    newest, _insert, chain_lock = audit.chain_statements()
    batch = Batch()
    if conn.dialect.name == "postgresql":
        batch.add(st.intake_lock, {"lock_class": INTAKE_LOCK, "org_id": org_id})
        batch.add(chain_lock)
        at_next_id = batch.add(st.next_case_id)
    else:
        at_next_id = batch.add(st.next_case_id_sqlite)
    org = {"org_id": org_id}
    keys = dict(subject_keys(subject, sha256))
    at_scalars = batch.add(
        st.scalars,
        {
            **org,
            "key": key,
            "sha256": keys.get("sha256"),
            "conversation": keys.get("conversation"),
            "user": keys.get("user"),
        },
    )
    at_rules = batch.add(st.rules, org)
    at_hooks = batch.add(st.webhooks, org)
    at_newest = batch.add(newest)
    rows = batch.run(conn)
    scalar_rows = rows[at_scalars]
    assert scalar_rows  # a SELECT without FROM returns one row
    open_cases, replayed, active, default_queue, evidence_on = scalar_rows[0]
    newest_row = rows[at_newest]
    return IntakeState(
        open_cases=True if open_cases is None else bool(open_cases),
        replayed_case=None if replayed is None else int(replayed),
        active_case=None if active is None else int(active),
        rules=list(rows[at_rules] or []),
        default_queue=None if default_queue is None else int(default_queue),
        webhooks=[(int(r[0]), str(r[1])) for r in rows[at_hooks] or []],
        evidence_opted_in=bool(evidence_on),
        newest_audit=(newest_row[0][0], newest_row[0][1]) if newest_row else None,
        next_case_id=_first_int(rows[at_next_id]),
    )


def _first_int(rows: list[tuple[Any, ...]] | None) -> int:
    assert rows  # nextval always returns a row
    return int(rows[0][0])


def write_audit(
    session: Session, newest: tuple[int, str] | None, records: Sequence[audit.Pending]
) -> None:
    """Append ``records`` after ``newest`` (read under the chain's lock by ``read_state``)."""
    if records:
        _newest, insert_audit, _lock = audit.chain_statements()
        session.connection().execute(insert_audit, audit.chained_rows(newest, records))


def open_media_case(
    session: Session,
    settings: Settings,
    state: IntakeState,
    org_id: int,
    actor: Actor,
    subject: Subject,
    item: MediaIn,
    load_bytes: Callable[[], bytes] | None,
    idempotency_key: str | None,
    also_audit: Sequence[audit.Pending] = (),
) -> IntakeResult:
    """Open a new case for a matched file whose subject has no active case (per ``state``).

    Writes the case, its subject keys, the item, the ``opened`` history entry, the idempotency
    key, ``also_audit`` and the case's audit records, and queues ``case.opened`` for the
    organisation's webhooks, all in the caller's transaction.
    """
    conn = session.connection()
    st = _statements()
    classes = {str(m["classification"]) for m in item.matches if m.get("classification")}
    labels = sorted({CSAM} | classes)
    priority = priority_of(labels)
    facts = CaseFacts(
        frozenset(labels),
        frozenset(str(m["bank"]) for m in item.matches),
        frozenset(classes),
        frozenset(),
        priority,
    )
    queue_id = route_by_rules(state.rules, facts)
    if queue_id is None:
        queue_id = state.default_queue
    if queue_id is None:  # the organisation's first case: create its default queue
        queue_id = get_queue(session, org_id, DEFAULT_QUEUE).id
    now = utcnow()
    source = Source.USER_REPORT.value if subject.user_report else Source.MATCH.value
    case_row = {
        "org_id": org_id,
        "status": Status.OPEN.value,
        "priority": priority,
        "labels": json.dumps(labels),
        "source": source,
        "queue_id": queue_id,
        "content_id": subject.content_id,
        "user_id": subject.user_id,
        "conversation_id": subject.conversation_id,
        "opened_at": now,
        "updated_at": now,
    }
    enabled = settings.evidence_enabled or state.evidence_opted_in
    keeps = load_bytes is not None and enabled
    batch = Batch()
    case_id = state.next_case_id
    if keeps:  # the evidence record names the case: the case first, alone
        conn.execute(st.insert_case, {"id": case_id, **case_row})
    else:
        batch.add(st.insert_case, {"id": case_id, **case_row})
    newest = state.newest_audit
    kept = False
    if keeps and load_bytes is not None:
        kept = evidence.keep_media(
            session,
            settings,
            org_id,
            load_bytes(),
            sha256=item.sha256,
            case_id=case_id,
            filename=item.filename,
            mime=item.mime,
            actor=actor,
            enabled=enabled,
        )
    if kept:
        # keep_media appended to the chain: continue after its record.
        newest_read, _insert, _lock = audit.chain_statements()
        row = conn.execute(newest_read).first()
        newest = (row[0], row[1]) if row is not None else None
    opened = {"source": source, "labels": labels, "priority": priority}
    batch.add(
        st.insert_subjects,
        [
            {"case_id": case_id, "org_id": org_id, "kind": kind, "value": value}
            for kind, value in subject_keys(subject, item.sha256)
        ],
    )
    batch.add(
        st.insert_media,
        {
            "case_id": case_id,
            "sha256": item.sha256,
            "md5": item.md5,
            "pdq": item.pdq,
            "filename": item.filename,
            "mime": item.mime,
            "size": item.size,
            "content_id": subject.content_id,
            "user_id": subject.user_id,
            "matches": json.dumps(item.matches, default=str),
            "signals": json.dumps(item.signals, default=str),
            "evidence_kept": kept,
            "evidence_note": EVIDENCE_KEPT if kept else EVIDENCE_OFF,
            "added_at": now,
        },
    )
    batch.add(
        st.insert_event,
        {
            "case_id": case_id,
            "at": now,
            "actor": reviewer_id(actor),
            "action": "opened",
            "details": json.dumps(opened, sort_keys=True, default=str),
        },
    )
    if idempotency_key is not None:
        batch.add(
            st.insert_key,
            {"org_id": org_id, "key": idempotency_key, "case_id": case_id, "created_at": now},
        )
    records = [*also_audit, audit.Pending(actor, "case.opened", f"case:{case_id}", opened)]
    _newest, insert_audit, _lock = audit.chain_statements()
    batch.add(insert_audit, audit.chained_rows(newest, records))
    batch.run(conn)
    enqueue_event(
        session,
        org_id,
        OPENED_EVENT,
        {
            "case_id": case_id,
            "labels": labels,
            "priority": priority,
            "source": source,
            "content_id": subject.content_id,
            "user_id": subject.user_id,
            "conversation_id": subject.conversation_id,
        },
        webhooks=state.webhooks,
    )
    session.flush()
    return IntakeResult(case_id, opened=True)
