"""Health checks (no key needed) and Prometheus metrics (admin key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy import text

from childguard.api.deps import StateDep, require
from childguard.api.permissions import Permission
from childguard.auth import Principal
from childguard.errors import StorageError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(state: StateDep) -> dict[str, object]:
    """The database answers and the indexes are loaded (503 otherwise)."""
    try:
        with state.db.session() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        raise StorageError("database unreachable") from exc
    if state.matcher.updated_at == 0.0:
        raise StorageError("indexes not loaded yet")
    return {
        "status": "ready",
        "index": state.matcher.size,
        "index_change_seq": state.matcher.last_seq,
        "poll_error": state.last_poll_error,
        "outbox_error": state.outbox.last_error if state.outbox is not None else None,
    }


@router.get("/metrics")
def metrics(
    state: StateDep,
    principal: Annotated[Principal, Depends(require(Permission.METRICS_READ))],
) -> Response:
    """Prometheus exposition format.

    The deployment's admin organisation sees every metric; an admin of another organisation
    sees only its own per-organisation families (``childguard_org_*`` with its ``org`` label):
    no other organisation's bank names, match counts or traffic.
    """
    everything = principal.org_name == state.settings.admin_org
    body, content_type = state.metrics.render(
        state.matcher, state.db, None if everything else principal.org_name
    )
    return Response(body, media_type=content_type)
