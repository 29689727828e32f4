"""HMA's ``/status`` and ``/h`` (hashing) routes."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from childguard.api.deps import (
    CurrentLookup,
    CurrentScanner,
    StateDep,
)
from childguard.api.hma.common import (
    _no_urls,
    _one_upload,
    hash_received,
)

router = APIRouter(tags=["hma compatibility"])


# -- status ---------------------------------------------------------------------------------


@router.get("/status", response_class=PlainTextResponse)
def status(state: StateDep, principal: CurrentLookup) -> PlainTextResponse:
    """``I-AM-ALIVE`` once the index is loaded, else 503 ``INDEX-NOT-LOADED``."""
    if state.matcher.updated_at == 0.0:
        return PlainTextResponse("INDEX-NOT-LOADED", status_code=503)
    return PlainTextResponse("I-AM-ALIVE")


# -- hashing --------------------------------------------------------------------------------


@router.post("/h/hash")
async def hash_upload(
    request: Request,
    state: StateDep,
    principal: CurrentScanner,
    types: str | None = Query(default=None, description="Comma-separated signal types."),
) -> dict[str, str]:
    """Hash one upload (field ``photo`` or ``video``): ``{signal_type: hash}``.

    A photo too flat to hash (PDQ quality < 50) gives an empty ``pdq`` string, as HMA does.
    """
    upload = await _one_upload(request, state)
    with upload.buffer:
        results = await run_in_threadpool(hash_received, state, upload, types)
    return {name: (r.value if r.usable else "") for name, r in results.items()}


@router.get("/h/hash")
def hash_url(principal: CurrentScanner, url: str | None = Query(default=None)) -> None:
    """Hashing by URL is refused (see the module notes)."""
    _no_urls(url if url is not None else "")
