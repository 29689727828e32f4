"""Import and export formats of bank entries.

Formats (``BankFormat``):

- ``csv``: childguard's own, header ``signal_type,signal,source,external_id,classification,note``
  (extra columns ``enabled``, ``added_at`` on export).
- ``te-csv``: python-threatexchange's ``dataset --csv`` output, header
  ``signal_type,signal_str,collab,category,tags`` (collab -> source, category ->
  classification, tags -> note).
- ``te-lines``: python-threatexchange/HMA's local-file exchange: ``signal_type signal`` per line.
- ``lines``: one hash per line; the signal type is given by the caller.

Imports are atomic: lines are parsed and validated as they stream into one transaction; the
first bad line aborts with its line number and nothing is kept. Entries already in the bank
merge (metadata filled in where the stored value is empty).
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from typing import NamedTuple, TextIO

from childguard.errors import InvalidInput
from childguard.media.signals.registry import get_signal_type
from childguard.store.models import BankEntry

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


class EntryIn(NamedTuple):
    """A hash to add to a bank, with its provenance (immutable).

    A named tuple rather than a frozen dataclass: an import builds millions of them, and a frozen
    dataclass costs three times as much to build.
    """

    signal_type: str
    value: str
    source: str = ""
    external_id: str = ""
    classification: str = ""
    note: str = ""
    enabled: bool = True


def clip_text(value: str, limit: int, what: str, line: int | None) -> str:
    """Strip ``value``; ``InvalidInput`` (naming ``line`` if given) when over ``limit`` chars."""
    value = value.strip()
    if len(value) > limit:
        where = f"line {line}: " if line is not None else ""
        raise InvalidInput(f"{where}{what} is longer than {limit} characters")
    return value


def merge_in(a: EntryIn, b: EntryIn) -> EntryIn:
    """``a`` with its empty provenance filled from ``b`` (enabled if either is)."""
    return EntryIn(
        signal_type=a.signal_type,
        value=a.value,
        source=a.source or b.source,
        external_id=a.external_id or b.external_id,
        classification=a.classification or b.classification,
        note=a.note or b.note,
        enabled=a.enabled or b.enabled,
    )


def merge_repeats(entries: Iterable[EntryIn]) -> tuple[dict[str, EntryIn], int]:
    """``entries`` keyed by value digest, each repeat merged into the first (``merge_in``), and
    the number of repeats merged."""
    # Millions of entries go through this loop: it does per entry only what it needs.
    unique: dict[str, EntryIn] = {}
    merged = 0
    digest = value_digest
    for e in entries:
        key = digest(e.signal_type, e.value)
        if key in unique:
            merged += 1
            unique[key] = merge_in(unique[key], e)
        else:
            unique[key] = e
    return unique, merged


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
        # Most lines of a big list carry no provenance: skip the checks of empty fields.
        source=clip_text(source, TEXT_FIELD_MAX, "source", line) if source else "",
        external_id=clip_text(external_id, TEXT_FIELD_MAX, "external_id", line)
        if external_id
        else "",
        classification=clip_text(classification, CLASSIFICATION_MAX, "classification", line)
        if classification
        else "",
        note=clip_text(note, 2000, "note", line) if note else "",
        enabled=enabled,
    )


def _parse_bool(raw: str, line: int) -> bool:
    low = raw.strip().lower()
    if low in ("", "1", "true", "yes", "y"):
        return True
    if low in ("0", "false", "no", "n"):
        return False
    raise InvalidInput(f"line {line}: enabled must be true or false, not {raw[:20]!r}")


def detect_format(lines: Iterable[str]) -> BankFormat | None:
    """The format of the first line of ``lines`` that is neither blank nor a comment (None when
    there is none), as ``iter_parsed_entries`` detects it."""
    for raw in lines:
        if raw.strip() and not raw.startswith("#"):
            return _sniff_format(raw)
    return None


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

    A list form of ``iter_parsed_entries`` for small inputs (API uploads, tests).
    """
    return list(iter_parsed_entries(stream, fmt, signal_type=signal_type, source=source))


