"""Banks: named hash lists with provenance, and their import/export formats.

Formats (``BankFormat``):

- ``csv``: childguard's own, header ``signal_type,signal,source,external_id,classification,note``
  (extra columns ``enabled``, ``added_at`` on export).
- ``te-csv``: python-threatexchange's ``dataset --csv`` output, header
  ``signal_type,signal_str,collab,category,tags`` (collab -> source, category ->
  classification, tags -> note).
- ``te-lines``: python-threatexchange/HMA's local-file exchange: ``signal_type signal`` per line.
- ``lines``: one hash per line; the signal type is given by the caller.

Imports are atomic: every line is parsed and validated first; the first bad line aborts with its
line number and nothing is written. Entries already in the bank merge (metadata filled in where
the stored value is empty).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from childguard.errors import Conflict, InvalidInput, NotFound
from childguard.plugins import get_signal_type
from childguard.store.models import Bank, BankEntry, utcnow

BANK_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
CLASSIFICATION_MAX = 64
TEXT_FIELD_MAX = 200


class BankFormat(StrEnum):
    """Supported import/export formats (see the module docstring)."""

    CSV = "csv"
    TE_CSV = "te-csv"
    TE_LINES = "te-lines"
    LINES = "lines"


CSV_HEADER = ("signal_type", "signal", "source", "external_id", "classification", "note")
TE_CSV_HEADER = ("signal_type", "signal_str", "collab", "category", "tags")


def validate_bank_name(name: str) -> str:
    """Return ``name`` if it is UPPER_SNAKE (letters, digits, underscore; 1-64 chars)."""
    if not BANK_NAME_RE.fullmatch(name):
        shown = name[:70]
        raise InvalidInput(
            f"bank name {shown!r} is invalid: use UPPER_SNAKE_CASE, starting with a letter, "
            "letters A-Z, digits and '_' only, at most 64 characters (e.g. NCMEC_PDQ)"
        )
    return name


def value_digest(signal_type: str, value: str) -> str:
    """Stable key of a hash value (long vPDQ strings are keyed by their SHA-256)."""
    return hashlib.sha256(f"{signal_type}:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class EntryIn:
    """A hash to add to a bank, with its provenance."""

    signal_type: str
    value: str
    source: str = ""
    external_id: str = ""
    classification: str = ""
    note: str = ""
    enabled: bool = True


@dataclass
class ImportSummary:
    """What an import or add did: new entries, merged duplicates, and per-signal counts."""

    added: int = 0
    merged: int = 0
    by_signal: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BankInfo:
    """A bank's settings and entry counts (enabled entries by signal type, and disabled)."""

    id: int
    name: str
    description: str
    enabled: bool
    is_allow: bool
    pdq_threshold: int | None
    created_at: datetime
    entries: dict[str, int]
    disabled_entries: int

    def to_public(self) -> dict[str, object]:
        """JSON form."""
        return {
            "name": self.name,
            "description": self.description,
            "enabled": self.enabled,
            "allow": self.is_allow,
            "pdq_threshold": self.pdq_threshold,
            "created_at": self.created_at.isoformat(),
            "entries": self.entries,
            "disabled_entries": self.disabled_entries,
        }


def _clip(value: str, limit: int, what: str, line: int | None) -> str:
    value = value.strip()
    if len(value) > limit:
        where = f"line {line}: " if line is not None else ""
        raise InvalidInput(f"{where}{what} is longer than {limit} characters")
    return value


def make_entry(
    signal_type: str,
    value: str,
    *,
    source: str = "",
    external_id: str = "",
    classification: str = "",
    note: str = "",
    enabled: bool = True,
    line: int | None = None,
) -> EntryIn:
    """Validate and canonicalise one entry; errors name ``line`` when given."""
    prefix = f"line {line}: " if line is not None else ""
    try:
        stype = get_signal_type(signal_type)
        canon = stype.validate(value)
    except InvalidInput as exc:
        raise InvalidInput(prefix + exc.message) from None
    return EntryIn(
        signal_type=stype.name,
        value=canon,
        source=_clip(source, TEXT_FIELD_MAX, "source", line),
        external_id=_clip(external_id, TEXT_FIELD_MAX, "external_id", line),
        classification=_clip(classification, CLASSIFICATION_MAX, "classification", line),
        note=_clip(note, 2000, "note", line),
        enabled=enabled,
    )


def _parse_bool(raw: str, line: int) -> bool:
    low = raw.strip().lower()
    if low in ("", "1", "true", "yes", "y"):
        return True
    if low in ("0", "false", "no", "n"):
        return False
    raise InvalidInput(f"line {line}: enabled must be true or false, not {raw[:20]!r}")


def _sniff_format(first_line: str) -> BankFormat:
    header = [h.strip().lower() for h in next(csv.reader([first_line]), [])]
    if header[:2] == ["signal_type", "signal"]:
        return BankFormat.CSV
    if header[:2] == ["signal_type", "signal_str"]:
        return BankFormat.TE_CSV
    if " " in first_line.strip():
        return BankFormat.TE_LINES
    return BankFormat.LINES


