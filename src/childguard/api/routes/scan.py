"""``POST /v1/scan`` (one uploaded file) and ``POST /v1/lookup`` (hashes)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, File, UploadFile

from childguard.api.deps import CurrentLookup, CurrentScanner, StateDep
from childguard.api.schemas.scan import LookupPublic, LookupRequest, LookupResult, ScanPublic
from childguard.api.service import record_scan, resolve_visible
from childguard.api.uploads import spooled_upload
from childguard.errors import InvalidInput
from childguard.media.scan import hash_file
from childguard.media.signals.base import LookupHash
from childguard.plugins import get_signal_type

router = APIRouter(prefix="/v1", tags=["scanning"])
log = logging.getLogger("childguard.api")


@router.post("/scan", response_model=ScanPublic)
def scan(
    state: StateDep,
    principal: CurrentScanner,
    file: UploadFile = File(description="The photo or video to check."),
) -> ScanPublic:
    """Hash one uploaded file and match it against every bank your organisation can see.

    The upload is written to a private temporary file and deleted once hashed; nothing of it is
    kept. ``blocked`` is true when a bank that is not an allow bank matched.
    """
    metrics = state.metrics
    try:
        with spooled_upload(file.file, state.settings) as path:
            media, signals = hash_file(path, state.settings)
    except InvalidInput:
        metrics.scans.labels("error").inc()
        raise
    visible = state.visible_banks(principal.org_id)
    matches = state.matcher.match_signals(signals.values(), visible)
    blocked = record_scan(state, principal, media.mime, matches)
    return ScanPublic(
        filename=(file.filename or None) and file.filename[:255],
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
