"""Banks: named hash lists with provenance, owned by an organisation and shareable read-only.

``BankRepository`` is the one place where banks and entries change. Every change appends an audit
record and an ``index_changes`` row in the same transaction, so audit and indexes never disagree
with what is stored. Import/export formats live in ``bank_formats``, the chunks of a streamed
import in ``bank_import``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from childguard.media.bank_formats import (
    BankFormat,
    EntryIn,
    clip_text,
    detect_format,
    iter_parsed_entries,
    merge_repeats,
    validate_bank_name,
    value_digest,
)
from childguard.media.bank_import import ChunkImporter, ImportSummary
from childguard.media.bank_listing import BankInfo, visible_banks
from childguard.media.bank_sort_parallel import PARALLEL_MIN_BYTES
from childguard.media.signals.registry import get_signal_type
from childguard.store.bulk import counted_in_bulk, prepare_bulk_import
from childguard.store.models import (
    MAX_ID,
    Bank,
    BankEntry,
    BankShare,
    IndexChange,
    Org,
    utcnow,
)

#: Entries per chunk of a streamed import: memory is bounded by it, speed barely depends on it.
IMPORT_CHUNK = 50_000


def visible_bank_ids(session: Session, org_id: int) -> set[int]:
    """Ids of the banks ``org_id`` owns or that are shared with it."""
    owned = session.scalars(select(Bank.id).where(Bank.org_id == org_id))
    shared = session.scalars(select(BankShare.bank_id).where(BankShare.org_id == org_id))
    return set(owned) | set(shared)


class BankRepository:
    """Bank and entry persistence for one organisation on one session (the caller commits)."""

    def __init__(self, session: Session, org: Org, actor: Actor | None = None) -> None:
        self.session = session
        self.org = org
        self.actor = actor or Actor(org.id, None, f"{org.name}:system")

    def _audit(self, action: str, bank: Bank, details: dict[str, object] | None = None) -> None:
        audit.append(self.session, self.actor, action, f"bank:{bank.id}:{bank.name}", details)

    def _change(
        self, op: str, bank: Bank, entry_ids: Sequence[int] = (), *, as_range: bool = False
    ) -> None:
        """Record a change for every process's index.

        ``bank``: settings or visibility changed; ``reload``: the bank's entries appear or go
        as a whole; ``add``: entries of this bank with ids in ``[entry_id, entry_id_end]``;
        ``remove``: the listed entries.
        """
        if op in ("bank", "reload"):
            self.session.add(IndexChange(op=op, bank_id=bank.id))
        elif as_range and entry_ids:
            self.session.add(
                IndexChange(
                    op="add", bank_id=bank.id, entry_id=min(entry_ids), entry_id_end=max(entry_ids)
                )
            )
        else:
            self.session.add_all(
                IndexChange(op=op, bank_id=bank.id, entry_id=i, entry_id_end=i) for i in entry_ids
            )

    def get(self, name: str, *, write: bool = False) -> Bank:
        """The bank called ``name`` that this organisation owns or (read-only) was shared.

        ``OWNER:NAME`` names the bank of organisation OWNER, which tells apart two banks of one
        name shared by two owners (a bare name means your own bank first).
        """
        owner_name, _, bare = name.rpartition(":")
        validate_bank_name(bare)
        if owner_name and owner_name != self.org.name:
            query = (
                select(Bank)
                .join(Org, Org.id == Bank.org_id)
                .join(BankShare, BankShare.bank_id == Bank.id)
                .where(BankShare.org_id == self.org.id, Bank.name == bare, Org.name == owner_name)
            )
            bank = self.session.scalar(query)
            if bank is None:
                raise NotFound(f"{owner_name} shares no bank named {bare} with you")
            if write:
                raise PermissionDenied(f"bank {name} is shared with you read-only")
            return bank
        bank = self.session.scalar(
            select(Bank).where(Bank.org_id == self.org.id, Bank.name == bare)
        )
        if bank is not None or owner_name:
            if bank is None:
                raise NotFound(f"no bank named {bare} (list them with `childguard bank list`)")
            return bank
        shared = list(
            self.session.scalars(
                select(Bank)
                .join(BankShare, BankShare.bank_id == Bank.id)
                .where(BankShare.org_id == self.org.id, Bank.name == bare)
            )
        )
        if not shared:
            raise NotFound(f"no bank named {bare} (list them with `childguard bank list`)")
        if write:
            raise PermissionDenied(f"bank {bare} is shared with you read-only")
        if len(shared) > 1:
            owners = sorted(
                self.session.scalars(select(Org.name).where(Org.id.in_(b.org_id for b in shared)))
            )
            raise Conflict(
                f"several banks named {bare} are shared with you (by {', '.join(owners)}): "
                f"name one as OWNER:{bare}, e.g. {owners[0]}:{bare}"
            )
        return shared[0]

    def create(
        self,
        name: str,
        *,
        threshold: int | None = None,
        allow: bool = False,
        description: str = "",
    ) -> Bank:
        """Create a bank; ``Conflict`` when this organisation already has one of that name."""
        validate_bank_name(name)
        _check_threshold(threshold)
        taken = self.session.scalar(
            select(Bank.id).where(Bank.org_id == self.org.id, Bank.name == name)
        )
        if taken is not None:
            raise Conflict(f"a bank named {name} already exists")
        bank = Bank(
            org_id=self.org.id,
            name=name,
            pdq_threshold=threshold,
            is_allow=allow,
            description=clip_text(description, 2000, "description", None),
            enabled=True,
        )
        self.session.add(bank)
        self.session.flush()
        self._audit("bank.create", bank, {"allow": allow, "threshold": threshold})
        self._change("bank", bank)
        return bank

    def list_visible(self, only: int | None = None) -> list[BankInfo]:
        """Every bank this organisation can see (or just bank ``only``), by name, with counts."""
        return visible_banks(self.session, self.org.id, only)

    def info(self, name: str) -> BankInfo:
        """One bank's settings and counts."""
        bank = self.get(name)
        return self.list_visible(only=bank.id)[0]

    def update(
        self,
        name: str,
        *,
        enabled: bool | None = None,
        allow: bool | None = None,
        threshold: int | None = None,
        clear_threshold: bool = False,
        description: str | None = None,
        new_name: str | None = None,
    ) -> Bank:
        """Change a bank's settings (and name); unspecified fields stay."""
        bank = self.get(name, write=True)
        changes: dict[str, object] = {}
        if new_name is not None and new_name != bank.name:
            validate_bank_name(new_name)
            taken = self.session.scalar(
                select(Bank.id).where(Bank.org_id == self.org.id, Bank.name == new_name)
            )
            if taken is not None:
                raise Conflict(f"a bank named {new_name} already exists")
            bank.name = changes["name"] = new_name
        if enabled is not None:
            bank.enabled = changes["enabled"] = enabled
        if allow is not None:
            bank.is_allow = changes["allow"] = allow
        if threshold is not None:
            _check_threshold(threshold)
            bank.pdq_threshold = changes["threshold"] = threshold
        if clear_threshold:
            bank.pdq_threshold = None
            changes["threshold"] = None
        if description is not None:
            bank.description = clip_text(description, 2000, "description", None)
            changes["description"] = "changed"
        bank.updated_at = utcnow()
        self.session.flush()
        self._audit("bank.update", bank, changes)
        self._change("reload" if "enabled" in changes else "bank", bank)
        return bank

    def delete(self, name: str) -> int:
        """Delete a bank and its entries; returns how many entries went with it."""
        bank = self.get(name, write=True)
        n = self.session.scalar(
            select(func.count()).select_from(BankEntry).where(BankEntry.bank_id == bank.id)
        )
        self._audit("bank.delete", bank, {"entries": int(n or 0)})
        self._change("reload", bank)
        self.session.execute(delete(BankEntry).where(BankEntry.bank_id == bank.id))
        self.session.execute(delete(BankShare).where(BankShare.bank_id == bank.id))
        self.session.delete(bank)
        self.session.flush()
        return int(n or 0)

    def share(self, name: str, org: Org, *, revoke: bool = False) -> None:
        """Share a bank read-only with another organisation (or stop sharing it)."""
        bank = self.get(name, write=True)
        if org.id == self.org.id:
            raise InvalidInput("a bank is always visible to its own organisation")
        existing = self.session.get(BankShare, (bank.id, org.id))
        if revoke and existing is not None:
            self.session.delete(existing)
        elif not revoke and existing is None:
            self.session.add(BankShare(bank_id=bank.id, org_id=org.id))
        self.session.flush()
        self._audit("bank.unshare" if revoke else "bank.share", bank, {"org_id": org.id})
        self._change("bank", bank)  # visibility changed: every process refreshes its caches

    def add_entries(
        self, bank: Bank, entries: Sequence[EntryIn], *, as_content: bool = False
    ) -> ImportSummary:
        """Insert entries, merging duplicates (within the input and with stored entries).

        ``as_content`` groups the new entries as one piece of content (``content_id`` = the
        first new entry's id), as HMA's content does; ``summary.entry_ids`` lists the ids of
        every input entry, new or merged, in input order.
        """
        if bank.org_id != self.org.id:
            raise PermissionDenied(f"bank {bank.name} is shared with you read-only")
        summary = ImportSummary()
        unique, summary.merged = merge_repeats(entries)
        existing: dict[str, BankEntry] = {}
        keys = list(unique)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for row in self.session.scalars(
                select(BankEntry).where(
                    BankEntry.bank_id == bank.id, BankEntry.value_digest.in_(chunk)
                )
            ):
                existing[row.value_digest] = row
        new_rows: list[dict[str, object]] = []
        now = utcnow()
        for key, e in unique.items():
            stored = existing.get(key)
            if stored is not None:
                summary.merged += 1
                for attr in ("source", "external_id", "classification", "note"):
                    if not getattr(stored, attr) and getattr(e, attr):
                        setattr(stored, attr, getattr(e, attr))
                continue
            new_rows.append(
                {
                    "bank_id": bank.id,
                    "signal_type": e.signal_type,
                    "value": e.value,
                    "value_digest": key,
                    "source": e.source,
                    "external_id": e.external_id,
                    "classification": e.classification,
                    "note": e.note,
                    "enabled": e.enabled,
                    "added_at": now,
                }
            )
            summary.by_signal[e.signal_type] = summary.by_signal.get(e.signal_type, 0) + 1
        if new_rows:
            new_ids = list(
                self.session.scalars(insert(BankEntry).returning(BankEntry.id), new_rows)
            )
            if as_content and len(new_ids) > 1:
                self.session.execute(
                    update(BankEntry)
                    .where(BankEntry.id.in_(new_ids))
                    .values(content_id=min(new_ids))
                )
            self._change("add", bank, new_ids, as_range=True)
        summary.added = len(new_rows)
        if len(entries) > 10_000:  # bulk imports do not need the ids back
            return self._finish_add(bank, summary, now)
        by_digest = {
            row.value_digest: row.id
            for start in range(0, len(keys), 500)
            for row in self.session.execute(
                select(BankEntry.id, BankEntry.value_digest).where(
                    BankEntry.bank_id == bank.id,
                    BankEntry.value_digest.in_(keys[start : start + 500]),
                )
            )
        }
        summary.entry_ids = [by_digest[value_digest(e.signal_type, e.value)] for e in entries]
        return self._finish_add(bank, summary, now)

    def import_entries(
        self,
        bank: Bank,
        entries: Iterable[EntryIn],
        *,
        chunk_size: int = IMPORT_CHUNK,
        progress: Callable[[int], None] | None = None,
        phase: Callable[[str], None] | None = None,
    ) -> ImportSummary:
        """Stream ``entries`` into ``bank`` in chunks, in the caller's one transaction.

        Memory is bounded by ``chunk_size``, whatever the input's length: duplicates within a
        chunk merge in memory, duplicates of stored entries (or of earlier chunks) merge through
        the bank's unique index, filling empty provenance as ``add_entries`` does
        (``bank_import.ChunkImporter``: into a bank that holds no entry yet, the entries are
        sorted by digest and go in at the end, with no look-up).
        Rows go in with multi-row ``INSERT`` statements (``COPY`` on PostgreSQL); the indexes
        of every process learn of them once, at the end, as one id range, and the bank's entry
        counts grow once, at the end, by one grouped statement (``counted_in_bulk``).
        ``progress`` receives the number of input entries handled after each chunk; ``phase``
        is called with a short description when the reading is done and the entries go into
        the bank. ``summary.entry_ids`` stays empty.
        """

        def feed(importer: ChunkImporter) -> None:
            for chunk in _batched(entries, chunk_size):
                importer.add(chunk)
                if progress is not None:
                    progress(len(chunk))

        self._require_owner(bank)
        return self._import(bank, self._holds_entries(bank), chunk_size, feed, phase)

    def import_file(
        self,
        bank: Bank,
        path: Path,
        *,
        fmt: BankFormat | None = None,
        signal_type: str | None = None,
        source: str = "",
        workers: int = 1,
        progress: Callable[[int], None] | None = None,
        phase: Callable[[str], None] | None = None,
    ) -> ImportSummary:
        """``import_entries`` of the file at ``path`` (UTF-8, any format).

        A large ``te-lines`` or ``lines`` file going into an empty bank on PostgreSQL is read,
        validated and sorted by ``workers`` processes (``bank_sort_parallel``: the same checks,
        messages and merges as one process); anything else is streamed here.
        """
        self._require_owner(bank)
        parallel = workers > 1 and self._parallel_file(path, fmt, signal_type)
        if parallel and not self._holds_entries(bank):

            def feed(importer: ChunkImporter) -> None:
                importer.sort_file(path, signal_type, source, workers, progress)

            return self._import(bank, False, IMPORT_CHUNK, feed, phase)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            entries = iter_parsed_entries(handle, fmt, signal_type=signal_type, source=source)
            return self.import_entries(bank, entries, progress=progress, phase=phase)

    def _parallel_file(self, path: Path, fmt: BankFormat | None, signal_type: str | None) -> bool:
        if self.session.connection().dialect.name != "postgresql":
            return False
        if path.stat().st_size < PARALLEL_MIN_BYTES or not path.is_file():
            return False
        if fmt is None:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                fmt = detect_format(itertools.islice(handle, 1000))
        return fmt is BankFormat.TE_LINES or (fmt is BankFormat.LINES and signal_type is not None)

    def _import(
        self,
        bank: Bank,
        look_up: bool,
        chunk_size: int,
        feed: Callable[[ChunkImporter], None],
        phase: Callable[[str], None] | None,
    ) -> ImportSummary:
        summary = ImportSummary()
        now = utcnow()
        prepare_bulk_import(self.session)
        before = self.session.scalar(select(func.max(BankEntry.id))) or 0
        with (
            counted_in_bulk(self.session),
            ChunkImporter(
                self.session, bank.id, now, summary, look_up=look_up, chunk_size=chunk_size
            ) as importer,
        ):
            feed(importer)
            if phase is not None:
                phase("moving into the bank")
            importer.finish()
        if summary.added:
            after = self.session.scalar(select(func.max(BankEntry.id))) or before
            self._change("add", bank, (before + 1, after), as_range=True)
        return self._finish_add(bank, summary, now)

    def _holds_entries(self, bank: Bank) -> bool:
        query = select(BankEntry.id).where(BankEntry.bank_id == bank.id).limit(1)
        return self.session.scalar(query) is not None

    def _finish_add(self, bank: Bank, summary: ImportSummary, now: datetime) -> ImportSummary:
        bank.updated_at = now
        self.session.flush()
        if summary.added or summary.merged:
            self._audit(
                "bank.entries.add",
                bank,
                {"added": summary.added, "merged": summary.merged, "by_signal": summary.by_signal},
            )
        return summary

    def find_entries(self, bank: Bank, ref: str) -> list[BankEntry]:
        """Entries of ``bank`` matching ``ref``: an entry id (digits) or a hash value."""
        ref = ref.strip()
        query = select(BankEntry).where(BankEntry.bank_id == bank.id)
        if ref.isdigit() and ref.isascii() and int(ref) <= MAX_ID:
            rows = list(self.session.scalars(query.where(BankEntry.id == int(ref))))
        else:
            rows = list(self.session.scalars(query.where(BankEntry.value == ref.lower())))
        if not rows:
            raise NotFound(f"bank {bank.name} has no entry {ref[:80]!r}")
        return rows

    def set_entries_enabled(self, bank: Bank, refs: Sequence[str], enabled: bool) -> int:
        """Enable or disable entries by id or value; all refs must exist (else nothing changes)."""
        self._require_owner(bank)
        rows = [row for ref in refs for row in self.find_entries(bank, ref)]
        for row in rows:
            row.enabled = enabled
        bank.updated_at = utcnow()
        self.session.flush()
        ids = [r.id for r in rows]
        self._change("add" if enabled else "remove", bank, ids)
        action = "bank.entries.enable" if enabled else "bank.entries.disable"
        self._audit(action, bank, {"entry_ids": ids})
        return len(rows)

    def remove_entries(self, bank: Bank, refs: Sequence[str]) -> int:
        """Delete entries by id or value; all refs must exist (else nothing changes)."""
        self._require_owner(bank)
        rows = [row for ref in refs for row in self.find_entries(bank, ref)]
        ids = [r.id for r in rows]
        for row in rows:
            self.session.delete(row)
        bank.updated_at = utcnow()
        self.session.flush()
        self._change("remove", bank, ids)
        self._audit("bank.entries.remove", bank, {"entry_ids": ids})
        return len(rows)

    def iter_entries(self, bank: Bank, signal_type: str | None = None) -> Iterator[BankEntry]:
        """Entries of ``bank`` in id order, streamed."""
        query = select(BankEntry).where(BankEntry.bank_id == bank.id).order_by(BankEntry.id)
        if signal_type:
            query = query.where(BankEntry.signal_type == get_signal_type(signal_type).name)
        yield from self.session.scalars(query.execution_options(yield_per=2000))

    def _require_owner(self, bank: Bank) -> None:
        if bank.org_id != self.org.id:
            raise PermissionDenied(f"bank {bank.name} is shared with you read-only")


def _check_threshold(threshold: int | None) -> None:
    if threshold is not None and not 0 <= threshold <= 256:
        raise InvalidInput(f"threshold must be between 0 and 256, not {threshold}")


def _batched(items: Iterable[EntryIn], size: int) -> Iterator[tuple[EntryIn, ...]]:
    """``itertools.batched`` (Python 3.12) for 3.11."""
    it = iter(items)
    while chunk := tuple(itertools.islice(it, size)):
        yield chunk
