"""Scoring an assessment: per item, per area and overall; the gap report; progress; storage.

An item the company answered keeps its answer (childguard's evidence is shown beside it); an item
it left out that childguard can evidence gets the suggested score with the evidence named.
Percentages are of the maximum (3 per applicable item). A gap is an applicable item below 3;
gaps are ordered by priority = area weight x (3 - score).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.config import Settings
from childguard.errors import InvalidInput
from childguard.policy.answers import Answers
from childguard.policy.checklist import Checklist, load
from childguard.policy.evidence import CHECKS
from childguard.store.models import PolicyAssessment

#: What to do in childguard for items it can evidence.
IN_CHILDGUARD: dict[str, str] = {
    "hash_matching": "load a hash list: childguard bank import (docs/banks.md)",
    "queues_staffed": "create review queues and reviewer keys (role reviewer)",
    "hotline_sink": "configure a hotline report sink (NCMEC, APLE Internet Hotline)",
    "retention_set": "set CHILDGUARD_EVIDENCE_REPORTED_RETENTION_DAYS to at least 365",
    "text_risk": "send conversations to POST /v1/text/conversations (docs/textrisk.md)",
    "appeals": "let users appeal decisions through POST /v1/cases/{id}/appeals",
    "review_blur": "keep the console's blur and greyscale defaults on",
    "wellness_limits": "set reviewer exposure limits in the console's wellness settings",
    "signal_sharing": "join a sharing group or subscribe to a feed (docs/exchange.md)",
    "transparency_report": "publish a yearly report: childguard transparency --period YEAR",
    "stats_submitted": "send monthly statistics: childguard stats submit --to MINISTRY_URL",
    "audit_log": "keep the audit log; verify it with childguard audit verify",
}


def assess(session: Session, settings: Settings, org_id: int, answers: Answers) -> dict[str, Any]:
    """The scored assessment of ``answers`` with childguard's own evidence (not stored)."""
    checklist = load()
    items: list[dict[str, Any]] = []
    areas: list[dict[str, Any]] = []
    for area in checklist.areas:
        got = possible = 0
        for item in area.items:
            if not item.applies_to(answers.company_type):
                continue
            evidence = CHECKS[item.auto](session, settings, org_id) if item.auto else None
            answer = answers.answers.get(item.id)
            if answer is not None:
                score, origin = answer.score, "answer"
            elif evidence is not None:
                score, origin = evidence.score, "childguard"
            else:
                score, origin = 0, "unanswered"
            got, possible = got + score, possible + 3
            items.append(
                {
                    "id": item.id,
                    "area": area.id,
                    "score": score,
                    "origin": origin,
                    "evidence": evidence.found if evidence else None,
                    "note": answer.note if answer else "",
                }
            )
        areas.append(
            {
                "id": area.id,
                "name": area.name,
                "score": got,
                "max": possible,
                "percent": round(100 * got / possible, 1) if possible else None,
            }
        )
    total = sum(a["score"] for a in areas)
    maximum = sum(a["max"] for a in areas)
    return {
        "checklist_version": checklist.version,
        "company_type": answers.company_type,
        "overall_percent": round(100 * total / maximum, 1) if maximum else None,
        "areas": areas,
        "items": items,
        "gaps": gaps(checklist, items),
    }


def gaps(checklist: Checklist, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Applicable items below full, most urgent first, each with what to do."""
    weights = {a.id: a.weight for a in checklist.areas}
    by_id = checklist.items()
    out = []
    for row in items:
        if row["score"] >= 3:
            continue
        item = by_id[row["id"]]
        priority = weights[item.area] * (3 - row["score"])
        if item.auto:
            where, todo = "childguard", IN_CHILDGUARD[item.auto]
        else:
            where, todo = "company process", f"put in place and document: {item.question}"
        out.append(
            {
                "id": item.id,
                "area": item.area,
                "score": row["score"],
                "priority": priority,
                "level": "high" if priority >= 10 else "medium" if priority >= 5 else "low",
                "where": where,
                "what_to_do": todo,
                "sources": list(item.sources),
            }
        )
    out.sort(key=lambda g: (-g["priority"], g["id"]))
    return out


def save(session: Session, org_id: int, result: dict[str, Any], actor: Actor) -> PolicyAssessment:
    """Store an assessment (answers with notes stay in this instance) and audit it."""
    row = PolicyAssessment(
        org_id=org_id,
        company_type=result["company_type"],
        checklist_version=result["checklist_version"],
        answers=json.dumps(result["items"], ensure_ascii=False),
        scores=json.dumps({"overall_percent": result["overall_percent"], "areas": result["areas"]}),
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor,
        "policy.assess",
        f"assessment:{row.id}",
        {"overall_percent": result["overall_percent"]},
    )
    return row


def progress(session: Session, org_id: int, result: dict[str, Any]) -> dict[str, Any] | None:
    """Change per area since the organisation's last stored assessment (None for a first one)."""
    last = session.scalar(
        select(PolicyAssessment)
        .where(PolicyAssessment.org_id == org_id)
        .order_by(PolicyAssessment.id.desc())
        .limit(1)
    )
    if last is None:
        return None
    before = json.loads(last.scores)
    prev = {a["id"]: a["percent"] for a in before["areas"]}
    return {
        "since": last.created_at.isoformat(),
        "overall_change": _diff(result["overall_percent"], before["overall_percent"]),
        "areas": {a["id"]: _diff(a["percent"], prev.get(a["id"])) for a in result["areas"]},
    }


def _diff(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 1)


def for_ministry(result: dict[str, Any]) -> dict[str, Any]:
    """What a submitted assessment carries: scores only (no notes, no evidence text)."""
    return {
        "checklist_version": result["checklist_version"],
        "company_type": result["company_type"],
        "overall_percent": result["overall_percent"],
        "areas": {a["id"]: a["percent"] for a in result["areas"]},
        "items": {i["id"]: i["score"] for i in result["items"]},
    }


def validate_submitted(body: Any) -> dict[str, Any]:
    """Check a received assessment: known areas and items, numbers only."""
    checklist = load()
    if not isinstance(body, dict):
        raise InvalidInput("an assessment submission's body is an object")
    area_ids = {a.id for a in checklist.areas}
    items = checklist.items()
    areas = body.get("areas")
    scores = body.get("items")
    if not isinstance(areas, dict) or set(areas) - area_ids:
        raise InvalidInput("assessment areas must be the checklist's area ids")
    if not isinstance(scores, dict) or set(scores) - set(items):
        raise InvalidInput("assessment items must be the checklist's item ids")
    if any(
        not isinstance(v, int) or isinstance(v, bool) or v not in (0, 1, 2, 3)
        for v in scores.values()
    ):
        raise InvalidInput("assessment item scores must be 0, 1, 2 or 3")
    for v in [*areas.values(), body.get("overall_percent")]:
        if v is not None and (not isinstance(v, int | float) or not 0 <= v <= 100):
            raise InvalidInput("assessment percentages must be numbers from 0 to 100")
    if body.get("company_type") not in checklist.company_types:
        raise InvalidInput("assessment company_type is not one of the checklist's types")
    return {
        "checklist_version": str(body.get("checklist_version", ""))[:32],
        "company_type": body["company_type"],
        "overall_percent": body.get("overall_percent"),
        "areas": areas,
        "items": scores,
    }
