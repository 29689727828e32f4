"""``POST /v1/scan`` (one uploaded file) and ``POST /v1/lookup`` (hashes)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from childguard.api.deps import CurrentLookup, CurrentScanner, StateDep
from childguard.api.schemas.scan import LookupPublic, LookupRequest, LookupResult, ScanPublic
from childguard.api.service import record_scan, resolve_visible
from childguard.api.state import AppState
from childguard.api.uploads import spooled_body, spooled_upload
from childguard.auth import Principal
from childguard.errors import InvalidInput
from childguard.media.scan import hash_file
from childguard.media.signals.base import LookupHash
from childguard.plugins import get_signal_type

router = APIRouter(prefix="/v1", tags=["scanning"])


SCAN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post("/scan", response_model=ScanPublic, openapi_extra=SCAN_BODY)
async def scan(request: Request, state: StateDep, principal: CurrentScanner) -> ScanPublic:
    """Hash one file and match it against every bank your organisation can see.

    Send the file as a multipart field ``file``, or as the raw request body with any other
    content type (cheaper: no multipart parsing; ``X-Filename`` may name it). The upload is
    written to a private temporary file and deleted once hashed; nothing of it is kept.
    ``blocked`` is true when a bank that is not an allow bank matched.
    """
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/"):
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput(
                "send the file in a multipart field named 'file', or as the raw request body"
            )
        return await run_in_threadpool(_scan_upload, state, principal, upload)
    if not content_type and request.headers.get("content-length", "0") == "0":
        raise InvalidInput("no file sent: use a multipart field 'file' or the raw request body")
    filename = request.headers.get("x-filename")
    async with spooled_body(request.stream(), state.settings) as path:
        return await run_in_threadpool(_scan_file, state, principal, path, filename)


def _scan_upload(state: AppState, principal: Principal, upload: UploadFile) -> ScanPublic:
    with spooled_upload(upload.file, state.settings) as path:
        return _scan_file(state, principal, path, upload.filename)


def _scan_file(
    state: AppState, principal: Principal, path: Path, filename: str | None
) -> ScanPublic:
    try:
        media, signals = hash_file(path, state.settings)
    except InvalidInput:
        state.metrics.scans.labels("error").inc()
        raise
    visible = state.visible_banks(principal.org_id)
    matches = state.matcher.match_signals(signals.values(), visible)
    blocked = record_scan(state, principal, media.mime, matches)
    return ScanPublic(
        filename=filename[:255] if filename else None,
        content_type=media.mime,
        size=media.size,
        signals={name: r.to_public() for name, r in signals.items()},
        matches=[m.to_public() for m in matches],
        low_quality=any(not r.usable for r in signals.values()),
        blocked=blocked,
    )


@router.post("/lookup", response_model=LookupPublic)
def lookup(body: LookupRequest, state: StateDep, principal: CurrentLookup) -> LookupPublic:
    """Look up to ``CHILDGUARD_MAX_LOOKUP_HASHES`` hashes of one signal type in one call."""
    limit = state.settings.max_lookup_hashes
    if len(body.hashes) > limit:
        raise InvalidInput(f"{len(body.hashes)} hashes in one lookup; the limit is {limit}")
    stype = get_signal_type(body.signal_type)
    canon = []
    for number, value in enumerate(body.hashes):
        try:
            canon.append(stype.validate(value))
        except InvalidInput as exc:
            raise InvalidInput(f"hashes[{number}]: {exc.message}") from None
    visible = resolve_visible(state, principal, body.banks)
    batches = state.matcher.lookup_batch(stype.name, [[LookupHash(v)] for v in canon], visible)
    return LookupPublic(
        signal_type=stype.name,
        results=[
            LookupResult(hash=v, matches=[m.to_public() for m in ms])
            for v, ms in zip(canon, batches, strict=True)
        ],
    )
