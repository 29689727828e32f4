"""Organisations, API keys and the audit log (admin role).

An admin key of the deployment's admin organisation (``CHILDGUARD_ADMIN_ORG``) manages every
organisation and key; an admin key of any other organisation manages its own keys only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy import select

from childguard import audit
from childguard import audit_checkpoints as checkpoints
from childguard.api.deps import (
    CurrentAuditor,
    CurrentKeyAdmin,
    CurrentWitnessClient,
    SessionDep,
    StateDep,
)
from childguard.api.params import AfterQuery, checked_id
from childguard.api.schemas.admin import (
    AuditPublic,
    AuditVerifyPublic,
    CheckpointPublic,
    CosignaturePublic,
    KeyCreate,
    KeyCreated,
    KeyPublic,
    OrgCreate,
    OrgPublic,
    WitnessedPublic,
)
from childguard.auth import Principal, create_key, create_org, get_org, revoke_key
from childguard.errors import NotFound, PermissionDenied
from childguard.store.models import MAX_ID, ApiKey, AuditRecord, Org

router = APIRouter(prefix="/v1", tags=["administration"])


def _is_deployment_admin(state: StateDep, principal: Principal) -> bool:
    return principal.org_name == state.settings.resolved_admin_org


def _key_public(key: ApiKey, org_name: str) -> KeyPublic:
    return KeyPublic(
        id=key.id,
        org=org_name,
        role=key.role,
        name=key.name,
        prefix=key.prefix,
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
    )


@router.get("/orgs", response_model=list[OrgPublic])
def list_orgs(session: SessionDep, state: StateDep, principal: CurrentKeyAdmin) -> list[OrgPublic]:
    """Every organisation (deployment admin) or your own."""
    query = select(Org).order_by(Org.name)
    if not _is_deployment_admin(state, principal):
        query = query.where(Org.id == principal.org_id)
    return [
        OrgPublic(id=o.id, name=o.name, display_name=o.display_name, created_at=o.created_at)
        for o in session.scalars(query)
    ]


@router.post("/orgs", response_model=OrgPublic, status_code=status.HTTP_201_CREATED)
def add_org(
    body: OrgCreate, session: SessionDep, state: StateDep, principal: CurrentKeyAdmin
) -> OrgPublic:
    """Create an organisation (deployment admin only)."""
    if not _is_deployment_admin(state, principal):
        raise PermissionDenied("only an admin of the deployment's admin organisation may do this")
    org = create_org(session, body.name, body.display_name, actor=principal.actor)
    return OrgPublic(
        id=org.id, name=org.name, display_name=org.display_name, created_at=org.created_at
    )


@router.get("/keys", response_model=list[KeyPublic])
def list_keys(
    session: SessionDep,
    state: StateDep,
    principal: CurrentKeyAdmin,
    org: str | None = Query(default=None),
) -> list[KeyPublic]:
    """Keys of your organisation (or of ``org``, for the deployment admin)."""
    org_id = principal.org_id
    if org is not None and org != principal.org_name:
        if not _is_deployment_admin(state, principal):
            raise PermissionDenied("you may list only your own organisation's keys")
        org_id = get_org(session, org).id
    names = {o.id: o.name for o in session.scalars(select(Org))}
    keys = session.scalars(select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.id))
    return [_key_public(k, names.get(k.org_id, "?")) for k in keys]


@router.post("/keys", response_model=KeyCreated, status_code=status.HTTP_201_CREATED)
def add_key(
    body: KeyCreate, session: SessionDep, state: StateDep, principal: CurrentKeyAdmin
) -> KeyCreated:
    """Create a key; the response holds the secret, shown this once."""
    target = principal.org_name if body.org is None else body.org
    if target != principal.org_name and not _is_deployment_admin(state, principal):
        raise PermissionDenied("you may create keys only for your own organisation")
    org = get_org(session, target)
    new = create_key(
        session, org, body.role, name=body.name, expires_at=body.expires_at, actor=principal.actor
    )
    return KeyCreated(**_key_public(new.key, org.name).model_dump(), key=new.secret)


@router.delete("/keys/{key_ref}", response_model=KeyPublic)
def delete_key(
    key_ref: str, session: SessionDep, state: StateDep, principal: CurrentKeyAdmin
) -> KeyPublic:
    """Revoke a key by id or prefix (it stops working at once in this process)."""
    key_id = checked_id(key_ref, "key id")
    key = session.scalar(
        select(ApiKey).where(
            ApiKey.id == key_id if key_id is not None else ApiKey.prefix == key_ref
        )
    )
    if key is None or (
        key.org_id != principal.org_id and not _is_deployment_admin(state, principal)
    ):
        raise NotFound(f"no key {key_ref[:40]!r}")
    revoke_key(session, key_ref, actor=principal.actor)
    state.auth_cache.clear()
    org = session.get(Org, key.org_id)
    return _key_public(key, org.name if org else "?")


@router.get("/audit", response_model=list[AuditPublic])
def list_audit(
    session: SessionDep,
    state: StateDep,
    principal: CurrentAuditor,
    after: AfterQuery = 0,
    before: int | None = Query(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Only records with a smaller id (pages of newest=true).",
    ),
    newest: bool = Query(default=False, description="Newest records first."),
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[AuditPublic]:
    """Audit records of your organisation (all of them for the deployment admin), oldest first,
    or newest first with ``newest=true`` (the next page: ``before`` = the last id seen)."""
    order = AuditRecord.id.desc() if newest else AuditRecord.id
    query = select(AuditRecord).where(AuditRecord.id > after).order_by(order).limit(limit)
    if before is not None:
        query = query.where(AuditRecord.id < before)
    if not _is_deployment_admin(state, principal):
        query = query.where(AuditRecord.org_id == principal.org_id)
    return [AuditPublic(**audit.public(r)) for r in session.scalars(query)]


@router.get("/audit/verify", response_model=AuditVerifyPublic)
def verify_audit(
    session: SessionDep, state: StateDep, principal: CurrentAuditor
) -> AuditVerifyPublic:
    """Check the hash chain and the signed checkpoints (deployment admin only).

    Names the first bad record, or the missing range when the newest records were deleted.
    """
    if not _is_deployment_admin(state, principal):
        raise PermissionDenied("only an admin of the deployment's admin organisation may do this")
    settings = state.settings
    report = checkpoints.verify(
        session,
        checkpoints.read_checkpoints(checkpoints.checkpoint_path(settings)),
        checkpoints.public_hex(checkpoints.load_or_create_key(settings)),
    )
    return AuditVerifyPublic(
        records=report.records, ok=report.ok, problem=report.problem, bad_record=report.bad_record
    )


@router.post("/audit/checkpoint", response_model=CheckpointPublic | None)
def checkpoint_audit(
    session: SessionDep, state: StateDep, principal: CurrentAuditor
) -> CheckpointPublic | None:
    """Sign the audit log's head now (deployment admin only); null when nothing is new."""
    if not _is_deployment_admin(state, principal):
        raise PermissionDenied("only an admin of the deployment's admin organisation may do this")
    cp = checkpoints.make_checkpoint(session, state.settings)
    return None if cp is None else CheckpointPublic(**cp.to_dict())


@router.post("/audit/witness", response_model=CosignaturePublic)
def witness_checkpoint(
    body: CheckpointPublic, state: StateDep, principal: CurrentWitnessClient
) -> CosignaturePublic:
    """Countersign another instance's audit checkpoint, as its witness.

    Refused (400) when its signature does not verify, or when it has fewer records than, or a
    different head from, a checkpoint of the same log witnessed before.
    """
    cp = checkpoints.Checkpoint.from_dict(body.model_dump())
    return CosignaturePublic(**checkpoints.witness(state.settings, cp))


@router.get("/audit/witness/{origin}", response_model=WitnessedPublic)
def witnessed_checkpoint(
    origin: Annotated[str, Path(pattern="^[0-9a-f]{16}$")],
    state: StateDep,
    principal: CurrentWitnessClient,
) -> WitnessedPublic:
    """The newest checkpoint of log ``origin`` this instance countersigned."""
    statement = checkpoints.witnessed(state.settings, origin)
    if statement is None:
        raise NotFound(f"no checkpoint of log {origin} was witnessed here")
    return WitnessedPublic(**statement)
