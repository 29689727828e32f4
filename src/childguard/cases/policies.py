"""An organisation's policy list: what reviewers decide under (defaults seeded on first use)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.cases.labels import DEFAULT_POLICIES
from childguard.errors import Conflict, InvalidInput, NotFound
from childguard.store.models import CasePolicy

POLICY_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")


def list_policies(
    session: Session, org_id: int, *, include_disabled: bool = False
) -> list[CasePolicy]:
    """The policies of ``org_id`` (the default list is stored on first use)."""
    rows = list(session.scalars(select(CasePolicy).where(CasePolicy.org_id == org_id)))
    if not rows:
        rows = [
            CasePolicy(org_id=org_id, name=n, description=d, enabled=True)
            for n, d in DEFAULT_POLICIES.items()
        ]
        session.add_all(rows)
        session.flush()
    order = {name: i for i, name in enumerate(DEFAULT_POLICIES)}
    rows.sort(key=lambda p: (order.get(p.name, len(order)), p.name))
    return [p for p in rows if include_disabled or p.enabled]


def require_policy(session: Session, org_id: int, name: str) -> CasePolicy:
    """The enabled policy ``name`` of ``org_id``; ``InvalidInput`` naming the valid ones."""
    policies = list_policies(session, org_id)
    for policy in policies:
        if policy.name == name:
            return policy
    names = ", ".join(p.name for p in policies)
    raise InvalidInput(f"unknown policy {name[:70]!r}; this organisation's policies: {names}")


def add_policy(
    session: Session, org_id: int, actor: Actor, name: str, description: str = ""
) -> CasePolicy:
    """Add a policy (or enable a disabled one of that name); audited."""
    if not POLICY_NAME_RE.fullmatch(name):
        raise InvalidInput(
            f"policy name {name[:70]!r} is invalid: use UPPER_SNAKE_CASE (e.g. HATE_SPEECH)"
        )
    for policy in list_policies(session, org_id, include_disabled=True):
        if policy.name == name:
            if policy.enabled:
                raise Conflict(f"a policy named {name} already exists")
            policy.enabled = True
            policy.description = description[:2000] or policy.description
            break
    else:
        policy = CasePolicy(org_id=org_id, name=name, description=description[:2000], enabled=True)
        session.add(policy)
    session.flush()
    audit.append(session, actor, "policy.add", f"policy:{policy.id}:{name}")
    return policy


def disable_policy(session: Session, org_id: int, actor: Actor, name: str) -> None:
    """Take a policy off the list (past decisions keep it); audited."""
    for policy in list_policies(session, org_id):
        if policy.name == name:
            policy.enabled = False
            session.flush()
            audit.append(session, actor, "policy.disable", f"policy:{policy.id}:{name}")
            return
    raise NotFound(f"no policy named {name[:70]}")


def policy_public(policy: CasePolicy) -> dict[str, object]:
    """JSON form."""
    return {"name": policy.name, "description": policy.description, "enabled": policy.enabled}
