"""SQLAlchemy 2 models. Migrations in ``migrations/versions`` must match these (a test checks)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Timezone-aware now, the only clock the models use."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC before storing."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to naive values read back."""
        if value is None:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Org(Base):
    """An organisation using the deployment (a platform, the hotline, the regulator)."""

    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ApiKey(Base):
    """An API key: only a SHA-256 of the secret is stored; ``prefix`` identifies it in lists."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Bank(Base):
    """A named hash list. ``is_allow`` banks hold known false positives that suppress matches.

    Names are unique within the owning organisation.
    """

    __tablename__ = "banks"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_bank_org_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_allow: Mapped[bool] = mapped_column(Boolean, default=False)
    pdq_threshold: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    entries: Mapped[list[BankEntry]] = relationship(
        back_populates="bank", cascade="all, delete-orphan", passive_deletes=True
    )


class BankEntry(Base):
    """One hash in a bank with its provenance.

    ``value_digest`` is the SHA-256 of ``signal_type:value`` (vPDQ values can be long).
    """

    __tablename__ = "bank_entries"
    __table_args__ = (
        # value_digest covers the signal type too, so this one index also serves the
        # "is this hash already in the bank" look-ups of every import.
        UniqueConstraint("bank_id", "value_digest", name="uq_entry_value"),
        Index("ix_entry_signal", "signal_type", "enabled"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    signal_type: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    value_digest: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(200), default="")
    external_id: Mapped[str] = mapped_column(String(200), default="")
    classification: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    #: Groups the entries made from one piece of content (HMA's ``bank_content_id``); None means
    #: the entry is its own content.
    content_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    #: Reviewers' ``NOT_VIOLATING`` decisions on cases this entry matched.
    false_positives: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    bank: Mapped[Bank] = relationship(back_populates="entries")


class BankShare(Base):
    """Read-only access to a bank for another organisation."""

    __tablename__ = "bank_shares"

    bank_id: Mapped[int] = mapped_column(
        ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)


class IndexChange(Base):
    """Append-only feed of bank changes; every server applies new rows to its in-memory index.

    ``op``: ``add`` (the bank's entries with ids in ``[entry_id, entry_id_end]``), ``remove``
    (entry ``entry_id``), ``bank`` (settings or visibility) or ``reload`` (all its entries).
    """

    __tablename__ = "index_changes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op: Mapped[str] = mapped_column(String(8))
    bank_id: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entry_id_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AuditRecord(Base):
    """One hash-chained audit record: who did what to which object, never content."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    org_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


# --- Cases: review work made from detections (childguard.cases) -------------------------------


class CaseSettings(Base):
    """An organisation's case settings; an organisation without a row uses the defaults."""

    __tablename__ = "case_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    #: A conversation whose highest label probability reaches this opens a case.
    review_threshold: Mapped[float] = mapped_column(Float, default=0.5)
    #: Whether decisions that report or add to a shared bank need a second reviewer.
    four_eyes: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Whether detections open cases at all.
    open_cases: Mapped[bool] = mapped_column(Boolean, default=True)
    lease_seconds: Mapped[int] = mapped_column(Integer, default=900)


class CaseQueue(Base):
    """A named review queue of one organisation."""

    __tablename__ = "case_queues"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_case_queue_org_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class RoutingRule(Base):
    """One ordered routing rule: a case matching every condition given goes to ``queue_id``."""

    __tablename__ = "case_routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    queue_id: Mapped[int] = mapped_column(ForeignKey("case_queues.id", ondelete="CASCADE"))
    label: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bank: Mapped[str | None] = mapped_column(String(64), nullable=True)
    classification: Mapped[str | None] = mapped_column(String(64), nullable=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    min_priority: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CasePolicy(Base):
    """A policy reviewers decide under (the organisation's list; defaults seeded on first use)."""

    __tablename__ = "case_policies"
    __table_args__ = (UniqueConstraint("org_id", "name", name="uq_case_policy_org_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Case(Base):
    """Review work about one subject (a file, a conversation or a user) of one organisation.

    ``labels`` is a JSON list; ``source`` says how it was found (``match``, ``classifier`` or
    ``user_report``). The timestamps feed the statistics (time to claim, to decision).
    """

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_case_org_status_id", "org_id", "status", "id"),
        # ``next``: the top priority of a queue, then its oldest cases (see cases.workflow).
        Index("ix_case_queue_order", "org_id", "queue_id", "status", "priority", "opened_at", "id"),
        Index("ix_case_lease", "org_id", "status", "lease_expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    labels: Mapped[str] = mapped_column(Text, default="[]")
    source: Mapped[str] = mapped_column(String(16), default="match")
    queue_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_queues.id", ondelete="SET NULL"), nullable=True
    )
    content_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    conversation_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    holder: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    first_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CaseSubject(Base):
    """A key that finds a case's open case again: a content hash, a conversation or a user."""

    __tablename__ = "case_subjects"
    __table_args__ = (Index("ix_case_subject_lookup", "org_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))


class CaseMedia(Base):
    """A file in a case: hashes and match details (never the bytes, which only evidence keeps)."""

    __tablename__ = "case_media"
    __table_args__ = (UniqueConstraint("case_id", "sha256", name="uq_case_media_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    md5: Mapped[str] = mapped_column(String(32), default="")
    pdq: Mapped[str] = mapped_column(String(64), default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    mime: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    content_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: JSON list of matches (bank, entry id, signal type, distance, transform, provenance).
    matches: Mapped[str] = mapped_column(Text, default="[]")
    signals: Mapped[str] = mapped_column(Text, default="{}")
    evidence_kept: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence_note: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CaseConversation(Base):
    """A conversation analysis in a case: messages, findings with explanations, entities."""

    __tablename__ = "case_conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    languages: Mapped[str] = mapped_column(Text, default="[]")
    risk: Mapped[str] = mapped_column(Text, default="{}")
    flagged: Mapped[str] = mapped_column(Text, default="[]")
    messages: Mapped[str] = mapped_column(Text, default="[]")
    findings: Mapped[str] = mapped_column(Text, default="[]")
    entities: Mapped[str] = mapped_column(Text, default="[]")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CaseEvent(Base):
    """One entry of a case's history (each also audited in the hash-chained log)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text, default="{}")


class CaseDecision(Base):
    """A reviewer's decision: ``pending`` (awaiting a second reviewer), ``effective`` or
    ``overturned`` (by an appeal)."""

    __tablename__ = "case_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    policy: Mapped[str] = mapped_column(String(64))
    actions: Mapped[str] = mapped_column(Text, default="[]")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(200))
    confirmed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    effective_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class CaseAppeal(Base):
    """A platform's appeal of a decision, decided by a reviewer other than the decision's."""

    __tablename__ = "case_appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("case_decisions.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    appellant: Mapped[str] = mapped_column(String(200))
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class IdempotencyKey(Base):
    """A client's ``Idempotency-Key`` and the case its first request opened or added to."""

    __tablename__ = "idempotency_keys"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
