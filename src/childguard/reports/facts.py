"""What a report says, gathered once from a decided case: media, conversations, who decided.

``require_reportable`` is the gate every filing passes: a case needs an effective decision (a
four-eyes decision only once confirmed) that records a violation. ``gather`` reads the case into
plain data the sinks turn into XML or a referral package; it reads no media bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.cases.labels import CSAM_CLASSES, NO_ACTION_POLICIES
from childguard.cases.workflow import get_case
from childguard.errors import Conflict
from childguard.store.models import (
    AuditRecord,
    Case,
    CaseConversation,
    CaseDecision,
    CaseMedia,
    EvidenceItem,
    Org,
)

#: Purposes of an evidence read that mean a person looked at the file itself.
FILE_VIEW_PURPOSES = frozenset({"review", "reveal"})
#: Purposes that mean a person looked at the file's metadata (EXIF).
EXIF_VIEW_PURPOSES = frozenset({"exif", "metadata"})


@dataclass(frozen=True)
class MediaFact:
    """One file of the case as a report describes it."""

    sha256: str
    md5: str
    filename: str
    mime: str
    size: int
    classification: str
    matches: list[dict[str, Any]]
    evidence_id: int | None
    viewed: bool
    exif_viewed: bool
    added_at: datetime


@dataclass(frozen=True)
class ConversationFact:
    """One analysed conversation of the case."""

    conversation_id: str | None
    user_id: str | None
    messages: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    languages: list[str]
    risk: dict[str, Any]
    added_at: datetime


@dataclass(frozen=True)
class CaseReportFacts:
    """A decided case, as every sink needs it."""

    case_id: int
    org_id: int
    org_name: str
    org_display_name: str
    labels: list[str]
    source: str
    policy: str
    decision_id: int
    decided_by: str
    confirmed_by: str | None
    decided_at: datetime | None
    opened_at: datetime
    user_id: str | None
    content_id: str | None
    conversation_id: str | None
    media: list[MediaFact] = field(default_factory=list)
    conversations: list[ConversationFact] = field(default_factory=list)

    @property
    def incident_at(self) -> datetime:
        """When the incident was seen first: the earliest item, else the case's opening."""
        times = [m.added_at for m in self.media] + [c.added_at for c in self.conversations]
        return min([self.opened_at, *times])


def e164(value: str, region: str = "KH") -> str:
    """A phone number in E.164 (``+85512345678``); national numbers are read as ``region``'s.

    A value that is not a possible number comes back as it was.
    """
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def effective_decision(session: Session, case: Case) -> CaseDecision:
    """The case's latest decision in effect, or ``Conflict`` saying why there is none."""
    latest = session.scalar(
        select(CaseDecision)
        .where(CaseDecision.case_id == case.id, CaseDecision.status != "overturned")
        .order_by(CaseDecision.id.desc())
        .limit(1)
    )
    if latest is None:
        raise Conflict(f"case {case.id} has no decision yet; decide it before reporting")
    if latest.status == "pending":
        raise Conflict(
            f"decision {latest.id} of case {case.id} awaits a second reviewer (four eyes); "
            "a report is filed once it is confirmed"
        )
    if latest.policy in NO_ACTION_POLICIES:
        raise Conflict(
            f"case {case.id} was decided {latest.policy}; only a violation can be reported"
        )
    return latest


def require_reportable(session: Session, org_id: int, case_id: int) -> CaseDecision:
    """The effective decision that lets ``case_id`` be reported (404/409 otherwise)."""
    return effective_decision(session, get_case(session, org_id, case_id))


def _views(session: Session, evidence_ids: list[int]) -> dict[int, set[str]]:
    """The purposes of the audited reads of each evidence item."""
    if not evidence_ids:
        return {}
    targets = {f"evidence:{i}": i for i in evidence_ids}
    out: dict[int, set[str]] = {i: set() for i in evidence_ids}
    rows = session.execute(
        select(AuditRecord.target, AuditRecord.details).where(
            AuditRecord.action == "evidence.read", AuditRecord.target.in_(list(targets))
        )
    )
    for target, details in rows:
        purpose = str(json.loads(details).get("purpose", ""))
        out[targets[target]].add(purpose)
    return out


def _classification(item: CaseMedia, policy: str) -> str:
    if policy in CSAM_CLASSES:
        return policy
    for match in json.loads(item.matches):
        value = str(match.get("classification") or "")
        if value in CSAM_CLASSES:
            return value
    return ""


def gather(session: Session, org_id: int, case_id: int) -> CaseReportFacts:
    """The facts of a reportable case (``require_reportable`` first)."""
    case = get_case(session, org_id, case_id)
    decision = effective_decision(session, case)
    org = session.get(Org, case.org_id)
    media_rows = list(
        session.scalars(
            select(CaseMedia).where(CaseMedia.case_id == case.id).order_by(CaseMedia.id)
        )
    )
    evidence = {
        item.sha256: item
        for item in session.scalars(
            select(EvidenceItem)
            .where(
                EvidenceItem.org_id == case.org_id,
                EvidenceItem.case_id == case.id,
                EvidenceItem.deleted_at.is_(None),
            )
            .order_by(EvidenceItem.id)
        )
    }
    views = _views(session, [e.id for e in evidence.values()])
    media: list[MediaFact] = []
    for row in media_rows:
        kept = evidence.get(row.sha256)
        purposes = views.get(kept.id, set()) if kept else set()
        media.append(
            MediaFact(
                sha256=row.sha256,
                md5=row.md5,
                filename=row.filename,
                mime=row.mime,
                size=row.size,
                classification=_classification(row, decision.policy),
                matches=json.loads(row.matches),
                evidence_id=kept.id if kept else None,
                viewed=bool(purposes & FILE_VIEW_PURPOSES),
                exif_viewed=bool(purposes & EXIF_VIEW_PURPOSES),
                added_at=row.added_at,
            )
        )
    conversations = [
        ConversationFact(
            conversation_id=c.conversation_id,
            user_id=c.user_id,
            messages=json.loads(c.messages),
            entities=json.loads(c.entities),
            languages=json.loads(c.languages),
            risk=json.loads(c.risk),
            added_at=c.added_at,
        )
        for c in session.scalars(
            select(CaseConversation)
            .where(CaseConversation.case_id == case.id)
            .order_by(CaseConversation.id)
        )
    ]
    return CaseReportFacts(
        case_id=case.id,
        org_id=case.org_id,
        org_name=org.name if org else "",
        org_display_name=(org.display_name or org.name) if org else "",
        labels=json.loads(case.labels),
        source=case.source,
        policy=decision.policy,
        decision_id=decision.id,
        decided_by=decision.decided_by,
        confirmed_by=decision.confirmed_by,
        decided_at=decision.effective_at,
        opened_at=case.opened_at,
        user_id=case.user_id,
        content_id=case.content_id,
        conversation_id=case.conversation_id,
        media=media,
        conversations=conversations,
    )
