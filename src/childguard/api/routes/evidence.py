"""``/v1/evidence``: the encrypted evidence store of your organisation.

Reviewers and admins list metadata and read content (every read audited); admins manage the
opt-in, legal holds, deletion, purges and the data key. Another organisation's item is 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from childguard import evidence
from childguard.api.constraints import NOT_BLANK
from childguard.api.deps import (
    CurrentEvidenceAdmin,
    CurrentEvidenceReader,
    SessionDep,
    StateDep,
)
from childguard.api.params import IdPath
from childguard.api.schemas.evidence import (
    EvidencePublic,
    EvidenceSettingsPublic,
    EvidenceSettingsUpdate,
    HoldCreate,
    KeyRotate,
    KeyRotated,
    PurgePublic,
)
from childguard.evidence.store import EvidenceSettings, public
from childguard.store.models import EvidenceItem

router = APIRouter(prefix="/v1/evidence", tags=["evidence"])

#: Content types served as themselves; anything else is sent as opaque bytes.
SERVED_TYPES = ("image/", "video/")


def _item(item: EvidenceItem) -> EvidencePublic:
    return EvidencePublic.model_validate(public(item))


def _settings(s: EvidenceSettings) -> EvidenceSettingsPublic:
    return EvidenceSettingsPublic(
        enabled=s.enabled,
        org_enabled=s.org_enabled,
        deployment_enabled=s.deployment_enabled,
        retention_days=s.retention_days,
        reported_retention_days=s.reported_retention_days,
    )


@router.get("/settings", response_model=EvidenceSettingsPublic)
def get_evidence_settings(
    session: SessionDep, state: StateDep, principal: CurrentEvidenceReader
) -> EvidenceSettingsPublic:
    """Whether your organisation keeps evidence (its own choice or the deployment's)."""
    return _settings(evidence.get_settings(session, state.settings, principal.org_id))


@router.put("/settings", response_model=EvidenceSettingsPublic)
def put_evidence_settings(
    body: EvidenceSettingsUpdate,
    session: SessionDep,
    state: StateDep,
    principal: CurrentEvidenceAdmin,
) -> EvidenceSettingsPublic:
    """Opt your organisation in or out (audited); items already kept stay until purged."""
    return _settings(
        evidence.set_enabled(
            session, state.settings, principal.org_id, body.enabled, actor=principal.actor
        )
    )


@router.post("/keys/rotate", response_model=KeyRotated)
def rotate_key(body: KeyRotate, state: StateDep, principal: CurrentEvidenceAdmin) -> KeyRotated:
    """Give your organisation a new data key; optionally re-encrypt older items under it."""
    with state.db.session(write=True) as session:
        key = evidence.rotate_org_key(
            session, state.settings, principal.org_id, actor=principal.actor
        )
    done = 0
    if body.reencrypt:
        done = evidence.reencrypt_org(
            state.db, state.settings, principal.org_id, actor=principal.actor
        )
    return KeyRotated(key_id=key.id, reencrypted=done)


@router.post("/purge", response_model=PurgePublic)
def purge_now(state: StateDep, principal: CurrentEvidenceAdmin) -> PurgePublic:
    """Delete your organisation's expired items now and sweep leftover files."""
    report = evidence.purge(
        state.db, state.settings, org_id=principal.org_id, actor=principal.actor
    )
    return PurgePublic.model_validate(report.as_dict())


@router.get("", response_model=list[EvidencePublic])
def list_evidence(
    session: SessionDep,
    principal: CurrentEvidenceReader,
    case_id: IdPath | None = Query(default=None),
    sha256: str | None = Query(default=None, min_length=64, max_length=64),
    include_deleted: bool = Query(default=False),
    after: int = Query(default=0, ge=0),
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[EvidencePublic]:
    """Your organisation's items (metadata only) in id order; page with ``after``."""
    items = evidence.list_items(
        session,
        principal.org_id,
        case_id=case_id,
        sha256=sha256,
        include_deleted=include_deleted,
        after=after,
        limit=limit,
    )
    return [_item(i) for i in items]


@router.get("/{item_id}", response_model=EvidencePublic)
def show_evidence(
    item_id: IdPath, session: SessionDep, principal: CurrentEvidenceReader
) -> EvidencePublic:
    """One item's metadata (a tombstone once deleted)."""
    return _item(evidence.get_item(session, principal.org_id, item_id))


@router.get(
    "/{item_id}/content",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def read_content(
    item_id: IdPath,
    state: StateDep,
    principal: CurrentEvidenceReader,
    purpose: str = Query(default="review", min_length=1, max_length=200, pattern=NOT_BLANK),
) -> Response:
    """The item's original bytes, audited with who, when and ``purpose``.

    Sent uncached and as an attachment; the console shows it blurred and greyscale.
    """
    with state.db.session(write=True) as session:
        item = evidence.find_item(session, principal.org_id, item_id)
        data = evidence.read_media(
            session,
            state.settings,
            principal.org_id,
            item_id,
            actor=principal.actor,
            purpose=purpose,
        )
        mime = item.mime if item.mime.startswith(SERVED_TYPES) else "application/octet-stream"
    return Response(
        data,
        media_type=mime,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Content-Disposition": f'attachment; filename="evidence-{item_id}"',
        },
    )


@router.post("/{item_id}/hold", response_model=EvidencePublic)
def hold_evidence(
    item_id: IdPath, body: HoldCreate, session: SessionDep, principal: CurrentEvidenceAdmin
) -> EvidencePublic:
    """Put an item on legal hold (it never expires while held)."""
    item = evidence.hold(
        session, principal.org_id, item_id, actor=principal.actor, reason=body.reason
    )
    return _item(item)


@router.delete("/{item_id}/hold", response_model=EvidencePublic)
def release_evidence(
    item_id: IdPath, session: SessionDep, principal: CurrentEvidenceAdmin
) -> EvidencePublic:
    """Lift an item's legal hold; its expiry applies again."""
    return _item(evidence.release(session, principal.org_id, item_id, actor=principal.actor))


@router.delete("/{item_id}", response_model=EvidencePublic)
def delete_evidence(
    item_id: IdPath,
    session: SessionDep,
    state: StateDep,
    principal: CurrentEvidenceAdmin,
    reason: str = Query(min_length=1, max_length=500, pattern=NOT_BLANK),
) -> EvidencePublic:
    """Delete an item now (file removed and verified gone; the record stays as a tombstone)."""
    item = evidence.delete(
        session, state.settings, principal.org_id, item_id, actor=principal.actor, reason=reason
    )
    return _item(item)