def parse_entries(
    stream: TextIO,
    fmt: BankFormat | None = None,
    *,
    signal_type: str | None = None,
    source: str = "",
) -> list[EntryIn]:
    """Parse a whole file into validated entries, raising ``InvalidInput`` at the first bad line.

    ``fmt`` None sniffs the format from the first line. ``signal_type`` is required for ``lines``
    and overrides nothing else; ``source`` fills empty provenance sources.
    """
    text = stream.read()
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip() and not ln.startswith("#")), "")
    if not first:
        raise InvalidInput("the file holds no hashes")
    fmt = fmt or _sniff_format(first)
    if fmt in (BankFormat.CSV, BankFormat.TE_CSV):
        return _parse_csv(text, fmt, source)
    entries: list[EntryIn] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if fmt is BankFormat.TE_LINES:
            stype, _, value = line.partition(" ")
            if not value.strip():
                raise InvalidInput(f"line {number}: expected 'signal_type signal', got one field")
        else:
            if signal_type is None:
                raise InvalidInput(
                    "a file of bare hashes needs the signal type: pass --signal pdq|md5|sha256|vpdq"
                )
            stype, value = signal_type, line
        entries.append(make_entry(stype, value.strip(), source=source, line=number))
    return entries


def _parse_csv(text: str, fmt: BankFormat, source: str) -> list[EntryIn]:
    reader = csv.reader(io.StringIO(text))
    entries: list[EntryIn] = []
    header: list[str] | None = None
    try:
        for row in reader:
            number = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()) or row[0].startswith("#"):
                continue
            if header is None:
                header = [h.strip().lower() for h in row]
                continue
            if len(row) > len(header):
                raise InvalidInput(
                    f"line {number}: {len(row)} fields but the header has {len(header)}"
                )
            rec = dict(zip(header, (c.strip() for c in row), strict=False))
            if fmt is BankFormat.CSV:
                entries.append(
                    make_entry(
                        rec.get("signal_type", ""),
                        rec.get("signal", ""),
                        source=rec.get("source", "") or source,
                        external_id=rec.get("external_id", ""),
                        classification=rec.get("classification", ""),
                        note=rec.get("note", ""),
                        enabled=_parse_bool(rec.get("enabled", ""), number),
                        line=number,
                    )
                )
            else:
                entries.append(
                    make_entry(
                        rec.get("signal_type", ""),
                        rec.get("signal_str", ""),
                        source=rec.get("collab", "") or source,
                        classification=rec.get("category", ""),
                        note=rec.get("tags", ""),
                        line=number,
                    )
                )
    except csv.Error as exc:
        raise InvalidInput(f"line {reader.line_num}: malformed CSV ({exc})") from None
    if not entries:
        raise InvalidInput("the file holds no hashes")
    return entries


def write_entries(entries: Iterable[BankEntry], fmt: BankFormat, out: TextIO) -> int:
    """Write entries in ``fmt``; returns how many were written."""
    count = 0
    if fmt is BankFormat.CSV:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*CSV_HEADER, "enabled", "added_at"])
        for e in entries:
            writer.writerow(
                [
                    e.signal_type,
                    e.value,
                    e.source,
                    e.external_id,
                    e.classification,
                    e.note,
                    "true" if e.enabled else "false",
                    e.added_at.isoformat(),
                ]
            )
            count += 1
    elif fmt is BankFormat.TE_CSV:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(TE_CSV_HEADER)
        for e in entries:
            writer.writerow([e.signal_type, e.value, e.source, e.classification, e.note])
            count += 1
    elif fmt is BankFormat.TE_LINES:
        for e in entries:
            out.write(f"{e.signal_type} {e.value}\n")
            count += 1
    else:
        for e in entries:
            out.write(f"{e.value}\n")
            count += 1
    return count


