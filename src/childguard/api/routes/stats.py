"""Aggregated statistics: the only thing the regulator role can read.

Counts only: no content, no hashes, no organisation-level or personal data.
"""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter
from sqlalchemy import func, select

from childguard.api.deps import CurrentRegulator, SessionDep
from childguard.store.models import AuditRecord, Bank, BankEntry, Org

router = APIRouter(prefix="/v1/stats", tags=["statistics"])


@router.get("")
def summary(session: SessionDep, principal: CurrentRegulator) -> dict[str, object]:
    """Deployment-wide totals and matched scans per month."""
    entries = {
        stype: n
        for stype, n in session.execute(
            select(BankEntry.signal_type, func.count())
            .where(BankEntry.enabled.is_(True))
            .group_by(BankEntry.signal_type)
        )
    }
    months: Counter[str] = Counter()
    for (at,) in session.execute(select(AuditRecord.at).where(AuditRecord.action == "scan.match")):
        months[at.strftime("%Y-%m")] += 1
    return {
        "organisations": session.scalar(select(func.count()).select_from(Org)) or 0,
        "banks": session.scalar(select(func.count()).select_from(Bank)) or 0,
        "bank_entries": entries,
        "matched_scans_by_month": dict(sorted(months.items())),
    }
