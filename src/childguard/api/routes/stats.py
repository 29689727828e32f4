"""Aggregated statistics: the only thing the regulator role can read.

Counts only: no content, no hashes, no organisation-level or personal data.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select

from childguard.api.deps import CurrentRegulator, SessionDep, StateDep
from childguard.auth import sees_across_organisations
from childguard.stats.collect import collect
from childguard.stats.tables import build_table
from childguard.store.models import Bank, BankEntryCount, Org

router = APIRouter(prefix="/v1/stats", tags=["statistics"])


@router.get("")
def summary(session: SessionDep, state: StateDep, principal: CurrentRegulator) -> dict[str, object]:
    """Totals and matched scans per month (None: a figure hidden by disclosure control).

    Deployment-wide for the regulator and the deployment's admin organisation; an admin of any
    other organisation gets the same figures for its own organisation only.
    """
    wide = sees_across_organisations(principal, state.settings.resolved_admin_org)
    counts = select(BankEntryCount.signal_type, func.sum(BankEntryCount.n)).where(
        BankEntryCount.enabled.is_(True)
    )
    banks = select(func.count()).select_from(Bank)
    orgs = select(func.count()).select_from(Org)
    if not wide:
        own = select(Bank.id).where(Bank.org_id == principal.org_id)
        counts = counts.where(BankEntryCount.bank_id.in_(own))
        banks = banks.where(Bank.org_id == principal.org_id)
        orgs = orgs.where(Org.id == principal.org_id)
    entries = {
        stype: int(n)
        for stype, n in session.execute(counts.group_by(BankEntryCount.signal_type))
        if n
    }
    monthly = collect(session, None if wide else principal.org_id)
    # An organisation's own figures are its own to see; small cells are hidden only from views
    # across organisations (the regulator's and the deployment's).
    scans = build_table(monthly, "scans", state.settings.stats_k if wide else 1)
    months = {r.period: r.total for r in scans.rows if r.level == "month"}
    return {
        "scope": "deployment" if wide else "organisation",
        "organisations": session.scalar(orgs) or 0,
        "banks": session.scalar(banks) or 0,
        "bank_entries": entries,
        "matched_scans_by_month": dict(sorted(months.items())),
    }
