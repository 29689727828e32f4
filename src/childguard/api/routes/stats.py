"""Aggregated statistics: the only thing the regulator role can read.

Counts only: no content, no hashes, no organisation-level or personal data.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select

from childguard.api.deps import CurrentRegulator, SessionDep, StateDep
from childguard.stats.collect import collect
from childguard.stats.tables import build_table
from childguard.store.models import Bank, BankEntry, Org

router = APIRouter(prefix="/v1/stats", tags=["statistics"])


@router.get("")
def summary(session: SessionDep, state: StateDep, principal: CurrentRegulator) -> dict[str, object]:
    """Deployment-wide totals and matched scans per month (None: hidden by disclosure control)."""
    entries = {
        stype: n
        for stype, n in session.execute(
            select(BankEntry.signal_type, func.count())
            .where(BankEntry.enabled.is_(True))
            .group_by(BankEntry.signal_type)
        )
    }
    scans = build_table(collect(session), "scans", state.settings.stats_k)
    months = {r.period: r.total for r in scans.rows if r.level == "month"}
    return {
        "organisations": session.scalar(select(func.count()).select_from(Org)) or 0,
        "banks": session.scalar(select(func.count()).select_from(Bank)) or 0,
        "bank_entries": entries,
        "matched_scans_by_month": dict(sorted(months.items())),
    }
