"""``/v1/banks``: banks and their entries, import and export, sharing."""

from __future__ import annotations

import io
from collections.abc import Iterator

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.api.deps import CurrentBankReader, CurrentBankWriter, SessionDep, StateDep
from childguard.api.params import AfterQuery, EntryIdPath
from childguard.api.schemas.banks import (
    BankCreate,
    BankPublic,
    BankUpdate,
    EntriesCreate,
    EntryCreate,
    EntryPublic,
    EntryUpdate,
    ImportPublic,
    ShareCreate,
)
from childguard.api.service import bank_repository
from childguard.api.uploads import buffer_stream
from childguard.auth import Principal, get_org
from childguard.errors import InvalidInput
from childguard.media.bank_formats import BankFormat, EntryIn, make_entry, parse_entries
from childguard.media.bank_formats import write_entries as write_formatted
from childguard.media.bank_listing import visible_banks
from childguard.store.models import MAX_ID, BankEntry

router = APIRouter(prefix="/v1/banks", tags=["banks"])


def _entry_public(e: BankEntry) -> EntryPublic:
    return EntryPublic(
        id=e.id,
        signal_type=e.signal_type,
        signal=e.value,
        source=e.source,
        external_id=e.external_id,
        classification=e.classification,
        note=e.note,
        enabled=e.enabled,
        added_at=e.added_at,
        false_positives=e.false_positives,
    )


@router.get("", response_model=list[BankPublic])
def list_banks(state: StateDep, principal: CurrentBankReader) -> list[BankPublic]:
    """Banks your organisation owns or that were shared with it."""
    # one prebuilt statement on an autocommit connection: one round trip to the database
    with state.db.read() as conn:
        infos = visible_banks(conn, principal.org_id)
    return [BankPublic(**b.to_public()) for b in infos]


@router.post("", response_model=BankPublic, status_code=status.HTTP_201_CREATED)
def create_bank(
    body: BankCreate, session: SessionDep, state: StateDep, principal: CurrentBankWriter
) -> BankPublic:
    """Create a bank in your organisation."""
    repo = bank_repository(session, principal)
    repo.create(body.name, threshold=body.threshold, allow=body.allow, description=body.description)
    info = repo.info(body.name)
    session.commit()
    state.apply_changes()
    return BankPublic(**info.to_public())


@router.get("/{name}", response_model=BankPublic)
def get_bank(name: str, session: SessionDep, principal: CurrentBankReader) -> BankPublic:
    """One bank with its entry counts."""
    return BankPublic(**bank_repository(session, principal).info(name).to_public())


@router.patch("/{name}", response_model=BankPublic)
def update_bank(
    name: str,
    body: BankUpdate,
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
) -> BankPublic:
    """Change threshold, enabled, allow or description."""
    repo = bank_repository(session, principal)
    repo.update(
        name,
        enabled=body.enabled,
        allow=body.allow,
        threshold=body.threshold,
        clear_threshold=body.default_threshold,
        description=body.description,
    )
    info = repo.info(name)
    session.commit()
    state.apply_changes()
    return BankPublic(**info.to_public())


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_bank(
    name: str, session: SessionDep, state: StateDep, principal: CurrentBankWriter
) -> Response:
    """Delete a bank and all its entries."""
    bank_repository(session, principal).delete(name)
    session.commit()
    state.apply_changes()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{name}/entries", response_model=list[EntryPublic])
def list_entries(
    name: str,
    session: SessionDep,
    principal: CurrentBankReader,
    signal_type: str | None = Query(default=None, max_length=32),
    limit: int = Query(default=100, ge=1, le=10000),
    after: AfterQuery = 0,
    min_false_positives: int = Query(
        default=0,
        ge=0,
        le=MAX_ID,
        description="Only entries with at least this many false positives.",
    ),
) -> list[EntryPublic]:
    """Entries in id order, paged with ``after`` (the last id seen) and ``limit``.

    ``false_positives`` counts reviewers' ``NOT_VIOLATING`` decisions on cases the entry
    matched; ``min_false_positives=1`` lists the entries that cause them.
    """
    repo = bank_repository(session, principal)
    bank = repo.get(name)
    query = (
        select(BankEntry)
        .where(BankEntry.bank_id == bank.id, BankEntry.id > after)
        .order_by(BankEntry.id)
        .limit(limit)
    )
    if min_false_positives:
        query = query.where(BankEntry.false_positives >= min_false_positives)
    if signal_type:
        from childguard.media.signals.registry import get_signal_type

        query = query.where(BankEntry.signal_type == get_signal_type(signal_type).name)
    return [_entry_public(e) for e in session.scalars(query)]


def _entry_in(body: EntryCreate, index: int | None = None) -> EntryIn:
    try:
        return make_entry(
            body.signal_type,
            body.signal,
            source=body.source,
            external_id=body.external_id,
            classification=body.classification,
            note=body.note,
        )
    except InvalidInput as exc:
        where = f"entries[{index}]: " if index is not None else ""
        raise InvalidInput(where + exc.message) from None


