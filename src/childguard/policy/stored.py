"""An organisation's stored assessments read back: the latest with its gap report and progress.

The console's self-assessment page shows what ``assessment.save`` stored; gaps are recomputed
from the stored item scores with the shipped checklist, progress is the change from the
assessment stored before it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.policy.assessment import gaps
from childguard.policy.checklist import load
from childguard.store.models import PolicyAssessment


def _result(row: PolicyAssessment) -> dict[str, Any]:
    scores = json.loads(row.scores)
    items: list[dict[str, Any]] = json.loads(row.answers)
    known = load().items()
    return {
        "id": row.id,
        "created_at": row.created_at.isoformat(),
        "checklist_version": row.checklist_version,
        "company_type": row.company_type,
        "overall_percent": scores["overall_percent"],
        "areas": scores["areas"],
        "items": items,
        # items of an older checklist that the shipped one no longer has are left out
        "gaps": gaps(load(), [i for i in items if i["id"] in known]),
    }


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 1)


def latest(session: Session, org_id: int) -> dict[str, Any] | None:
    """The organisation's latest stored assessment with ``gaps`` and ``progress`` (None if none).

    ``progress`` is None for a first assessment, else the change of the overall and of each
    area's percentage since the one stored before it.
    """
    rows = list(
        session.scalars(
            select(PolicyAssessment)
            .where(PolicyAssessment.org_id == org_id)
            .order_by(PolicyAssessment.id.desc())
            .limit(2)
        )
    )
    if not rows:
        return None
    result = _result(rows[0])
    result["progress"] = None
    if len(rows) == 2:
        before = json.loads(rows[1].scores)
        prev = {a["id"]: a["percent"] for a in before["areas"]}
        result["progress"] = {
            "since": rows[1].created_at.isoformat(),
            "overall_change": _change(result["overall_percent"], before["overall_percent"]),
            "areas": {a["id"]: _change(a["percent"], prev.get(a["id"])) for a in result["areas"]},
        }
    return result
