"""The transparency report's figures for one year, arranged as the TRUST framework and the EU
template (Implementing Regulation (EU) 2024/2835) ask, built from the protected tables only.

TRUST (Tech Coalition): policies and practices, processes and systems, outcomes. The EU template's
child-safety categories used here are ``CHILD_SEXUAL_ABUSE_MATERIAL`` and
``GROOMING_SEXUAL_ENTICEMENT_MINORS``; the mapping of childguard's labels to them is ours.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.errors import InvalidInput
from childguard.stats.counts import MonthlyCounts
from childguard.stats.tables import summary
from childguard.store.models import CasePolicy

#: childguard label -> EU 2024/2835 category (our mapping; other labels are reported as OTHER).
EU_CATEGORIES = {
    "CSAM": "CHILD_SEXUAL_ABUSE_MATERIAL",
    "CSAM_TRADE": "CHILD_SEXUAL_ABUSE_MATERIAL",
    "GROOMING": "GROOMING_SEXUAL_ENTICEMENT_MINORS",
    "SEXTORTION": "GROOMING_SEXUAL_ENTICEMENT_MINORS",
}
TOOLS = (
    "hash matching (PDQ, vPDQ, MD5, SHA-256) against recognised hash lists",
    "text-risk classifiers for grooming, sextortion, bullying and CSAM trade (km, vi, en)",
    "human review with blurred, greyscale media and four-eyes decisions",
    "hash and signal sharing with human review before action",
)


def _year_row(table: dict[str, Any], year: str) -> dict[str, Any]:
    for row in table["rows"]:
        if row["period"] == year:
            return dict(row)
    return {"period": year, "values": {}, "total": 0}


def report_data(
    session: Session, counts: MonthlyCounts, year: str, org_id: int | None, k: int
) -> dict[str, Any]:
    """Every figure of the report for ``year`` (None where disclosure control hides it)."""
    if not re.fullmatch(r"\d{4}", year):
        raise InvalidInput(f"period {year[:10]!r} must be a year, e.g. 2026")
    in_year = {m: v for m, v in counts.items() if m.startswith(year)}
    stats = summary(in_year, k)
    tables = stats["tables"]
    row = {d: _year_row(t, year) for d, t in tables.items()}
    labels = row["cases_by_label"]["values"]
    eu: dict[str, int | None] = {}
    for label, category in EU_CATEGORIES.items():
        if label in labels:
            value = labels[label]
            prev = eu.get(category, 0)
            eu[category] = None if value is None or prev is None else prev + value
    actions = row["decisions_by_action"]["values"]
    appeals = row["appeals_by_outcome"]
    policies = select(CasePolicy.name).where(CasePolicy.enabled.is_(True))
    if org_id is not None:
        policies = policies.where(CasePolicy.org_id == org_id)
    empty = {"n": 0, "median_hours_at_most": None, "p90_hours_at_most": None}
    year_stats = stats["years"].get(year) or {
        "proactive_share": None,
        "hours_to_decision": empty,
        "hours_to_report": empty,
    }
    return {
        "period": year,
        "k": k,
        "trust": {
            "policies_and_practices": {
                "policies_in_force": sorted(set(session.scalars(policies))),
            },
            "processes_and_systems": {"tools": list(TOOLS)},
            "outcomes": {
                "cases_by_label": row["cases_by_label"],
                "content_actioned_by_policy": row["decisions_by_policy"],
                "content_actioned_by_classification": row["decisions_by_classification"],
                "actions": row["decisions_by_action"],
                "accounts_actioned": actions.get("suspend_user", 0),
                "reports_by_destination": row["reports_by_destination"],
                "proactive_detection_rate": year_stats.get("proactive_share"),
                "appeals": appeals["total"],
                "reversals": appeals["values"].get("overturned", 0),
                "hours_to_decision": year_stats.get("hours_to_decision"),
                "hours_to_report": year_stats.get("hours_to_report"),
            },
        },
        "eu_2024_2835": {"child_safety_categories": eu},
        "tables": tables,
    }
