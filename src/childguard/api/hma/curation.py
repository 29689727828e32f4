"""HMA's ``/c`` routes: banks, their content and signals, signal and content types."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from childguard.api.deps import (
    CurrentBankReader,
    CurrentBankWriter,
    SessionDep,
    StateDep,
)
from childguard.api.hma.common import (
    ALIASES,
    CONTENT_TYPES,
    NOTE_MAX,
    HmaError,
    _bank_public,
    _get_bank,
    _no_urls,
    _one_upload,
    hash_received,
)
from childguard.api.params import ContentIdPath
from childguard.api.service import bank_repository
from childguard.api.state import AppState
from childguard.auth import Principal
from childguard.errors import Conflict, InvalidInput, NotFound
from childguard.media.bank_formats import EntryIn, validate_bank_name
from childguard.media.signals.registry import get_signal_type, signal_types
from childguard.store.models import Bank, BankEntry

router = APIRouter(tags=["hma compatibility"])


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
