"""SQLAlchemy 2 models. Migrations in ``migrations/versions`` must match these (a test checks)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

#: Largest id a row can have: ids are ``INTEGER`` columns, signed 32-bit on PostgreSQL (SQLite
#: allows 64 bits, but a deployment must be able to move to PostgreSQL).
MAX_ID = 2**31 - 1


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
    __table_args__ = (
        UniqueConstraint("org_id", "name", name="uq_bank_org_name"),
        # ids are never reused after a delete: the audit log names banks by id
        {"sqlite_autoincrement": True},
    )

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
        # It also serves every query by bank (and the foreign key's cascade): the bank has no
        # index of its own, so that each new entry writes one index entry less.
        UniqueConstraint("bank_id", "value_digest", name="uq_entry_value"),
        # Most entries are their own content (NULL): only the others need finding by it.
        Index(
            "ix_bank_entries_content_id",
            "content_id",
            sqlite_where=text("content_id IS NOT NULL"),
            postgresql_where=text("content_id IS NOT NULL"),
        ),
        {"sqlite_autoincrement": True},  # entry ids are audited and fed to indexes: never reused
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
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
    content_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
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

    # Reveals, evidence reads (a report's ``fileViewedByEsp``) and a case's chain of custody are
    # looked up by target: without it every thumbnail and every report walked the whole log.
    __table_args__ = (Index("ix_audit_target_action", "target", "action"),)


class EvidenceOrgSetting(Base):
    """An organisation's opt-in to the evidence store.

    No row means off, unless ``CHILDGUARD_EVIDENCE_ENABLED`` turns evidence on for everyone.
    """

    __tablename__ = "evidence_org_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class EvidenceKey(Base):
    """An organisation's AES-256 data key, stored only wrapped (AES-GCM) by a master key.

    ``master_key_id`` is the fingerprint of the master key that wrapped it; the organisation's
    active key is its newest one with ``retired_at`` unset.
    """

    __tablename__ = "evidence_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class EvidenceItem(Base):
    """Metadata of one kept media item; its encrypted bytes live in the evidence directory.

    A deleted item stays as a tombstone (``deleted_at``, ``deleted_by``, ``delete_reason``) with
    its hash, size and case, and without its file name.
    """

    __tablename__ = "evidence_items"
    __table_args__ = (
        Index("ix_evidence_org_sha256", "org_id", "sha256"),
        Index("ix_evidence_org_case", "org_id", "case_id"),
        Index("ix_evidence_expiry", "deleted_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(100), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    key_id: Mapped[int] = mapped_column(ForeignKey("evidence_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_reason: Mapped[str] = mapped_column(Text, default="")
    held_by: Mapped[str] = mapped_column(String(200), default="")
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    deleted_by: Mapped[str] = mapped_column(String(200), default="")
    delete_reason: Mapped[str] = mapped_column(Text, default="")


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
        # Only claimed cases carry a lease: a new case (written on a matched scan's hot path)
        # does not enter this index.
        Index(
            "ix_case_lease",
            "org_id",
            "status",
            "lease_expires_at",
            sqlite_where=text("lease_expires_at IS NOT NULL"),
            postgresql_where=text("lease_expires_at IS NOT NULL"),
        ),
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
    # The unique (case_id, sha256) index also serves look-ups by case_id.
    __table_args__ = (UniqueConstraint("case_id", "sha256", name="uq_case_media_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
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


# -- exchange: signing keys, feeds, subscriptions, feedback, account signals ---------------------


class OrgKey(Base):
    """An organisation's Ed25519 signing key; the private half is in a key file (``orgkeys``).

    ``since_seq``: the key signs feed changes after this position (rotation point).
    """

    __tablename__ = "org_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    since_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Feed(Base):
    """A published feed: a bank's changes (``kind`` ``bank``) or a sharing group's account
    signals (``kind`` ``signals``). ``index_seq``: the last ``index_changes`` row turned into
    feed changes."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="bank")
    bank_id: Mapped[int | None] = mapped_column(
        ForeignKey("banks.id", ondelete="CASCADE"), nullable=True, index=True
    )
    group_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    index_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class FeedChange(Base):
    """One change of a feed, in order: ``add``, ``remove`` or ``rotate`` (a new signing key).

    ``entry_id`` is the publisher's entry (or account signal) id; ``value`` the hash, the
    HMAC digest, or the new public key for ``rotate``.
    """

    __tablename__ = "feed_changes"
    __table_args__ = (Index("ix_feed_change_feed_seq", "feed_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    op: Mapped[str] = mapped_column(String(8))
    entry_id: Mapped[int] = mapped_column(Integer, default=0)
    signal_type: Mapped[str] = mapped_column(String(32), default="")
    value: Mapped[str] = mapped_column(Text, default="")
    classification: Mapped[str] = mapped_column(String(64), default="")
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class FeedGrant(Base):
    """A subscribing organisation allowed to read a feed (with any of its API keys)."""

    __tablename__ = "feed_grants"

    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)


class FeedFeedback(Base):
    """A subscriber's verdict on one entry of a feed; ``event_id`` makes delivery idempotent."""

    __tablename__ = "feed_feedback"
    __table_args__ = (Index("ix_feed_feedback_entry", "feed_id", "entry_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Subscription(Base):
    """This organisation's subscription to a feed elsewhere: pinned key, checkpoint, health."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("org_id", "url", name="uq_subscription_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    token: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default="bank")
    bank_id: Mapped[int | None] = mapped_column(
        ForeignKey("banks.id", ondelete="CASCADE"), nullable=True
    )
    group_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    publisher: Mapped[str] = mapped_column(String(64), default="")
    public_key: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="new")
    last_error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    pages_applied: Mapped[int] = mapped_column(Integer, default=0)
    pages_refused: Mapped[int] = mapped_column(Integer, default=0)
    received: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SubscriptionEntry(Base):
    """Which local record a subscribed entry became (the publisher's id -> ours)."""

    __tablename__ = "subscription_entries"
    __table_args__ = (Index("ix_subscription_entry_local", "local_id"),)

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    origin_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_id: Mapped[int] = mapped_column(Integer)


class FeedbackOutbox(Base):
    """Feedback waiting to be sent to a publisher (written with the decision that caused it)."""

    __tablename__ = "feedback_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    origin_id: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class SharingGroup(Base):
    """A group of organisations sharing account signals under one HMAC key (``key_hex``)."""

    __tablename__ = "sharing_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hex: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SharingGroupMember(Base):
    """A local organisation taking part in a sharing group."""

    __tablename__ = "sharing_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_groups.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)


class SharedCategory(Base):
    """An admin's choice: this organisation shares signals of ``category`` with the group."""

    __tablename__ = "shared_categories"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_groups.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(32), primary_key=True)


class AccountSignal(Base):
    """A keyed hash of an offender's identifier shared in a group, never the identifier itself.

    Shared here (``origin_org_id`` set) or received from a member (``subscription_id`` set).
    """

    __tablename__ = "account_signals"
    __table_args__ = (Index("ix_account_signal_digest", "group_id", "digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("sharing_groups.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    sharing_org: Mapped[str] = mapped_column(String(64))
    origin_org_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    subscription_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    origin_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Webhook(Base):
    """An organisation's endpoint told about the event types it subscribed to.

    ``events`` is a comma-separated list of event types. ``secret`` signs every delivery; it is
    kept as is because signing needs it, shown once at creation and never logged.
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OutboxMessage(Base):
    """One message for one destination in another system, written in the causing transaction.

    ``kind`` names the consumer that delivers it (``webhook``) and ``destination_id`` the
    consumer's target (a webhook id). ``message_id`` is the id the receiver deduplicates on (a
    webhook event's ``id``, shared by every webhook the event fans out to); ``payload`` is the
    exact body sent. ``status``: ``pending`` → ``delivered``, or ``dead`` once retries are
    exhausted (redelivery makes it ``pending`` again), or ``cancelled`` when the destination
    is gone. A worker owns a claimed message until ``lease_until``.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_destination", "kind", "destination_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    org_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    destination_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message_id: Mapped[str] = mapped_column(String(64), index=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    retry_from: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")


class OutboxAttempt(Base):
    """The delivery log: one row per attempt (status code, duration, error; never the body)."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(String(300), default="")
    worker: Mapped[str] = mapped_column(String(64), default="")


class BankEntryCount(Base):
    """Entries per bank, signal type and enabled flag, kept by database triggers.

    Triggers on ``bank_entries`` (migration ``0005_security``) update these counters in the same
    statement as every insert, update and delete, whichever code path made it, so listing banks
    reads a handful of rows instead of counting millions of entries.
    """

    __tablename__ = "bank_entry_counts"

    bank_id: Mapped[int] = mapped_column(
        ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True
    )
    signal_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


class RateCounter(Base):
    """Requests counted in one fixed window for one bucket (a client address, an API key).

    Shared by every server on the same database; updated with an atomic upsert.
    """

    __tablename__ = "rate_counters"

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class Report(Base):
    """One filing of a decided case to a sink (``ncmec``, ``kh_referral``), with its state.

    ``status``: ``queued`` -> ``sending`` -> ``finished``, or ``error`` (refused: waits for a
    person), ``retracted``. ``generation`` counts fresh starts after the remote side expired an
    unfinished report; ``remote_id`` is the sink's id for the current generation. A worker holds a
    report while it sends (``holder``/``lease_until``), so two workers never send the same one.
    """

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_report_due", "status", "next_attempt_at"),
        Index("ix_report_case", "case_id", "sink"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    decision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sink: Mapped[str] = mapped_column(String(32))
    #: The organisation that receives the report and may read it (a hotline), if local.
    recipient_org_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    generation: Mapped[int] = mapped_column(Integer, default=0)
    remote_id: Mapped[str] = mapped_column(String(64), default="")
    remote_opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    remote_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    holder: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    error_code: Mapped[str] = mapped_column(String(32), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    package_sha256: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    retracted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ReportStep(Base):
    """One completed (or failed) step of a report: what was sent, the sink's ids and answer.

    A ``done`` step of the report's current ``generation`` is never sent again; ``item`` names the
    case media item (its SHA-256) of per-file steps.
    """

    __tablename__ = "report_steps"
    __table_args__ = (Index("ix_report_step_report", "report_id", "generation", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str] = mapped_column(String(16))
    item: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="done")
    remote_id: Mapped[str] = mapped_column(String(64), default="")
    request_id: Mapped[str] = mapped_column(String(100), default="")
    response_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class User(Base):
    """A person who signs in to the console: an organisation, a role and an argon2id password.

    ``totp_secret`` is set when a second factor is on; ``failed_logins`` and ``locked_until``
    lock the account after repeated failures; the rendering fields only strengthen the
    organisation's wellness defaults.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    locale: Mapped[str] = mapped_column(String(8), default="")
    blur_level: Mapped[int] = mapped_column(Integer, default=0)
    greyscale: Mapped[bool] = mapped_column(Boolean, default=False)
    drawing: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class WebSession(Base):
    """A signed-in browser: only a SHA-256 of the cookie's token is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class WellnessSettings(Base):
    """An organisation's wellness defaults and daily limits (absent: the safe defaults)."""

    __tablename__ = "wellness_settings"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    blur_level: Mapped[int] = mapped_column(Integer, default=3)
    greyscale: Mapped[bool] = mapped_column(Boolean, default=True)
    drawing: Mapped[bool] = mapped_column(Boolean, default=False)
    soft_limit_reveals: Mapped[int] = mapped_column(Integer, default=40)
    hard_limit_reveals: Mapped[int] = mapped_column(Integer, default=80)
    soft_limit_minutes: Mapped[int] = mapped_column(Integer, default=120)
    hard_limit_minutes: Mapped[int] = mapped_column(Integer, default=240)


class WellnessDay(Base):
    """One reviewer's day: items revealed, seconds in review, and an admin's override if any."""

    __tablename__ = "wellness_days"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_wellness_user_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[str] = mapped_column(String(10))
    reveals: Mapped[int] = mapped_column(Integer, default=0)
    review_seconds: Mapped[int] = mapped_column(Integer, default=0)
    override_by: Mapped[str] = mapped_column(String(200), default="")


class StatsPin(Base):
    """On the ministry's instance: the Ed25519 key fingerprint a submitting organisation signs with.

    Pinned by an admin after comparing the fingerprint with the platform out of band.
    """

    __tablename__ = "stats_pins"

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    pinned_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class StatsSubmission(Base):
    """A signed submission received by the ministry: monthly counts or a policy assessment.

    One per organisation, kind and period; a second replaces the first (``replaced`` counts how
    often, each replacement audited). ``payload`` holds counts or scores only.
    """

    __tablename__ = "stats_submissions"
    __table_args__ = (
        UniqueConstraint("org_id", "kind", "period", name="uq_stats_submission_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(7))
    payload: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    replaced: Mapped[int] = mapped_column(Integer, default=0)


class PolicyAssessment(Base):
    """A company's self-assessment against the child-protection checklist (scores, no free text
    beyond the company's own notes, which never reach the regulator)."""

    __tablename__ = "policy_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    company_type: Mapped[str] = mapped_column(String(16))
    checklist_version: Mapped[str] = mapped_column(String(32))
    answers: Mapped[str] = mapped_column(Text)
    scores: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