def _add(
    name: str, entries: list[EntryIn], session: Session, state: StateDep, principal: Principal
) -> ImportPublic:
    repo = bank_repository(session, principal)
    summary = repo.add_entries(repo.get(name, write=True), entries)
    session.commit()
    state.apply_changes()
    return ImportPublic(added=summary.added, merged=summary.merged, by_signal=summary.by_signal)


@router.post("/{name}/entries", response_model=ImportPublic, status_code=201)
def add_entries(
    name: str,
    body: EntriesCreate | EntryCreate,
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
) -> ImportPublic:
    """Add one entry (``EntryCreate``) or many (``{"entries": [...]}``) by hash."""
    if isinstance(body, EntryCreate):
        entries = [_entry_in(body)]
    else:
        entries = [_entry_in(e, i) for i, e in enumerate(body.entries)]
    return _add(name, entries, session, state, principal)


@router.post("/{name}/entries/upload", response_model=ImportPublic, status_code=201)
def add_by_upload(
    name: str,
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
    file: UploadFile = File(description="Photo or video whose hashes to add."),
    source: str = Form(default="", max_length=200),
    external_id: str = Form(default="", max_length=200),
    classification: str = Form(default="", max_length=64),
    note: str = Form(default="", max_length=2000),
) -> ImportPublic:
    """Hash an uploaded file and add its usable signals; the file itself is not kept."""
    bank_repository(session, principal).get(name, write=True)
    with buffer_stream(file.file, state.settings, file.filename) as buf:
        _, signals = buf.hash()
    entries = [
        EntryIn(r.signal_type, r.value, source, external_id, classification, note)
        for r in signals.values()
        if r.usable
    ]
    if not entries:
        raise InvalidInput("the file's hashes are all too low in quality to be banked")
    return _add(name, entries, session, state, principal)


@router.patch("/{name}/entries/{entry_id}", response_model=EntryPublic)
def update_entry(
    name: str,
    entry_id: EntryIdPath,
    body: EntryUpdate,
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
) -> EntryPublic:
    """Enable or disable an entry."""
    repo = bank_repository(session, principal)
    bank = repo.get(name, write=True)
    repo.set_entries_enabled(bank, [str(entry_id)], body.enabled)
    (entry,) = repo.find_entries(bank, str(entry_id))
    out = _entry_public(entry)
    session.commit()
    state.apply_changes()
    return out


@router.delete("/{name}/entries/{entry_id}", status_code=204)
def remove_entry(
    name: str,
    entry_id: EntryIdPath,
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
) -> Response:
    """Remove an entry."""
    repo = bank_repository(session, principal)
    repo.remove_entries(repo.get(name, write=True), [str(entry_id)])
    session.commit()
    state.apply_changes()
    return Response(status_code=204)


@router.post("/{name}/import", response_model=ImportPublic, status_code=201)
def import_entries(
    name: str,
    session: SessionDep,
    state: StateDep,
    principal: CurrentBankWriter,
    file: UploadFile = File(description="CSV, te-csv, te-lines or one hash per line."),
    format: BankFormat | None = Query(default=None, description="Detected when omitted."),
    signal_type: str | None = Query(default=None, description="For bare hash lists."),
    source: str = Query(default="", max_length=200),
) -> ImportPublic:
    """Import a hash list atomically: a bad line fails the whole import with its line number."""
    bank_repository(session, principal).get(name, write=True)
    with buffer_stream(file.file, state.settings, file.filename) as buf:
        try:
            text = buf.content().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("the import file is not UTF-8 text") from None
    entries = parse_entries(io.StringIO(text), format, signal_type=signal_type, source=source)
    return _add(name, entries, session, state, principal)


@router.get("/{name}/export")
def export_entries(
    name: str,
    session: SessionDep,
    principal: CurrentBankReader,
    format: BankFormat = Query(default=BankFormat.CSV),
    signal_type: str | None = Query(default=None),
) -> StreamingResponse:
    """Export entries in one of the import formats."""
    if format is BankFormat.LINES and signal_type is None:
        raise InvalidInput("the lines format holds one signal type: add signal_type=pdq|md5|...")
    repo = bank_repository(session, principal)
    bank = repo.get(name)
    buffer = io.StringIO()
    write_formatted(repo.iter_entries(bank, signal_type), format, buffer)

    def chunks() -> Iterator[str]:
        yield buffer.getvalue()

    media = "text/csv" if format in (BankFormat.CSV, BankFormat.TE_CSV) else "text/plain"
    filename = f"{bank.name}.{'csv' if media == 'text/csv' else 'txt'}"
    return StreamingResponse(
        chunks(),
        media_type=f"{media}; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/{name}/shares", status_code=204)
def share_bank(
    name: str, body: ShareCreate, session: SessionDep, state: StateDep, principal: CurrentBankWriter
) -> Response:
    """Share a bank read-only with another organisation."""
    bank_repository(session, principal).share(name, get_org(session, body.org))
    session.commit()
    state.apply_changes()
    return Response(status_code=204)


@router.delete("/{name}/shares/{org}", status_code=204)
def unshare_bank(
    name: str, org: str, session: SessionDep, state: StateDep, principal: CurrentBankWriter
) -> Response:
    """Stop sharing a bank with an organisation."""
    bank_repository(session, principal).share(name, get_org(session, org), revoke=True)
    session.commit()
    state.apply_changes()
    return Response(status_code=204)
