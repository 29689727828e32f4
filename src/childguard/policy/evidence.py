"""Evidence childguard can give from its own configuration and records, item by item.

Each check returns a suggested score and the evidence named (what was found), never content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from childguard.auth import Role
from childguard.config import Settings
from childguard.stats import OUTBOX_KIND
from childguard.stats.collect import REPORT_ACTIONS
from childguard.store.models import (
    ApiKey,
    AuditRecord,
    Bank,
    BankEntry,
    Case,
    CaseAppeal,
    CaseQueue,
    OutboxMessage,
    SharingGroupMember,
    Subscription,
)


@dataclass(frozen=True)
class Evidence:
    """A suggested score (0..3) and the evidence that supports it."""

    score: int
    found: str


Check = Callable[[Session, Settings, int], Evidence]


def _count(session: Session, query: object) -> int:
    return int(session.scalar(query) or 0)  # type: ignore[call-overload]


def hash_matching(session: Session, settings: Settings, org_id: int) -> Evidence:
    """Enabled banks of the organisation with entries."""
    banks = _count(
        session,
        select(func.count(func.distinct(Bank.id)))
        .join(BankEntry, BankEntry.bank_id == Bank.id)
        .where(Bank.org_id == org_id, Bank.enabled.is_(True), Bank.is_allow.is_(False)),
    )
    if banks:
        return Evidence(3, f"hash matching on: {banks} bank(s) loaded with entries")
    return Evidence(1, "childguard installed, but no bank with entries is loaded")


def queues_staffed(session: Session, settings: Settings, org_id: int) -> Evidence:
    """Review queues and reviewer keys."""
    queues = _count(
        session, select(func.count()).select_from(CaseQueue).where(CaseQueue.org_id == org_id)
    )
    reviewers = _count(
        session,
        select(func.count())
        .select_from(ApiKey)
        .where(
            ApiKey.org_id == org_id, ApiKey.role == Role.REVIEWER.value, ApiKey.revoked_at.is_(None)
        ),
    )
    if reviewers and queues:
        return Evidence(3, f"{queues} review queue(s), {reviewers} active reviewer key(s)")
    if reviewers:
        return Evidence(2, f"{reviewers} active reviewer key(s), no named queue")
    return Evidence(0, "no active reviewer key")


def hotline_sink(session: Session, settings: Settings, org_id: int) -> Evidence:
    """Reports filed to a hotline (audit log) or a report sink configured."""
    filed = _count(
        session,
        select(func.count())
        .select_from(AuditRecord)
        .where(AuditRecord.org_id == org_id, AuditRecord.action.in_(REPORT_ACTIONS)),
    )
    configured = [
        name
        for name, value in settings.model_dump().items()
        if name.startswith(("report_", "ncmec_", "hotline_")) and value
    ]
    if filed:
        return Evidence(3, f"{filed} report(s) filed to hotlines")
    if configured:
        return Evidence(2, f"hotline sink configured ({', '.join(sorted(configured))[:120]})")
    return Evidence(0, "no hotline sink configured and no report filed")


def retention_set(session: Session, settings: Settings, org_id: int) -> Evidence:
    """Evidence retention periods."""
    days, reported = settings.evidence_retention_days, settings.evidence_reported_retention_days
    score = 3 if reported >= 365 else 2
    return Evidence(score, f"retention {days} day(s), reported material {reported} day(s)")


def text_risk(session: Session, settings: Settings, org_id: int) -> Evidence:
    """Conversations analysed (cases from the classifier)."""
    n = _count(
        session,
        select(func.count())
        .select_from(Case)
        .where(Case.org_id == org_id, Case.source == "classifier"),
    )
    if n:
        return Evidence(3, f"text-risk detection in use (km, vi, en): {n} case(s) opened by it")
    return Evidence(1, "text-risk engine (km, vi, en) available, no case opened by it yet")


def appeals(session: Session, settings: Settings, org_id: int) -> Evidence:
    """Appeals decided."""
    n = _count(
        session,
        select(func.count())
        .select_from(CaseAppeal)
        .join(Case, Case.id == CaseAppeal.case_id)
        .where(Case.org_id == org_id),
    )
    if n:
        return Evidence(3, f"appeals process in use: {n} appeal(s)")
    return Evidence(2, "appeals available in childguard (POST /v1/cases/{id}/appeals), none yet")


def review_blur(session: Session, settings: Settings, org_id: int) -> Evidence:
    """The review console's defaults."""
    return Evidence(3, "childguard's review console blurs and greyscales media by default")


def wellness_limits(session: Session, settings: Settings, org_id: int) -> Evidence:
    """Exposure limits (the console's wellness settings, when configured)."""
    configured = [
        name
        for name, value in settings.model_dump().items()
        if name.startswith(("wellness_", "exposure_")) and value
    ]
    if configured:
        return Evidence(3, f"exposure limits configured ({', '.join(sorted(configured))[:120]})")
    return Evidence(0, "no exposure limit configured")


def signal_sharing(session: Session, settings: Settings, org_id: int) -> Evidence:
    """Sharing groups joined and feeds subscribed."""
    groups = _count(
        session,
        select(func.count())
        .select_from(SharingGroupMember)
        .where(SharingGroupMember.org_id == org_id),
    )
    subs = _count(
        session, select(func.count()).select_from(Subscription).where(Subscription.org_id == org_id)
    )
    if groups or subs:
        return Evidence(3, f"{groups} sharing group(s), {subs} feed subscription(s)")
    return Evidence(0, "no sharing group or subscription")


def transparency_report(session: Session, settings: Settings, org_id: int) -> Evidence:
    """Transparency reports produced."""
    n = _count(
        session,
        select(func.count())
        .select_from(AuditRecord)
        .where(AuditRecord.org_id == org_id, AuditRecord.action == "transparency.report"),
    )
    if n:
        return Evidence(3, f"{n} transparency report(s) produced by childguard")
    return Evidence(0, "no transparency report produced (childguard transparency)")


def stats_submitted(session: Session, settings: Settings, org_id: int) -> Evidence:
    """Statistics delivered to the ministry."""
    n = _count(
        session,
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.org_id == org_id,
            OutboxMessage.kind == OUTBOX_KIND,
            OutboxMessage.status == "delivered",
            OutboxMessage.topic.like("stats.%"),
        ),
    )
    if n:
        return Evidence(3, f"{n} monthly statistics submission(s) delivered to the ministry")
    if settings.stats_ministry_url:
        return Evidence(1, "ministry URL configured, nothing delivered yet")
    return Evidence(0, "statistics not submitted (childguard stats submit)")


def audit_log(session: Session, settings: Settings, org_id: int) -> Evidence:
    """The hash-chained audit log."""
    n = _count(
        session, select(func.count()).select_from(AuditRecord).where(AuditRecord.org_id == org_id)
    )
    return Evidence(3, f"hash-chained audit log of reviews, reveals and reports: {n} record(s)")


CHECKS: dict[str, Check] = {
    "hash_matching": hash_matching,
    "queues_staffed": queues_staffed,
    "hotline_sink": hotline_sink,
    "retention_set": retention_set,
    "text_risk": text_risk,
    "appeals": appeals,
    "review_blur": review_blur,
    "wellness_limits": wellness_limits,
    "signal_sharing": signal_sharing,
    "transparency_report": transparency_report,
    "stats_submitted": stats_submitted,
    "audit_log": audit_log,
}
