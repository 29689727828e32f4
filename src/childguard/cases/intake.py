"""Opening cases from detections, or adding to the open case of the same subject.

A matched file (``add_media``) or a conversation at or above the organisation's review threshold
(``add_conversation``) joins the active (``open`` or ``in_review``) case that shares its content
hash, its conversation or its user; otherwise it opens a new case. One detection never makes two
cases: intake is serialised per organisation (SQLite's write lock; a PostgreSQL advisory lock),
and a request repeated with the same ``Idempotency-Key`` returns the first request's case and
changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert, or_, select, text
from sqlalchemy.orm import Session

from childguard import audit, evidence
from childguard.audit import Actor
from childguard.cases import media_intake
from childguard.cases.history import record
from childguard.cases.intake_types import (
    EVIDENCE_KEPT,
    EVIDENCE_OFF,
    INTAKE_LOCK,
    IntakeResult,
    MediaIn,
    Subject,
    subject_keys,
)
from childguard.cases.labels import ACTIVE, CSAM, PRIORITY, Source, Status, priority_of
from childguard.cases.org_settings import get_settings
from childguard.cases.routing import CaseFacts, route
from childguard.config import Settings
from childguard.errors import InvalidInput
from childguard.exchange.accounts import match_entities
from childguard.media.matcher import Match
from childguard.media.signals.base import HashResult
from childguard.store.models import (
    Case,
    CaseConversation,
    CaseMedia,
    CaseSubject,
    IdempotencyKey,
    utcnow,
)
from childguard.webhooks.outbox import enqueue_event

__all__ = [
    "EVIDENCE_KEPT",
    "EVIDENCE_OFF",
    "MAX_ID_CHARS",
    "IntakeResult",
    "MediaIn",
    "Subject",
    "add_conversation",
    "add_media",
    "case_facts",
    "conversation_labels",
    "make_subject",
    "media_from_scan",
    "validate_idempotency_key",
]

#: Longest platform identifier or idempotency key accepted.
MAX_ID_CHARS = 200


def make_subject(
    content_id: object = None,
    user_id: object = None,
    conversation_id: object = None,
    user_report: object = False,
) -> Subject:
    """Validate the optional identifiers of a request; ``InvalidInput`` names a bad one."""
    values: dict[str, str | None] = {}
    for name, value in (
        ("content_id", content_id),
        ("user_id", user_id),
        ("conversation_id", conversation_id),
    ):
        if value is None or value == "":
            values[name] = None
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InvalidInput(f"{name} must be a string")
        value = value.strip()
        if len(value) > MAX_ID_CHARS:
            raise InvalidInput(f"{name} is longer than {MAX_ID_CHARS} characters")
        values[name] = value or None
    report = user_report
    if isinstance(report, str):
        if report.lower() not in ("true", "false", "1", "0", ""):
            raise InvalidInput("user_report must be true or false")
        report = report.lower() in ("true", "1")
    if not isinstance(report, bool):
        raise InvalidInput("user_report must be true or false")
    return Subject(values["content_id"], values["user_id"], values["conversation_id"], report)


def validate_idempotency_key(key: str | None) -> str | None:
    """A stripped ``Idempotency-Key`` or None; ``InvalidInput`` when it is too long."""
    if key is None or not key.strip():
        return None
    key = key.strip()
    if len(key) > MAX_ID_CHARS:
        raise InvalidInput(f"the Idempotency-Key header is longer than {MAX_ID_CHARS} characters")
    return key


def media_from_scan(
    filename: str | None,
    mime: str,
    size: int,
    signals: Mapping[str, HashResult],
    matches: Sequence[Match],
    data: bytes | None = None,
) -> MediaIn | None:
    """The case item of a scan, or None when nothing matched that opens a case.

    Only matches in banks that are not allow banks, and not suppressed by one, open cases.
    """
    hits = [m for m in matches if not m.allow and not m.suppressed]
    if not hits:
        return None
    sha = signals.get("sha256")
    sha256 = sha.value if sha is not None else hashlib.sha256(data or b"").hexdigest()
    md5 = signals.get("md5")
    pdq = signals.get("pdq")
    return MediaIn(
        sha256=sha256,
        md5=md5.value if md5 is not None else "",
        pdq=pdq.value if pdq is not None and pdq.usable else "",
        filename=(filename or "")[:255],
        mime=mime[:100],
        size=size,
        signals={name: r.to_public() for name, r in signals.items()},
        matches=[
            {
                "bank": m.bank,
                "entry_id": m.entry_id,
                "signal_type": m.signal_type,
                "distance": m.distance,
                "transform": m.transform,
                "classification": m.provenance.get("classification", ""),
                "provenance": m.provenance,
            }
            for m in hits
        ],
    )


def _lock(session: Session, org_id: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": INTAKE_LOCK, "b": org_id}
        )


def _replayed(session: Session, org_id: int, key: str | None) -> IntakeResult | None:
    if key is None:
        return None
    row = session.get(IdempotencyKey, (org_id, key))
    if row is None or row.case_id is None:
        return None
    return IntakeResult(row.case_id, replayed=True)


def _find_active(session: Session, org_id: int, keys: Sequence[tuple[str, str]]) -> Case | None:
    if not keys:
        return None
    conditions = [(CaseSubject.kind == kind) & (CaseSubject.value == value) for kind, value in keys]
    return session.scalar(
        select(Case)
        .join(CaseSubject, CaseSubject.case_id == Case.id)
        .where(CaseSubject.org_id == org_id, or_(*conditions), Case.status.in_(ACTIVE))
        .order_by(Case.id)
        .limit(1)
    )


def _attach_keys(
    session: Session, case: Case, keys: Sequence[tuple[str, str]], *, new: bool = False
) -> None:
    known: set[tuple[str, str]] = set()
    if not new:
        known = {
            (k, v)
            for k, v in session.execute(
                select(CaseSubject.kind, CaseSubject.value).where(CaseSubject.case_id == case.id)
            )
        }
    rows = [
        {"case_id": case.id, "org_id": case.org_id, "kind": k, "value": v}
        for k, v in keys
        if (k, v) not in known
    ]
    if rows:
        session.execute(insert(CaseSubject), rows)


def case_facts(session: Session, case: Case) -> CaseFacts:
    """What routing needs to know about ``case``, from its labels and items."""
    labels = set(json.loads(case.labels))
    banks: set[str] = set()
    classes: set[str] = set()
    for (raw,) in session.execute(select(CaseMedia.matches).where(CaseMedia.case_id == case.id)):
        for m in json.loads(raw):
            banks.add(str(m.get("bank", "")))
            if m.get("classification"):
                classes.add(str(m["classification"]))
    languages: set[str] = set()
    for (raw,) in session.execute(
        select(CaseConversation.languages).where(CaseConversation.case_id == case.id)
    ):
        languages.update(str(x) for x in json.loads(raw))
    return CaseFacts(
        frozenset(labels), frozenset(banks), frozenset(classes), frozenset(languages), case.priority
    )


def _open_case(
    session: Session,
    org_id: int,
    subject: Subject,
    source: Source,
    labels: set[str],
    item: CaseFacts,
) -> Case:
    """A new case with ``labels``, routed by the facts of its first ``item``."""
    now = utcnow()
    priority = priority_of(labels)
    facts = CaseFacts(frozenset(labels), item.banks, item.classifications, item.languages, priority)
    case = Case(
        org_id=org_id,
        status=Status.OPEN.value,
        priority=priority,
        labels=json.dumps(sorted(labels)),
        source=Source.USER_REPORT.value if subject.user_report else source.value,
        queue_id=route(session, org_id, facts),
        content_id=subject.content_id,
        user_id=subject.user_id,
        conversation_id=subject.conversation_id,
        opened_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    return case


def _merge_labels(session: Session, case: Case, labels: set[str]) -> bool:
    """Add ``labels`` to ``case``, update its priority and route it again while it waits."""
    current = set(json.loads(case.labels))
    merged = current | labels
    if merged == current and case.queue_id is not None:
        return False
    case.labels = json.dumps(sorted(merged))
    case.priority = priority_of(merged)
    if case.status == Status.OPEN.value or case.queue_id is None:
        session.flush()
        case.queue_id = route(session, case.org_id, case_facts(session, case))
    return True


def _finish(
    session: Session,
    case: Case,
    actor: Actor,
    opened: bool,
    key: str | None,
    subject: Subject,
) -> IntakeResult:
    if opened:
        record(
            session,
            case,
            actor,
            "opened",
            {"source": case.source, "labels": json.loads(case.labels), "priority": case.priority},
            touch=False,
        )
        enqueue_event(
            session,
            case.org_id,
            "case.opened",
            {
                "case_id": case.id,
                "labels": json.loads(case.labels),
                "priority": case.priority,
                "source": case.source,
                "content_id": subject.content_id,
                "user_id": subject.user_id,
                "conversation_id": subject.conversation_id,
            },
        )
    if key is not None:
        session.add(IdempotencyKey(org_id=case.org_id, key=key, case_id=case.id))
    session.flush()
    return IntakeResult(case.id, opened=opened)


def add_media(
    session: Session,
    settings: Settings,
    org_id: int,
    actor: Actor,
    subject: Subject,
    item: MediaIn,
    load_bytes: Callable[[], bytes] | None = None,
    idempotency_key: str | None = None,
    also_audit: Sequence[audit.Pending] = (),
) -> IntakeResult | None:
    """Put a matched file in a case; None when the organisation does not open cases.

    ``load_bytes`` gives the original bytes to the evidence store when the file is new to the
    case (the store keeps them only where the organisation opted in); the item records whether
    they were kept and, when not, why. ``also_audit`` (the scan's own ``scan.match`` record)
    is appended to the audit log with intake's records, whatever intake does. A file whose
    subject has no active case takes the lean path of ``media_intake``.
    """
    state = media_intake.read_state(session, org_id, subject, item.sha256, idempotency_key)
    if not state.open_cases or state.replayed_case is not None:
        media_intake.write_audit(session, state.newest_audit, also_audit)
        if state.replayed_case is None:
            return None
        return IntakeResult(state.replayed_case, replayed=True)
    if state.active_case is None:
        return media_intake.open_media_case(
            session,
            settings,
            state,
            org_id,
            actor,
            subject,
            item,
            load_bytes,
            idempotency_key,
            also_audit,
        )
    media_intake.write_audit(session, state.newest_audit, also_audit)
    case = session.get(Case, state.active_case, populate_existing=True)
    assert case is not None  # found under the intake lock
    keys = subject_keys(subject, item.sha256)
    classes = {str(m["classification"]) for m in item.matches if m.get("classification")}
    labels = {CSAM} | classes
    opened = False
    _attach_keys(session, case, keys, new=opened)
    existing = None
    if not opened:
        existing = session.scalar(
            select(CaseMedia).where(CaseMedia.case_id == case.id, CaseMedia.sha256 == item.sha256)
        )
    if existing is None:
        kept = False
        if load_bytes is not None:
            kept = evidence.keep_media(
                session,
                settings,
                org_id,
                load_bytes(),
                sha256=item.sha256,
                case_id=case.id,
                filename=item.filename,
                mime=item.mime,
                actor=actor,
            )
        media = CaseMedia(
            case_id=case.id,
            sha256=item.sha256,
            md5=item.md5,
            pdq=item.pdq,
            filename=item.filename,
            mime=item.mime,
            size=item.size,
            content_id=subject.content_id,
            user_id=subject.user_id,
            matches=json.dumps(item.matches, default=str),
            signals=json.dumps(item.signals, default=str),
            evidence_kept=kept,
            evidence_note=EVIDENCE_KEPT if kept else EVIDENCE_OFF,
            added_at=utcnow(),
        )
        session.add(media)
        session.flush()
        _merge_labels(session, case, labels)
        if not opened:
            record(
                session,
                case,
                actor,
                "media_added",
                {"media_id": media.id, "matches": len(item.matches)},
            )
    else:
        _merge_labels(session, case, labels)
    return _finish(session, case, actor, opened, idempotency_key, subject)


def conversation_labels(result: Mapping[str, Any], threshold: float) -> set[str]:
    """The labels of a conversation analysis at or above ``threshold``, plus those flagged."""
    risk = result.get("risk") or {}
    labels = {str(label) for label, p in risk.items() if float(p) >= threshold}
    return labels | {str(label) for label in result.get("flagged") or []}


def add_conversation(
    session: Session,
    org_id: int,
    actor: Actor,
    subject: Subject,
    result: Mapping[str, Any],
    messages: Sequence[Any],
    idempotency_key: str | None = None,
) -> IntakeResult | None:
    """Put an analysed conversation in a case when its risk reaches the review threshold.

    ``result`` is ``analyze_conversation``'s output, ``messages`` the messages as sent (their
    ``id``, sender, text and time are kept for review and reports). None when the risk is below
    the organisation's threshold or it does not open cases. A conversation already in the case
    is replaced by its newest analysis.
    """
    settings = get_settings(session, org_id)
    labels = conversation_labels(result, settings.review_threshold)
    if not settings.open_cases or not labels:
        return None
    _lock(session, org_id)
    replay = _replayed(session, org_id, idempotency_key)
    if replay is not None:
        return replay
    conversation_id = subject.conversation_id or (
        str(result["id"]) if result.get("id") is not None else None
    )
    subject = Subject(subject.content_id, subject.user_id, conversation_id, subject.user_report)
    keys = subject_keys(subject)
    case = _find_active(session, org_id, keys)
    opened = case is None
    if case is None:
        languages = frozenset(str(x) for x in result.get("message_languages") or [])
        case = _open_case(
            session, org_id, subject, Source.CLASSIFIER, labels, CaseFacts(languages=languages)
        )
    _attach_keys(session, case, keys, new=opened)
    row = None
    if conversation_id is not None and not opened:
        row = session.scalar(
            select(CaseConversation).where(
                CaseConversation.case_id == case.id,
                CaseConversation.conversation_id == conversation_id,
            )
        )
    if row is None:
        row = CaseConversation(case_id=case.id, conversation_id=conversation_id)
        session.add(row)
    row.user_id = subject.user_id
    row.languages = json.dumps(sorted(set(result.get("message_languages") or [])))
    row.risk = json.dumps(result.get("risk") or {})
    row.flagged = json.dumps(list(result.get("flagged") or []))
    row.messages = json.dumps(
        [
            {
                "id": m.get("id", i) if isinstance(m, Mapping) else i,
                "sender": m.get("sender", "") if isinstance(m, Mapping) else "",
                "text": m.get("text", "") if isinstance(m, Mapping) else str(m),
                "ts": m.get("ts") if isinstance(m, Mapping) else None,
            }
            for i, m in enumerate(messages)
        ],
        default=str,
    )
    row.findings = json.dumps(result.get("findings") or [], default=str)
    row.entities = json.dumps(result.get("entities") or [], default=str)
    row.added_at = utcnow()
    session.flush()
    hits = match_entities(session, org_id, result.get("entities") or [])
    for hit in hits:
        record(session, case, actor, "account_signal_matched", hit.to_public())
    labels |= {hit.category for hit in hits if hit.category in PRIORITY}
    _merge_labels(session, case, labels)
    if not opened:
        record(
            session,
            case,
            actor,
            "conversation_added",
            {"conversation_item": row.id, "labels": sorted(labels)},
        )
    return _finish(session, case, actor, opened, idempotency_key, subject)