def iter_parsed_entries(
    stream: Iterable[str],
    fmt: BankFormat | None = None,
    *,
    signal_type: str | None = None,
    source: str = "",
) -> Iterator[EntryIn]:
    """Validated entries of a text stream, read line by line (memory does not grow with it).

    ``fmt`` None sniffs the format from the first line that is neither blank nor a comment.
    ``signal_type`` is required for ``lines`` and overrides nothing else; ``source`` fills empty
    provenance sources. ``InvalidInput`` names the first bad line; a consumer that writes while
    iterating must therefore write in one transaction to stay all-or-nothing.
    """
    lines = iter(stream)
    head: list[str] = []
    first = ""
    for raw in lines:
        head.append(raw)
        if raw.strip() and not raw.startswith("#"):
            first = raw
            break
    if not first:
        raise InvalidInput("the file holds no hashes")
    fmt = fmt or _sniff_format(first)
    every_line = itertools.chain(head, lines)
    if fmt in (BankFormat.CSV, BankFormat.TE_CSV):
        yield from _iter_csv(every_line, fmt, source)
        return
    if fmt is BankFormat.LINES and signal_type is None:
        raise InvalidInput(
            "a file of bare hashes needs the signal type: pass --signal pdq|md5|sha256|vpdq"
        )
    yield from _iter_lines(every_line, signal_type if fmt is BankFormat.LINES else None, source)


def iter_lines_from(
    lines: Iterable[str], signal_type: str | None, source: str, *, first_line: int = 1
) -> Iterator[EntryIn]:
    """Entries of a part of a ``te-lines`` (``signal_type`` None) or ``lines`` file whose first
    line is number ``first_line``: ``iter_parsed_entries``'s checks and messages, except that a
    part holding no hash is no error."""
    return _iter_lines(lines, signal_type, source, first_line=first_line, require_any=False)


def _iter_lines(
    lines: Iterable[str],
    signal_type: str | None,
    source: str,
    *,
    first_line: int = 1,
    require_any: bool = True,
) -> Iterator[EntryIn]:
    """Entries of ``te-lines`` (``signal_type`` None) or ``lines`` input, as ``make_entry`` would
    make them: the same checks and messages, with each signal type looked up once."""
    # Millions of lines go through this loop: it does per line only what the line needs.
    canon_source = clip_text(source, TEXT_FIELD_MAX, "source", None) if source else ""
    validators: dict[str, tuple[str, Callable[[str], str]]] = {}
    found = False
    for number, raw in enumerate(lines, start=first_line):
        line = raw.strip()
        if not line or line[0] == "#":
            continue
        if signal_type is None:
            stype, _, value = line.partition(" ")
            value = value.strip()
            if not value:
                raise InvalidInput(f"line {number}: expected 'signal_type signal', got one field")
        else:
            stype, value = signal_type, line
        known = validators.get(stype)
        try:
            if known is None:
                found_type = get_signal_type(stype)
                known = validators[stype] = (found_type.name, found_type.validate)
            canon = known[1](value)
        except InvalidInput as exc:
            raise InvalidInput(f"line {number}: {exc.message}") from None
        found = True
        yield EntryIn(known[0], canon, canon_source)
    if not found and require_any:
        raise InvalidInput("the file holds no hashes")


def _iter_csv(lines: Iterable[str], fmt: BankFormat, source: str) -> Iterator[EntryIn]:
    reader = csv.reader(lines)
    header: list[str] | None = None
    found = False
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
            found = True
            if fmt is BankFormat.CSV:
                yield make_entry(
                    rec.get("signal_type", ""),
                    rec.get("signal", ""),
                    source=rec.get("source", "") or source,
                    external_id=rec.get("external_id", ""),
                    classification=rec.get("classification", ""),
                    note=rec.get("note", ""),
                    enabled=_parse_bool(rec.get("enabled", ""), number),
                    line=number,
                )
            else:
                yield make_entry(
                    rec.get("signal_type", ""),
                    rec.get("signal_str", ""),
                    source=rec.get("collab", "") or source,
                    classification=rec.get("category", ""),
                    note=rec.get("tags", ""),
                    line=number,
                )
    except csv.Error as exc:
        raise InvalidInput(f"line {reader.line_num}: malformed CSV ({exc})") from None
    if not found:
        raise InvalidInput("the file holds no hashes")


def write_entries(entries: Iterable[BankEntry], fmt: BankFormat, out: TextIO) -> int:
    """Write entries in ``fmt``; returns how many were written.

    Only ``csv`` has an ``enabled`` column: the other formats leave disabled entries out, so a
    partner importing them never matches what the owner disabled.
    """
    count = 0
    if fmt is not BankFormat.CSV:
        entries = (e for e in entries if e.enabled)
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