class BankRepository:
    """Bank and entry persistence on one SQLAlchemy session (the caller commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, name: str) -> Bank:
        """The bank called ``name`` or ``NotFound``."""
        validate_bank_name(name)
        bank = self.session.scalar(select(Bank).where(Bank.name == name))
        if bank is None:
            raise NotFound(f"no bank named {name}; `childguard bank list` shows the banks")
        return bank

    def create(
        self,
        name: str,
        *,
        threshold: int | None = None,
        allow: bool = False,
        description: str = "",
    ) -> Bank:
        """Create a bank; ``Conflict`` when the name is taken."""
        validate_bank_name(name)
        if threshold is not None and not 0 <= threshold <= 256:
            raise InvalidInput(f"threshold must be between 0 and 256, not {threshold}")
        if self.session.scalar(select(Bank.id).where(Bank.name == name)) is not None:
            raise Conflict(f"a bank named {name} already exists")
        bank = Bank(
            name=name,
            pdq_threshold=threshold,
            is_allow=allow,
            description=_clip(description, 2000, "description", None),
            enabled=True,
        )
        self.session.add(bank)
        self.session.flush()
        return bank

    def list(self) -> list[BankInfo]:
        """Every bank with its entry counts, by name."""
        counts: dict[int, dict[str, int]] = {}
        disabled: dict[int, int] = {}
        rows = self.session.execute(
            select(
                BankEntry.bank_id, BankEntry.signal_type, BankEntry.enabled, func.count()
            ).group_by(BankEntry.bank_id, BankEntry.signal_type, BankEntry.enabled)
        )
        for bank_id, stype, enabled, n in rows:
            if enabled:
                counts.setdefault(bank_id, {})[stype] = n
            else:
                disabled[bank_id] = disabled.get(bank_id, 0) + n
        banks = self.session.scalars(select(Bank).order_by(Bank.name))
        return [
            BankInfo(
                id=b.id,
                name=b.name,
                description=b.description,
                enabled=b.enabled,
                is_allow=b.is_allow,
                pdq_threshold=b.pdq_threshold,
                created_at=b.created_at,
                entries=counts.get(b.id, {}),
                disabled_entries=disabled.get(b.id, 0),
            )
            for b in banks
        ]

    def info(self, name: str) -> BankInfo:
        """One bank's settings and counts."""
        bank = self.get(name)
        return next(i for i in self.list() if i.id == bank.id)

    def update(
        self,
        name: str,
        *,
        enabled: bool | None = None,
        allow: bool | None = None,
        threshold: int | None = None,
        clear_threshold: bool = False,
        description: str | None = None,
    ) -> Bank:
        """Change a bank's settings; unspecified fields stay."""
        bank = self.get(name)
        if enabled is not None:
            bank.enabled = enabled
        if allow is not None:
            bank.is_allow = allow
        if threshold is not None:
            if not 0 <= threshold <= 256:
                raise InvalidInput(f"threshold must be between 0 and 256, not {threshold}")
            bank.pdq_threshold = threshold
        if clear_threshold:
            bank.pdq_threshold = None
        if description is not None:
            bank.description = _clip(description, 2000, "description", None)
        bank.updated_at = utcnow()
        self.session.flush()
        return bank

    def delete(self, name: str) -> int:
        """Delete a bank and its entries; returns how many entries went with it."""
        bank = self.get(name)
        n = self.session.scalar(
            select(func.count()).select_from(BankEntry).where(BankEntry.bank_id == bank.id)
        )
        self.session.delete(bank)
        self.session.flush()
        return int(n or 0)

    def add_entries(self, bank: Bank, entries: Sequence[EntryIn]) -> ImportSummary:
        """Insert entries, merging duplicates (within the input and with stored entries)."""
        summary = ImportSummary()
        unique: dict[str, EntryIn] = {}
        for e in entries:
            key = value_digest(e.signal_type, e.value)
            if key in unique:
                summary.merged += 1
                unique[key] = _merge_in(unique[key], e)
            else:
                unique[key] = e
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
            self.session.execute(BankEntry.__table__.insert(), new_rows)
        summary.added = len(new_rows)
        bank.updated_at = now
        self.session.flush()
        return summary

    def find_entries(self, bank: Bank, ref: str) -> list[BankEntry]:
        """Entries of ``bank`` matching ``ref``: an entry id (digits) or a hash value."""
        ref = ref.strip()
        query = select(BankEntry).where(BankEntry.bank_id == bank.id)
        if ref.isdigit() and len(ref) < 20:
            rows = list(self.session.scalars(query.where(BankEntry.id == int(ref))))
        else:
            rows = list(self.session.scalars(query.where(BankEntry.value == ref.lower())))
        if not rows:
            raise NotFound(f"bank {bank.name} has no entry {ref[:80]!r}")
        return rows

    def set_entries_enabled(self, bank: Bank, refs: Sequence[str], enabled: bool) -> int:
        """Enable or disable entries by id or value; all refs must exist (else nothing changes)."""
        rows = [row for ref in refs for row in self.find_entries(bank, ref)]
        for row in rows:
            row.enabled = enabled
        bank.updated_at = utcnow()
        self.session.flush()
        return len(rows)

    def remove_entries(self, bank: Bank, refs: Sequence[str]) -> int:
        """Delete entries by id or value; all refs must exist (else nothing changes)."""
        rows = [row for ref in refs for row in self.find_entries(bank, ref)]
        for row in rows:
            self.session.delete(row)
        bank.updated_at = utcnow()
        self.session.flush()
        return len(rows)

    def iter_entries(self, bank: Bank, signal_type: str | None = None) -> Iterator[BankEntry]:
        """Entries of ``bank`` in id order, streamed."""
        query = select(BankEntry).where(BankEntry.bank_id == bank.id).order_by(BankEntry.id)
        if signal_type:
            query = query.where(BankEntry.signal_type == get_signal_type(signal_type).name)
        yield from self.session.scalars(query.execution_options(yield_per=2000))


def _merge_in(a: EntryIn, b: EntryIn) -> EntryIn:
    return EntryIn(
        signal_type=a.signal_type,
        value=a.value,
        source=a.source or b.source,
        external_id=a.external_id or b.external_id,
        classification=a.classification or b.classification,
        note=a.note or b.note,
        enabled=a.enabled or b.enabled,
    )
