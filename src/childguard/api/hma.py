"""HMA-compatible routes, so an integration written for Meta's Hasher-Matcher-Actioner works.

Routes, parameters and response shapes follow HMA's API (``/status``, ``/h``, ``/m``, ``/c``):
uploads use a multipart field named after the content type (``photo`` or ``video``), matches are
``{"bank_content_id": int, "distance": str}``, banks are ``{"matching_enabled_ratio", "name"}``,
errors carry HMA's ``{"message": ...}`` (plus childguard's ``error`` object). Differences, all on
the safe side: every route needs an API key like the rest of the API; banks and matches are those
of the caller's organisation; new entries are matchable at once (HMA: after its next full index
rebuild, up to a minute or more); fetching media by ``url=`` is refused (it would let callers make
the server fetch arbitrary addresses); a bank's enable ratio is 0 or 1 (disabled or enabled);
``video_md5`` is childguard's ``md5`` of a video; bad input is a 4xx, never a 500.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from childguard.api.deps import (
    CurrentBankReader,
    CurrentBankWriter,
    CurrentLookup,
    CurrentScanner,
    SessionDep,
    StateDep,
)
from childguard.api.params import ContentIdPath
from childguard.api.service import bank_repository, record_scan
from childguard.api.state import AppState
from childguard.api.uploads import ReceivedUpload, UploadRules, read_upload
from childguard.auth import Principal
from childguard.errors import ChildguardError, Conflict, InvalidInput, NotFound
from childguard.media.bank_formats import EntryIn, validate_bank_name
from childguard.media.banks import BankRepository
from childguard.media.matcher import Match, apply_allow
from childguard.media.signals.base import ContentKind, HashResult, LookupHash, SignalType
from childguard.plugins import get_signal_type, signal_types
from childguard.store.models import Bank, BankEntry

router = APIRouter(tags=["hma compatibility"])

#: HMA's signal-type names that differ from childguard's.
ALIASES = {"video_md5": "md5"}
CONTENT_TYPES = ("photo", "video")
NOTE_MAX = 255


class HmaError(ChildguardError):
    """An error with the status HMA uses for the same case."""

    def __init__(self, status: int, message: str, code: str = "invalid_input") -> None:
        super().__init__(message)
        self.http_status = status  # type: ignore[misc]
        self.code = code  # type: ignore[misc]


def _signal(name: str) -> type[SignalType]:
    try:
        return get_signal_type(ALIASES.get(name, name))
    except InvalidInput:
        raise HmaError(400, f"No such SignalType '{name[:40]}'") from None


def _bank_public(bank: Bank) -> dict[str, Any]:
    return {"matching_enabled_ratio": 1.0 if bank.enabled else 0.0, "name": bank.name}


def _get_bank(repo: BankRepository, name: str, *, write: bool = False) -> Bank:
    try:
        return repo.get(name, write=write)
    except (NotFound, InvalidInput):
        raise HmaError(404, f"bank '{name[:80]}' not found", "not_found") from None


def _distance(m: Match) -> str:
    return str(m.distance) if get_signal_type(m.signal_type).default_threshold else "-"


def _by_bank(matches: Iterable[Match]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for m in matches:
        if m.allow or m.suppressed:
            continue
        out.setdefault(m.bank, []).append(
            {"bank_content_id": m.content_id, "distance": _distance(m)}
        )
    return out


def _bank_filter(state: AppState, principal: Principal, banks: str | None) -> frozenset[int]:
    visible = state.visible_banks(principal.org_id)
    if not banks:
        return visible
    names = {b.strip() for b in banks.split(",") if b.strip()}
    # HMA: unknown names simply match nothing
    return frozenset(
        i for i in visible if i in state.matcher.banks and state.matcher.banks[i].name in names
    )


UPLOAD_RULES = UploadRules(
    fields=frozenset(CONTENT_TYPES),
    missing="Missing multipart/form-data file upload",
    several="Only one file allowed per request",
    wrong_field=lambda name: f"no such content_type: '{name}'",
)


async def _one_upload(request: Request, state: AppState) -> ReceivedUpload:
    return await read_upload(
        request.stream(),
        request.headers.get("content-type", ""),
        None,
        state.settings,
        UPLOAD_RULES,
    )


def hash_received(
    state: AppState, upload: ReceivedUpload, types: str | None
) -> dict[str, HashResult]:
    """Hash an upload taken from field ``photo`` or ``video``: results by HMA signal name.

    ``types`` (comma-separated) keeps only those signal types; a file of the other kind than
    its field says is refused.
    """
    content_type = upload.field_name or "photo"
    media, results = upload.buffer.hash()
    expected = ContentKind.PHOTO if content_type == "photo" else ContentKind.VIDEO
    if media.kind is not expected:
        raise HmaError(
            400,
            f"the {content_type} field holds {media.mime}, not a {content_type}",
            "unsupported_media",
        )
    named = {_hma_name(name, media.kind): r for name, r in results.items()}
    if types:
        wanted = [t.strip() for t in types.split(",") if t.strip()]
        if not wanted:
            raise HmaError(400, "empty signal type selection")
        for t in wanted:
            if t not in named:
                raise HmaError(400, f"signal type '{t[:40]}' doesn't exist or is disabled")
        named = {t: named[t] for t in wanted}
    return named


def _hma_name(name: str, kind: ContentKind) -> str:
    return "video_md5" if name == "md5" and kind is ContentKind.VIDEO else name


def _no_urls(url: str | None) -> None:
    if url is not None:
        raise HmaError(
            400,
            "fetching media by url is disabled in childguard (it would let callers make the "
            "server fetch any address); upload the file instead",
        )


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


# -- curation -------------------------------------------------------------------------------


@router.get("/c/banks")
def list_banks(session: SessionDep, principal: CurrentBankReader) -> list[dict[str, Any]]:
    """Banks of your organisation (and those shared with it)."""
    repo = bank_repository(session, principal)
    return [
        {"matching_enabled_ratio": 1.0 if b.enabled else 0.0, "name": b.name}
        for b in repo.list_visible()
    ]


def _check_bank_name(name: Any) -> str:
    """HMA's bank-name error for anything that is not an UPPER_SNAKE string."""
    try:
        return validate_bank_name(name) if isinstance(name, str) else validate_bank_name("")
    except InvalidInput:
        raise HmaError(400, "Bank names must be UPPER_WITH_UNDERSCORE") from None


