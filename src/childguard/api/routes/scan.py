"""``POST /v1/scan`` (one uploaded file) and ``POST /v1/lookup`` (hashes).

The work is done by plain functions (``scan_received``, ``lookup_hashes``) that both these
FastAPI routes and the lean ASGI handlers of ``childguard.api.fastpath`` call, so the two ways
in behave the same.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from childguard.api.deps import CurrentLookup, CurrentScanner, StateDep
from childguard.api.schemas.scan import LookupPublic, LookupRequest, LookupResult, ScanPublic
from childguard.api.service import record_scan, resolve_visible
from childguard.api.state import AppState
from childguard.api.uploads import ReceivedUpload, UploadRules, read_upload
from childguard.auth import Principal
from childguard.errors import InvalidInput
from childguard.media.signals.base import LookupHash
from childguard.plugins import get_signal_type

router = APIRouter(prefix="/v1", tags=["scanning"])

SCAN_RULES = UploadRules(
    fields=frozenset({"file"}),
    missing="no file sent: use a multipart field named 'file', or send the file as the raw body",
    several="send one file per request",
    wrong_field=lambda name: (
        f"the file is in a multipart field named '{name}'; name the field 'file' "
        "(or send the file as the raw request body)"
    ),
    raw_body=True,
)

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
    content type (cheaper: no multipart parsing; ``X-Filename`` may name it). Uploads up to
    ``CHILDGUARD_UPLOAD_MEMORY_BYTES`` are hashed in memory, larger ones through a private
    temporary file deleted once hashed; nothing of the upload is kept. ``blocked`` is true when
    a bank that is not an allow bank matched.
    """
    upload = await read_upload(
        request.stream(),
        request.headers.get("content-type", ""),
        request.headers.get("x-filename"),
        state.settings,
        SCAN_RULES,
    )
    with upload.buffer:
        return await run_in_threadpool(scan_received, state, principal, upload)


def scan_received(state: AppState, principal: Principal, upload: ReceivedUpload) -> ScanPublic:
    """Hash a received upload, match it for the caller's organisation and record the scan."""
    try:
        media, signals = upload.buffer.hash()
    except InvalidInput:
        state.metrics.count_scan(principal.org_name, "error")
        raise
    visible = state.visible_banks(principal.org_id)
    matches = state.matcher.match_signals(signals.values(), visible)
    blocked = record_scan(state, principal, media.mime, matches)
    return ScanPublic(
        filename=upload.buffer.filename,
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
    return lookup_hashes(state, principal, body)


def lookup_hashes(state: AppState, principal: Principal, body: LookupRequest) -> LookupPublic:
    """Matches for each hash of a validated lookup request, in the request's order."""
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
