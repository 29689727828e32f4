"""``/v1/policies``: the policies reviewers decide under."""

from __future__ import annotations

from fastapi import APIRouter, status

from childguard.api.deps import CurrentCaseAdmin, CurrentCaseReader, SessionDep
from childguard.api.schemas.cases import PolicyCreate
from childguard.cases import policies

router = APIRouter(prefix="/v1", tags=["cases"])


@router.get("/policies")
def list_policies(session: SessionDep, principal: CurrentCaseReader) -> list[dict[str, object]]:
    """Your organisation's policies (the default list until changed)."""
    return [policies.policy_public(p) for p in policies.list_policies(session, principal.org_id)]


@router.post("/policies", status_code=status.HTTP_201_CREATED)
def add_policy(
    body: PolicyCreate, session: SessionDep, principal: CurrentCaseAdmin
) -> dict[str, object]:
    """Add a policy (or enable a disabled one)."""
    policy = policies.add_policy(
        session, principal.org_id, principal.actor, body.name, body.description
    )
    return policies.policy_public(policy)


@router.delete("/policies/{name}", status_code=status.HTTP_204_NO_CONTENT)
def disable_policy(name: str, session: SessionDep, principal: CurrentCaseAdmin) -> None:
    """Take a policy off the list; past decisions keep it."""
    policies.disable_policy(session, principal.org_id, principal.actor, name)
