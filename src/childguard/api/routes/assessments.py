"""Policy self-assessment by a company's admin: answers in, scores, gaps and progress out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from childguard.api.deps import CurrentPolicyAssessor, SessionDep, StateDep
from childguard.api.schemas.regulator import AssessmentCreate
from childguard.policy import assessment
from childguard.policy.answers import Answer, Answers
from childguard.policy.checklist import load

router = APIRouter(prefix="/v1/policy", tags=["policy"])


@router.get("/checklist")
def checklist(principal: CurrentPolicyAssessor) -> dict[str, Any]:
    """The checklist: areas, items, the sources each item was checked against."""
    c = load()
    return {
        "version": c.version,
        "company_types": list(c.company_types),
        "sources": c.sources,
        "areas": [
            {
                "id": a.id,
                "name": a.name,
                "items": [
                    {
                        "id": i.id,
                        "question": i.question,
                        "applies": list(i.applies),
                        "sources": list(i.sources),
                        "auto": i.auto,
                    }
                    for i in a.items
                ],
            }
            for a in c.areas
        ],
    }


@router.post("/assessments")
def create_assessment(
    body: AssessmentCreate, session: SessionDep, state: StateDep, principal: CurrentPolicyAssessor
) -> dict[str, Any]:
    """Score the answers (evidence filled in from childguard), with the gap report and progress.

    The same answers as ``childguard policy assess --answers FILE`` reads, as JSON; the schema
    names the checklist's item ids, company types and the 0..3 scale.
    """
    answers = Answers(
        body.company_type,
        {
            item: Answer(a, "") if isinstance(a, int) else Answer(a.score, a.note)
            for item, a in body.answers.items()
        },
    )
    result = assessment.assess(session, state.settings, principal.org_id, answers)
    result["progress"] = assessment.progress(session, principal.org_id, result)
    if body.save:
        result["id"] = assessment.save(session, principal.org_id, result, principal.actor).id
    return result
