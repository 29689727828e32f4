"""``/v1/queues`` and ``/v1/routing``: review queues, the next case, ordered routing rules."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from childguard.api.deps import CurrentCaseAdmin, CurrentCaseReader, CurrentReviewer, SessionDep
from childguard.api.schemas.cases import LeaseRequest, QueueCreate, RoutingUpdate
from childguard.cases import queries, routing, workflow

router = APIRouter(prefix="/v1", tags=["cases"])


@router.get("/queues")
def list_queues(session: SessionDep, principal: CurrentCaseReader) -> list[dict[str, object]]:
    """Your organisation's queues with open and in-review counts and the oldest waiting case."""
    return [q.to_public() for q in routing.list_queues(session, principal.org_id)]


@router.post("/queues", status_code=status.HTTP_201_CREATED)
def create_queue(
    body: QueueCreate, session: SessionDep, principal: CurrentCaseAdmin
) -> dict[str, object]:
    """Create a queue (send cases to it with routing rules)."""
    queue = routing.create_queue(
        session, principal.org_id, principal.actor, body.name, body.description
    )
    return {"name": queue.name, "description": queue.description}


@router.delete("/queues/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_queue(name: str, session: SessionDep, principal: CurrentCaseAdmin) -> None:
    """Delete a queue and its rules; its cases move to ``default``."""
    routing.delete_queue(session, principal.org_id, principal.actor, name)


@router.post("/queues/{name}/next", response_model=None)
def next_case(
    name: str,
    session: SessionDep,
    principal: CurrentReviewer,
    body: LeaseRequest | None = None,
) -> dict[str, object] | Response:
    """Claim the most urgent waiting case of the queue (204 when none waits).

    Answers the case's summary; ``GET /v1/cases/{id}`` has its items and history.
    """
    case = workflow.next_case(
        session, principal.org_id, name, principal.actor, body.lease_seconds if body else None
    )
    if case is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return queries.case_summary(case, name)


@router.get("/routing")
def get_routing(session: SessionDep, principal: CurrentCaseReader) -> dict[str, object]:
    """The ordered routing rules: the first whose conditions all hold picks the queue."""
    return {"rules": [r.to_public() for r in routing.list_rules(session, principal.org_id)]}


@router.put("/routing")
def set_routing(
    body: RoutingUpdate, session: SessionDep, principal: CurrentCaseAdmin
) -> dict[str, object]:
    """Replace the routing rules (applies to cases opened or re-routed from now on)."""
    rules = [routing.RuleSpec(**r.model_dump()) for r in body.rules]
    stored = routing.set_rules(session, principal.org_id, principal.actor, rules)
    return {"rules": [r.to_public() for r in stored]}
