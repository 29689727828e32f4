"""Matching hashes against every enabled bank.

A ``Matcher`` holds one index per signal type over the enabled entries of enabled banks and only
the entry-to-bank map in memory; provenance is read from the database for the entries that match.
Rules applied here, once for every interface:

- a PDQ hit counts when its distance is within the bank's threshold (the bank's own or the
  default ``pdq_threshold``);
- a hash whose quality is too low is never looked up;
- a file that matches an allow bank has its other matches marked ``suppressed``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from childguard.config import Settings
from childguard.media.signals.base import HashResult, IndexMatch, LookupHash, SignalIndex
from childguard.plugins import get_signal_type, signal_types
from childguard.store.db import Database
from childguard.store.models import Bank, BankEntry

#: Transforms in order of preference when one entry matches several variants at equal distance.
_TRANSFORM_RANK = {"original": 0, "exif-upright": 1}


@dataclass(frozen=True)
class BankRef:
    """The parts of a bank the matcher needs per hit."""

    id: int
    name: str
    is_allow: bool
    threshold: int


@dataclass
class Match:
    """One bank entry matched by a file or a hash, with its provenance."""

    bank: str
    entry_id: int
    signal_type: str
    value: str
    distance: int
    transform: str
    allow: bool
    provenance: dict[str, str] = field(default_factory=dict)
    detail: dict[str, float] | None = None
    suppressed: bool = False

    def to_public(self) -> dict[str, object]:
        """JSON form used by the CLI and the API."""
        out: dict[str, object] = {
            "bank": self.bank,
            "entry_id": self.entry_id,
            "signal_type": self.signal_type,
            "signal": self.value,
            "distance": self.distance,
            "transform": self.transform,
            "allow": self.allow,
            "suppressed": self.suppressed,
            "provenance": self.provenance,
        }
        if self.detail:
            out["detail"] = self.detail
        return out


class Matcher:
    """Indexes of enabled bank entries, queried per signal type."""

    def __init__(
        self, db: Database, settings: Settings, banks: Sequence[str] | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.only_banks = frozenset(banks) if banks else None
        self.banks: dict[int, BankRef] = {}
        self.entry_bank: dict[int, int] = {}
        self.indexes: dict[str, SignalIndex] = {}
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the in-memory indexes from the database."""
        with self.db.session() as session:
            query = select(Bank).where(Bank.enabled.is_(True))
            banks = list(session.scalars(query))
            if self.only_banks is not None:
                known = {b.name for b in banks}
                missing = sorted(self.only_banks - known)
                if missing:
                    from childguard.errors import NotFound

                    raise NotFound(f"no enabled bank named {', '.join(missing)}")
                banks = [b for b in banks if b.name in self.only_banks or b.is_allow]
            self.banks = {
                b.id: BankRef(
                    b.id,
                    b.name,
                    b.is_allow,
                    b.pdq_threshold if b.pdq_threshold is not None else self.settings.pdq_threshold,
                )
                for b in banks
            }
            by_signal: dict[str, list[tuple[str, int]]] = {}
            self.entry_bank = {}
            if self.banks:
                rows = session.execute(
                    select(BankEntry.id, BankEntry.bank_id, BankEntry.signal_type, BankEntry.value)
                    .where(BankEntry.enabled.is_(True), BankEntry.bank_id.in_(list(self.banks)))
                    .execution_options(yield_per=10000)
                )
                for entry_id, bank_id, stype, value in rows:
                    self.entry_bank[entry_id] = bank_id
                    by_signal.setdefault(stype, []).append((value, entry_id))
        self.indexes = {}
        for name, stype in signal_types().items():
            pairs = by_signal.get(name, [])
            if pairs:
                self.indexes[name] = stype.index_class().build(pairs)

    @property
    def size(self) -> dict[str, int]:
        """Entries held per signal type."""
        return {name: len(index) for name, index in self.indexes.items()}

    def _radius(self, signal_type: str) -> int:
        if get_signal_type(signal_type).default_threshold == 0:
            return 0
        return max((b.threshold for b in self.banks.values()), default=0)

    def lookup(self, signal_type: str, lookups: Sequence[LookupHash]) -> list[Match]:
        """Matches for one item's lookup hashes (best transform per entry), without suppression."""
        return self.lookup_batch(signal_type, [lookups])[0]

    def lookup_batch(
        self, signal_type: str, items: Sequence[Sequence[LookupHash]]
    ) -> list[list[Match]]:
        """``lookup`` for many items with one vectorised index query and one database read."""
        index = self.indexes.get(signal_type)
        if index is None:
            return [[] for _ in items]
        stype = get_signal_type(signal_type)
        radius = self._radius(signal_type)
        flat = [(i, lk) for i, lookups in enumerate(items) for lk in lookups]
        hits = index.query_many([lk.value for _, lk in flat], radius) if flat else []
        best: list[dict[int, tuple[IndexMatch, LookupHash]]] = [{} for _ in items]
        for (item, lk), matches in zip(flat, hits, strict=True):
            for m in matches:
                bank = self.banks.get(self.entry_bank.get(m.entry_id, -1))
                if bank is None:
                    continue
                if stype.default_threshold and m.distance > bank.threshold:
                    continue
                prev = best[item].get(m.entry_id)
                if prev is None or (m.distance, _TRANSFORM_RANK.get(lk.transform, 9)) < (
                    prev[0].distance,
                    _TRANSFORM_RANK.get(prev[1].transform, 9),
                ):
                    best[item][m.entry_id] = (m, lk)
        return self._materialise(signal_type, best)

    def _materialise(
        self, signal_type: str, best: Sequence[Mapping[int, tuple[IndexMatch, LookupHash]]]
    ) -> list[list[Match]]:
        ids = sorted({entry_id for per_item in best for entry_id in per_item})
        rows: dict[int, BankEntry] = {}
        if ids:
            with self.db.session() as session:
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    for e in session.scalars(select(BankEntry).where(BankEntry.id.in_(chunk))):
                        rows[e.id] = e
        results: list[list[Match]] = []
        for per_item in best:
            out: list[Match] = []
            for entry_id, (m, lk) in per_item.items():
                entry = rows.get(entry_id)
                if entry is None:  # removed since the index was built
                    continue
                bank = self.banks[self.entry_bank[entry_id]]
                out.append(
                    Match(
                        bank=bank.name,
                        entry_id=entry_id,
                        signal_type=signal_type,
                        value=entry.value,
                        distance=m.distance,
                        transform=lk.transform,
                        allow=bank.is_allow,
                        provenance=_provenance(entry),
                        detail=m.detail,
                    )
                )
            out.sort(key=lambda x: (x.distance, x.bank, x.entry_id))
            results.append(out)
        return results

    def match_signals(self, signals: Iterable[HashResult]) -> list[Match]:
        """All matches of one file's hashes, allow-bank suppression applied."""
        matches: list[Match] = []
        for result in signals:
            if not result.usable:
                continue
            lookups = result.lookups or (LookupHash(result.value, quality=result.quality),)
            matches.extend(self.lookup(result.signal_type, lookups))
        return apply_allow(matches)


def apply_allow(matches: list[Match]) -> list[Match]:
    """Mark non-allow matches ``suppressed`` when any allow-bank match is present."""
    if any(m.allow for m in matches):
        for m in matches:
            if not m.allow:
                m.suppressed = True
    return matches


def _provenance(entry: BankEntry) -> dict[str, str]:
    added: datetime = entry.added_at
    return {
        "source": entry.source,
        "external_id": entry.external_id,
        "classification": entry.classification,
        "note": entry.note,
        "added_at": added.isoformat(),
    }