def _json_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise HmaError(400, "the request body must be a JSON object")
    return body


def _ratio_enabled(body: dict[str, Any], current: bool) -> bool:
    enabled = current
    if "enabled" in body:
        if not isinstance(body["enabled"], bool):
            raise HmaError(400, "enabled must be true or false")
        enabled = body["enabled"]
    if "enabled_ratio" in body:
        ratio = body["enabled_ratio"]
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 <= ratio <= 1:
            raise HmaError(400, "enabled_ratio must be a number from 0 to 1")
        enabled = ratio > 0
    return enabled


@router.post("/c/banks", status_code=201)
def create_bank(
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
    body: Annotated[Any, Body()] = None,
) -> dict[str, Any]:
    """Create a bank: ``{"name", "enabled_ratio"?}``; 403 when it exists, as HMA answers."""
    data = _json_object(body)
    name = data.get("name")
    if not isinstance(name, str):
        raise HmaError(400, "name is required")
    _check_bank_name(name)
    repo = bank_repository(session, principal)
    try:
        bank = repo.create(name)
    except Conflict:
        raise HmaError(403, "Bank already exists", "conflict") from None
    if not _ratio_enabled(
        {"enabled_ratio": data["enabled_ratio"]} if "enabled_ratio" in data else {}, True
    ):
        repo.update(name, enabled=False)
    session.commit()
    state.apply_changes()
    return _bank_public(bank)


@router.get("/c/bank/{bank_name}")
def get_bank(bank_name: str, session: SessionDep, principal: CurrentBankReader) -> dict[str, Any]:
    """One bank."""
    return _bank_public(_get_bank(bank_repository(session, principal), bank_name))


