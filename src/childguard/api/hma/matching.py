"""HMA's ``/m`` routes: lookups by hash and by upload, raw lookups, compare, index status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from starlette.concurrency import run_in_threadpool

from childguard.api.deps import (
    CurrentLookup,
    CurrentScanner,
    StateDep,
)
from childguard.api.hma.common import (
    HmaError,
    _bank_filter,
    _by_bank,
    _distance,
    _no_urls,
    _one_upload,
    _signal,
    hash_received,
)
from childguard.api.service import record_scan
from childguard.api.state import AppState
from childguard.api.uploads import ReceivedUpload
from childguard.auth import Principal
from childguard.errors import InvalidInput
from childguard.media.matcher import Match, apply_allow
from childguard.media.signals.base import LookupHash
from childguard.media.signals.registry import signal_types

router = APIRouter(tags=["hma compatibility"])


# -- matching -------------------------------------------------------------------------------


@router.get("/m/lookup")
def lookup_get(
    state: StateDep,
    principal: CurrentLookup,
    signal_type: str | None = Query(default=None),
    signal: str | None = Query(default=None),
    banks: str | None = Query(default=None),
    url: str | None = Query(default=None),
    seed: str | None = Query(default=None),
    bypass_coinflip: bool | None = Query(default=None),
) -> dict[str, list[dict[str, Any]]]:
    """Matches of one hash, by bank: ``{"BANK": [{"bank_content_id", "distance"}]}``."""
    return lookup_signal(state, principal, signal_type, signal, banks, url)


def lookup_signal(
    state: AppState,
    principal: Principal,
    signal_type: str | None,
    signal: str | None,
    banks: str | None,
    url: str | None,
) -> dict[str, list[dict[str, Any]]]:
    """``GET /m/lookup``'s work: the matches of one hash in the caller's banks, by bank."""
    _no_urls(url)
    if not signal_type or not signal:
        raise HmaError(400, "Either url or both signal and signal_type are required")
    stype = _signal(signal_type)
    try:
        value = stype.validate(signal)
    except InvalidInput as exc:
        raise HmaError(400, f"invalid signal: {exc.message}") from None
    visible = _bank_filter(state, principal, banks)
    return _by_bank(state.matcher.lookup(stype.name, [LookupHash(value)], visible))


@router.post("/m/lookup")
async def lookup_post(
    request: Request,
    state: StateDep,
    principal: CurrentScanner,
    banks: str | None = Query(default=None),
    types: str | None = Query(default=None),
    seed: str | None = Query(default=None),
    bypass_coinflip: str | None = Query(default=None),
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Hash an upload and match it: ``{signal_type: {bank: [matches]}}``.

    Rotated and mirrored copies match too (all eight PDQ orientations are looked up).
    """
    upload = await _one_upload(request, state)
    with upload.buffer:
        return await run_in_threadpool(lookup_received, state, principal, upload, banks, types)


def lookup_received(
    state: AppState,
    principal: Principal,
    upload: ReceivedUpload,
    banks: str | None,
    types: str | None,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``POST /m/lookup``'s work: hash the upload, match it, record the scan."""
    results = hash_received(state, upload, types)
    visible = _bank_filter(state, principal, banks)
    per_type: dict[str, list[Match]] = {}
    for name, result in results.items():
        if not result.usable:
            raise HmaError(400, f"invalid signal: {name} quality {result.quality} is below 50")
        lookups = result.lookups or (LookupHash(result.value),)
        per_type[name] = state.matcher.lookup(result.signal_type, lookups, visible)
    # an allow-bank match suppresses the others (flags set on the shared Match objects)
    every = apply_allow([m for ms in per_type.values() for m in ms])
    record_scan(state, principal, upload.field_name or "photo", every)
    return {name: _by_bank(ms) for name, ms in per_type.items()}


@router.get("/m/raw_lookup")
def raw_lookup(
    state: StateDep,
    principal: CurrentLookup,
    signal_type: str = Query(),
    signal: str = Query(),
    include_distance: bool = Query(default=False),
    banks: str | None = Query(default=None),
) -> dict[str, list[Any]]:
    """Content ids (or ``{bank_content_id, distance}`` objects) matching one hash."""
    stype = _signal(signal_type)
    try:
        value = stype.validate(signal)
    except InvalidInput as exc:
        raise HmaError(400, f"invalid signal: {exc.message}") from None
    matches = state.matcher.lookup(
        stype.name, [LookupHash(value)], _bank_filter(state, principal, banks)
    )
    if include_distance:
        return {
            "matches": [
                {"bank_content_id": m.content_id, "distance": _distance(m)} for m in matches
            ]
        }
    return {"matches": [m.content_id for m in matches]}


@router.post("/m/compare")
def compare(principal: CurrentLookup, body: Annotated[Any, Body()] = None) -> dict[str, list[Any]]:
    """Compare pairs of hashes per signal type: ``{"pdq": [is_match, {"distance": n}]}``."""
    if not isinstance(body, dict):
        raise HmaError(400, "Request input was not a dict")
    out: dict[str, list[Any]] = {}
    for name, pair in body.items():
        if not isinstance(pair, list):
            raise HmaError(400, f"Comparison hashes for {str(name)[:40]} was not a list")
        if len(pair) != 2:
            raise HmaError(400, "Comparison hash list length must be exactly 2")
        stype = _signal(str(name))
        try:
            a, b = (stype.validate(str(v)) for v in pair)
        except InvalidInput as exc:
            raise HmaError(400, f"Invalid {str(name)[:40]} hash: {exc.message}") from None
        distance = stype.distance(a, b)
        threshold = stype.default_threshold
        out[str(name)] = [distance <= threshold, {"distance": distance}]
    return out


@router.get("/m/index/status")
def index_status(
    state: StateDep, principal: CurrentLookup, signal_type: str | None = Query(default=None)
) -> dict[str, dict[str, Any]]:
    """Per signal type: whether an index is loaded, its size and when it was last updated."""
    names = list(signal_types()) if signal_type is None else [_signal(signal_type).name]
    sizes = state.matcher.size
    built = int(state.matcher.updated_at) if state.matcher.updated_at else -1
    return {
        name: {
            "built_to": built if sizes.get(name) else -1,
            "present": True,
            "size": sizes.get(name, 0),
        }
        for name in names
    }
