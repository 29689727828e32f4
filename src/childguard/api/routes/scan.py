"""``POST /v1/scan`` (one uploaded file) and ``POST /v1/lookup`` (hashes).

The work is done by plain functions (``scan_received``, ``lookup_hashes``) that both these
FastAPI routes and the lean ASGI handlers of ``childguard.api.fastpath`` call, so the two ways
in behave the same.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from childguard.api.deps import CurrentLookup, CurrentScanner, StateDep
from childguard.api.schemas.scan import LookupPublic, LookupRequest, LookupResult, ScanPublic
from childguard.api.service import count_scan, record_scan, resolve_visible
from childguard.api.state import AppState
from childguard.api.uploads import ReceivedUpload, UploadRules, read_upload
from childguard.auth import Principal
from childguard.cases.intake import (
    Subject,
    add_media,
    make_subject,
    media_from_scan,
    validate_idempotency_key,
)
from childguard.errors import InvalidInput
from childguard.media.scan_audit import scan_match_record
from childguard.media.signals.base import LookupHash
from childguard.media.signals.registry import get_signal_type

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

#: Optional identifiers a scan may carry (form fields or query parameters) for its case.
CASE_FIELDS = ("content_id", "user_id", "conversation_id", "user_report")
_CASE_FIELD_SCHEMA = {
    "content_id": {"type": "string", "description": "The platform's id of the content."},
    "user_id": {"type": "string", "description": "The platform's id of the uploader."},
    "conversation_id": {"type": "string", "description": "The conversation it was sent in."},
    "user_report": {"type": "boolean", "description": "True when a user reported it."},
}

SCAN_BODY = {
    "parameters": [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in _CASE_FIELD_SCHEMA.items()
    ]
    + [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": "A retried request with the same key creates nothing twice.",
        }
    ],
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        **_CASE_FIELD_SCHEMA,
                    },
                    "required": ["file"],
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    },
}


@router.post("/scan", response_model=ScanPublic, openapi_extra=SCAN_BODY)
async def scan(request: Request, state: StateDep, principal: CurrentScanner) -> ScanPublic:
    """Hash one file and match it against every bank your organisation can see.

    Send the file as a multipart field ``file``, or as the raw request body with any other
    content type (cheaper: no multipart parsing; ``X-Filename`` may name it). Uploads up to
    ``CHILDGUARD_UPLOAD_MEMORY_BYTES`` are hashed in memory, larger ones through a private
    temporary file deleted once hashed; nothing of the upload is kept. ``blocked`` is true when
    a bank that is not an allow bank matched.

    A match opens a case, or joins the open case of the same content hash, conversation or
    user; ``case_id`` names it. ``content_id``, ``user_id``, ``conversation_id`` and
    ``user_report`` (form fields or query parameters) describe the subject, and an
    ``Idempotency-Key`` header makes a retried request create nothing twice.
    """
    upload = await read_upload(
        request.stream(),
        request.headers.get("content-type", ""),
        request.headers.get("x-filename"),
        state.settings,
        SCAN_RULES,
    )
    with upload.buffer:
        request_case = case_request(
            request.query_params, upload.extra_fields, request.headers.get("idempotency-key")
        )
        return await run_in_threadpool(scan_received, state, principal, upload, request_case)


def case_request(
    query: Mapping[str, str], fields: Mapping[str, str], idempotency_key: str | None
) -> tuple[Subject, str | None]:
    """The case subject of a scan (form fields win over query parameters) and its key."""
    values = {name: fields.get(name, query.get(name)) for name in CASE_FIELDS}
    subject = make_subject(
        values["content_id"],
        values["user_id"],
        values["conversation_id"],
        values["user_report"] or False,
    )
    return subject, validate_idempotency_key(idempotency_key)


def scan_received(
    state: AppState,
    principal: Principal,
    upload: ReceivedUpload,
    request_case: tuple[Subject, str | None] = (Subject(), None),
) -> ScanPublic:
    """Hash a received upload, match it for the caller's organisation and record the scan.

    A match opens or joins a case (``request_case``: the subject and idempotency key).
    """
    try:
        media, signals = upload.buffer.hash()
    except InvalidInput:
        state.metrics.count_scan(principal.org_name, "error")
        raise
    visible = state.visible_banks(principal.org_id)
    matches = state.matcher.match_signals(signals.values(), visible)
    item = media_from_scan(upload.buffer.filename, media.mime, media.size, signals, matches)
    case_id = None
    if item is None:
        blocked = record_scan(state, principal, media.mime, matches)
    else:
        # The match's audit record and its case share one transaction; intake appends the
        # record with its own, so the chain is read and locked once.
        subject, key = request_case
        blocked = count_scan(state, principal, matches)
        scan_record = scan_match_record(principal.actor, principal.org_id, media.mime, matches)
        with state.db.session(write=True) as session:
            opened = add_media(
                session,
                state.settings,
                principal.org_id,
                principal.actor,
                subject,
                item,
                load_bytes=upload.buffer.content,
                idempotency_key=key,
                also_audit=[scan_record] if scan_record is not None else [],
            )
        case_id = opened.case_id if opened is not None else None
    return ScanPublic(
        filename=upload.buffer.filename,
        content_type=media.mime,
        size=media.size,
        signals={name: r.to_public() for name, r in signals.items()},
        matches=[m.to_public() for m in matches],
        low_quality=any(not r.usable for r in signals.values()),
        blocked=blocked,
        case_id=case_id,
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
