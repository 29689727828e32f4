"""``/v1/cases``: reading, claiming and deciding cases, appeals, and the case settings.

Thin: every route calls the ``childguard.cases`` service in one transaction. Reviewers read,
claim and decide in their own organisation; a platform appeals; an admin does all that and
changes the settings. Other organisations' cases are 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from childguard.api.constraints import LABEL_PATTERN, QueueName
from childguard.api.deps import (
    CurrentAppellant,
    CurrentCaseAdmin,
    CurrentCaseReader,
    CurrentReviewer,
    SessionDep,
    StateDep,
)
from childguard.api.params import IdPath
from childguard.api.schemas.cases import (
    AppealCreate,
    AppealDecisionCreate,
    CaseSettingsUpdate,
    DecisionCreate,
    LeaseRequest,
    ReopenRequest,
)
from childguard.cases import decisions, org_settings, queries, workflow
from childguard.cases.labels import Status

router = APIRouter(prefix="/v1", tags=["cases"])


def _summary(session: Session, org_id: int, case_id: int) -> dict[str, object]:
    return queries.case_detail(session, org_id, case_id)


@router.get("/cases")
def list_cases(
    session: SessionDep,
    principal: CurrentCaseReader,
    status_: Status | None = Query(default=None, alias="status"),
    queue: QueueName | None = Query(default=None, max_length=64),
    label: str | None = Query(default=None, max_length=64, pattern=LABEL_PATTERN),
    before: int | None = Query(default=None, description="next_before of the previous page."),
    limit: int = Query(default=50, ge=1, le=queries.MAX_PAGE),
) -> dict[str, object]:
    """Your organisation's cases, newest first, with filters; page on with ``before``."""
    page = queries.list_cases(
        session,
        principal.org_id,
        status=status_,
        queue=queue,
        label=label,
        before=before,
        limit=limit,
    )
    return page.to_public()


@router.get("/cases/{case_id}")
def get_case(
    case_id: IdPath, session: SessionDep, principal: CurrentCaseReader
) -> dict[str, object]:
    """One case: media (hash first), conversations, decisions, appeals and history."""
    return queries.case_detail(session, principal.org_id, case_id)


@router.post("/cases/{case_id}/claim")
def claim_case(
    case_id: IdPath,
    session: SessionDep,
    principal: CurrentReviewer,
    body: LeaseRequest | None = None,
) -> dict[str, object]:
    """Claim a case with a lease (409 when another reviewer holds it)."""
    workflow.claim(
        session, principal.org_id, case_id, principal.actor, body.lease_seconds if body else None
    )
    return _summary(session, principal.org_id, case_id)


@router.post("/cases/{case_id}/renew")
def renew_claim(
    case_id: IdPath,
    session: SessionDep,
    principal: CurrentReviewer,
    body: LeaseRequest | None = None,
) -> dict[str, object]:
    """Extend your lease on a case you hold."""
    workflow.renew(
        session, principal.org_id, case_id, principal.actor, body.lease_seconds if body else None
    )
    return _summary(session, principal.org_id, case_id)


@router.post("/cases/{case_id}/release")
def release_claim(
    case_id: IdPath, session: SessionDep, principal: CurrentReviewer
) -> dict[str, object]:
    """Give a case you hold back to its queue."""
    workflow.release(session, principal.org_id, case_id, principal.actor)
    return _summary(session, principal.org_id, case_id)


@router.post("/cases/{case_id}/decisions", status_code=status.HTTP_201_CREATED)
def decide_case(
    case_id: IdPath,
    body: DecisionCreate,
    session: SessionDep,
    state: StateDep,
    principal: CurrentReviewer,
) -> dict[str, Any]:
    """Decide a case you hold; ``status`` is ``pending`` when a second reviewer must confirm."""
    decision = decisions.decide(
        session, principal.org_id, case_id, principal.actor, body.policy, body.actions, body.note
    )
    out = queries.decision_public(decision)
    session.commit()
    state.apply_changes()  # hashes added to a bank are matchable on the next request
    return out


@router.post("/cases/{case_id}/decisions/{decision_id}/confirm")
def confirm_decision(
    case_id: IdPath,
    decision_id: IdPath,
    session: SessionDep,
    state: StateDep,
    principal: CurrentReviewer,
) -> dict[str, Any]:
    """Confirm another reviewer's pending decision (four eyes); it then takes effect."""
    decision = decisions.confirm(session, principal.org_id, case_id, decision_id, principal.actor)
    out = queries.decision_public(decision)
    session.commit()
    state.apply_changes()
    return out


@router.post("/cases/{case_id}/appeals", status_code=status.HTTP_201_CREATED)
def appeal_decision(
    case_id: IdPath, body: AppealCreate, session: SessionDep, principal: CurrentAppellant
) -> dict[str, Any]:
    """Appeal a decision in effect; a reviewer other than the decision's decides it."""
    appeal = decisions.appeal(
        session, principal.org_id, case_id, principal.actor, body.reason, body.decision_id
    )
    return queries.appeal_public(appeal)


@router.post("/cases/{case_id}/appeals/{appeal_id}/decision")
def decide_appeal(
    case_id: IdPath,
    appeal_id: IdPath,
    body: AppealDecisionCreate,
    session: SessionDep,
    state: StateDep,
    principal: CurrentReviewer,
) -> dict[str, Any]:
    """Uphold or overturn an appeal (not by the reviewer who took the decision); overturning
    disables the bank entries the decision added, unmatched from the next request."""
    appeal = decisions.decide_appeal(
        session, principal.org_id, case_id, appeal_id, principal.actor, body.outcome, body.note
    )
    out = queries.appeal_public(appeal)
    session.commit()
    state.apply_changes()
    return out


@router.post("/cases/{case_id}/close")
def close_case(
    case_id: IdPath, session: SessionDep, principal: CurrentReviewer
) -> dict[str, object]:
    """Close a decided case."""
    workflow.close(session, principal.org_id, case_id, principal.actor)
    return _summary(session, principal.org_id, case_id)


@router.post("/cases/{case_id}/reopen")
def reopen_case(
    case_id: IdPath,
    session: SessionDep,
    principal: CurrentReviewer,
    body: ReopenRequest | None = None,
) -> dict[str, object]:
    """Reopen a decided or closed case: it waits in its queue again."""
    workflow.reopen(
        session, principal.org_id, case_id, principal.actor, body.reason if body else ""
    )
    return _summary(session, principal.org_id, case_id)


@router.get("/case-settings")
def get_case_settings(session: SessionDep, principal: CurrentCaseReader) -> dict[str, object]:
    """Your organisation's case settings."""
    return org_settings.get_settings(session, principal.org_id).to_public()


@router.patch("/case-settings")
def update_case_settings(
    body: CaseSettingsUpdate, session: SessionDep, principal: CurrentCaseAdmin
) -> dict[str, object]:
    """Change the review threshold, four-eyes, whether detections open cases, the lease."""
    return org_settings.update_settings(
        session,
        principal.org_id,
        principal.actor,
        review_threshold=body.review_threshold,
        four_eyes=body.four_eyes,
        open_cases=body.open_cases,
        lease_seconds=body.lease_seconds,
    ).to_public()