@router.put("/c/bank/{bank_name}")
def update_bank(
    bank_name: str,
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
    body: Annotated[Any, Body()] = None,
) -> dict[str, Any]:
    """Rename, enable or disable a bank."""
    data = _json_object(body)
    repo = bank_repository(session, principal)
    bank = _get_bank(repo, bank_name, write=True)
    new_name = data.get("name")
    if new_name is not None:
        _check_bank_name(new_name)
    enabled = _ratio_enabled(data, bank.enabled)
    try:
        bank = repo.update(
            bank_name, enabled=enabled if enabled != bank.enabled else None, new_name=new_name
        )
    except Conflict:
        raise HmaError(403, "Bank name already exists", "conflict") from None
    session.commit()
    state.apply_changes()
    return _bank_public(bank)


@router.delete("/c/bank/{bank_name}")
def delete_bank(
    bank_name: str, session: SessionDep, state: StateDep, principal: CurrentBankWriter
) -> dict[str, str]:
    """Delete a bank; like HMA, deleting a bank that does not exist also answers ``Done``."""
    try:
        bank_repository(session, principal).delete(bank_name)
    except (NotFound, InvalidInput):
        return {"message": "Done"}
    session.commit()
    state.apply_changes()
    return {"message": "Done"}


def _note(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise HmaError(400, "note should be a string")
    if len(value) > NOTE_MAX:
        raise HmaError(400, f"note must be at most {NOTE_MAX} characters")
    return value


def _add_content(
    session: Session,
    state: AppState,
    principal: Principal,
    bank_name: str,
    signals: dict[str, str],
    note: str,
    source: str = "hma",
    external_id: str = "",
) -> dict[str, Any]:
    repo = bank_repository(session, principal)
    bank = _get_bank(repo, bank_name, write=True)
    entries = [
        EntryIn(ALIASES.get(name, name), value, source=source, external_id=external_id, note=note)
        for name, value in signals.items()
    ]
    summary = repo.add_entries(bank, entries, as_content=True)
    ids = summary.entry_ids
    content_id = session.scalar(select(BankEntry.content_id).where(BankEntry.id == ids[0]))
    session.commit()
    state.apply_changes()
    return {"id": content_id or min(ids), "signals": signals}


@router.post("/c/bank/{bank_name}/signal")
def add_signal(
    bank_name: str,
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
    body: Annotated[Any, Body()] = None,
) -> dict[str, Any]:
    """Add hashes as one content: ``{"pdq": "...", "note"?}`` -> ``{"id", "signals"}``."""
    data = _json_object(body)
    note = _note(data.get("note"))
    signals: dict[str, str] = {}
    for name, value in data.items():
        if name == "note":
            continue
        try:
            stype = get_signal_type(ALIASES.get(name, name))
        except InvalidInput:
            raise HmaError(400, f"No such signal type {str(name)[:40]}") from None
        try:
            signals[name] = stype.validate(str(value))
        except InvalidInput as exc:
            raise HmaError(400, f"Invalid {name} signal: {exc.message}") from None
    if not signals:
        raise HmaError(400, "No signals given")
    return _add_content(session, state, principal, bank_name, signals, note)


@router.post("/c/bank/{bank_name}/content")
async def add_content(
    bank_name: str,
    request: Request,
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
    url: str | None = Query(default=None),
    types: str | None = Query(default=None),
) -> dict[str, Any]:
    """Hash an upload (field ``photo`` or ``video``) and add its signals as one content."""
    _no_urls(url)
    _get_bank(bank_repository(session, principal), bank_name, write=True)
    upload = await _one_upload(request, state)
    with upload.buffer:
        form = upload.extra_fields
        note = _note(form.get("note"))
        external_id = ""
        raw_meta = form.get("metadata")
        if raw_meta:
            try:
                meta = json.loads(raw_meta)
            except ValueError:
                raise HmaError(400, "metadata form field must be valid JSON") from None
            if not isinstance(meta, dict):
                raise HmaError(400, "metadata should be a json object")
            unknown = set(meta) - {"content_id", "content_uri", "json"}
            if unknown:
                raise HmaError(400, f"Invalid metadata: unexpected keys {sorted(unknown)}")
            external_id = str(meta.get("content_id") or "")[:200]
        results = await run_in_threadpool(hash_received, state, upload, types)
    for name, r in results.items():
        if not r.usable:
            raise HmaError(400, f"Invalid {name} signal: quality {r.quality} is below 50")
    signals = {name: r.value for name, r in results.items()}
    return _add_content(
        session, state, principal, bank_name, signals, note, external_id=external_id
    )


def _content_rows(session: Session, bank: Bank, content_id: int) -> list[BankEntry]:
    rows = list(
        session.scalars(
            select(BankEntry)
            .where(
                BankEntry.bank_id == bank.id,
                or_(BankEntry.content_id == content_id, BankEntry.id == content_id),
            )
            .order_by(BankEntry.id)
        )
    )
    rows = [r for r in rows if (r.content_id or r.id) == content_id]
    if not rows:
        raise HmaError(404, f"content '{content_id}' not found", "not_found")
    return rows


def _content_public(bank: Bank, rows: Sequence[BankEntry], include_signals: bool) -> dict[str, Any]:
    enabled = any(r.enabled for r in rows)
    out: dict[str, Any] = {
        "bank": _bank_public(bank),
        # HMA: 1 means enabled; a time in the future means disabled until then. childguard
        # disables without an end, shown as the far future.
        "disable_until_ts": 1 if enabled else 2**31 - 1,
        "id": rows[0].content_id or rows[0].id,
        "original_media_uri": None,
    }
    if include_signals:
        out["signals"] = {
            (
                "video_md5"
                if r.signal_type == "md5" and any(x.signal_type == "vpdq" for x in rows)
                else r.signal_type
            ): r.value
            for r in rows
        }
    note = next((r.note for r in rows if r.note), "")
    if note:
        out["note"] = note
    return out


@router.get("/c/bank/{bank_name}/content/{content_id}")
def get_content(
    bank_name: str,
    content_id: ContentIdPath,
    session: SessionDep,
    principal: CurrentBankReader,
    include_signals: str | None = Query(default=None),
) -> dict[str, Any]:
    """One content of the bank (``include_signals=true`` adds its hashes)."""
    bank = _get_bank(bank_repository(session, principal), bank_name)
    rows = _content_rows(session, bank, content_id)
    return _content_public(bank, rows, (include_signals or "").lower() == "true")


@router.put("/c/bank/{bank_name}/content/{content_id}")
def update_content(
    bank_name: str,
    content_id: ContentIdPath,
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
    body: Annotated[Any, Body()] = None,
) -> dict[str, Any]:
    """``disable_until_ts`` in the future disables the content, 0 or 1 enables it."""
    data = _json_object(body)
    repo = bank_repository(session, principal)
    bank = _get_bank(repo, bank_name, write=True)
    rows = _content_rows(session, bank, content_id)
    if "disable_until_ts" in data:
        raw = data["disable_until_ts"]
        try:
            ts = int(raw)
        except (TypeError, ValueError):
            raise HmaError(400, "disable_until_ts must be a non-negative integer") from None
        if ts < 0:
            raise HmaError(400, "disable_until_ts must be a non-negative integer")
        if ts > time.time() + 5 * 365 * 86400:
            raise HmaError(400, "disable_until_ts must be less than 5 years in the future")
        repo.set_entries_enabled(bank, [str(r.id) for r in rows], ts <= time.time())
    if "note" in data:
        note = _note(data["note"])
        for r in rows:
            r.note = note
    session.commit()
    state.apply_changes()
    return _content_public(bank, _content_rows(session, bank, content_id), True)


@router.delete("/c/bank/{bank_name}/content/{content_id}")
def delete_content(
    bank_name: str,
    content_id: ContentIdPath,
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
) -> dict[str, int]:
    """Delete a content: ``{"deleted": 1}``, or 0 when there is no such content."""
    repo = bank_repository(session, principal)
    bank = _get_bank(repo, bank_name, write=True)
    try:
        rows = _content_rows(session, bank, content_id)
    except HmaError:
        return {"deleted": 0}
    repo.remove_entries(bank, [str(r.id) for r in rows])
    session.commit()
    state.apply_changes()
    return {"deleted": 1}


@router.get("/c/signal_type")
def list_signal_types(principal: CurrentBankReader) -> list[dict[str, Any]]:
    """The signal types this deployment hashes and matches."""
    return [{"enabled_ratio": 1.0, "name": name} for name in sorted(signal_types())]


@router.get("/c/content_type")
def list_content_types(principal: CurrentBankReader) -> list[dict[str, Any]]:
    """The content types uploads may declare."""
    return [{"enabled": True, "name": name} for name in CONTENT_TYPES]
