"""Matching hashes against every enabled bank, kept current from the change feed.

A ``Matcher`` holds one index per signal type over the enabled entries of enabled banks, plus a
compact entry-to-bank map; provenance is read from the database only for entries that match.
``poll()`` applies new ``index_changes`` rows (written by ``BankRepository`` in the same
transaction as each change) without rebuilding, so every process converges on what is stored.

Rules applied here, once for every interface:

- a PDQ hit counts when its distance is within the bank's threshold (the bank's own or the
  default ``pdq_threshold``);
- a hash whose quality is too low is never looked up;
- a file that matches an allow bank has its other matches marked ``suppressed``;
- a caller only sees matches in banks visible to it (``visible`` bank ids).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Row, func, select
from sqlalchemy.exc import OperationalError

from childguard.config import Settings
from childguard.errors import NotFound, StorageError
from childguard.media.entry_bank_map import EntryBankMap
from childguard.media.match_rows import (
    _READ_CHUNK,
    _entries_statement,
    _EntryColumns,
    _Hit,
    _materialise,
)
from childguard.media.match_types import BankRef, Match, apply_allow
from childguard.media.signals.base import HashResult, LookupHash, SignalIndex
from childguard.media.signals.registry import get_signal_type, signal_types
from childguard.runtime import gc_paused
from childguard.store.db import Database
from childguard.store.models import Bank, BankEntry, IndexChange, Org

__all__ = ["BankRef", "Match", "Matcher", "apply_allow"]

log = logging.getLogger("childguard.matcher")
#: A process that had to apply more changes than this at start-up saves a fresh snapshot.
SAVE_AFTER_CHANGES = 10_000

#: Transforms in order of preference when one entry matches several variants at equal distance.
_TRANSFORM_RANK = {"original": 0, "exif-upright": 1}


class Matcher:
    """Indexes of enabled bank entries, queried per signal type and kept current by ``poll``.

    The indexes always hold every enabled bank; what a caller may match is a set of bank ids.
    ``org_id`` (the CLI's case) sets the default to the banks that organisation can see, and
    ``banks`` narrows it to those names (allow banks always apply); the server leaves both unset
    and passes ``visible`` per query. With ``persist`` the indexes are opened from the snapshot
    in the data directory (memory-mapped, shared by worker processes) and saved back there.
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        org_id: int | None = None,
        banks: Sequence[str] | None = None,
        persist: bool = False,
    ) -> None:
        self.db = db
        self.settings = settings
        self.org_id = org_id
        self.only_banks = frozenset(banks) if banks else None
        self.persist = persist
        self.banks: dict[int, BankRef] = {}
        self._owners: dict[int, str] = {}  # organisation names by id, read with the banks
        self.scope: frozenset[int] | None = None
        self.entry_bank = EntryBankMap(np.zeros(0, np.int64), np.zeros(0, np.int32))
        self.indexes: dict[str, SignalIndex] = {}
        self.last_seq = 0
        self.updated_at = 0.0
        self.saved_seq = -1
        self.saved_at = 0.0
        self.loaded_from = "database"
        self._lock = threading.RLock()
        if persist and self._open_snapshot():
            if self.catch_up() > SAVE_AFTER_CHANGES:
                self.save_snapshot()
        else:
            self.refresh()
            if persist:
                self.save_snapshot()

    # -- loading ---------------------------------------------------------------------------

    def _enabled_banks(self) -> dict[int, Bank]:
        with self.db.session() as session:
            self._owners = {i: n for i, n in session.execute(select(Org.id, Org.name))}
            return {b.id: b for b in session.scalars(select(Bank).where(Bank.enabled.is_(True)))}

    def _compute_scope(self, enabled: Mapping[int, Bank]) -> frozenset[int] | None:
        if self.org_id is None and self.only_banks is None:
            return None
        from childguard.media.banks import visible_bank_ids

        ids = set(enabled)
        if self.org_id is not None:
            with self.db.session() as session:
                ids &= visible_bank_ids(session, self.org_id)
        if self.only_banks is not None:
            # a bank answers to its name and to OWNER:NAME (two owners may share one name)
            labels = {
                i: {enabled[i].name, f"{self._owners.get(enabled[i].org_id, '')}:{enabled[i].name}"}
                for i in ids
            }
            names = set().union(*labels.values()) if labels else set()
            missing = sorted(self.only_banks - names)
            if missing:
                hint = [n.upper() for n in missing if n.upper() in names]
                raise NotFound(
                    f"no enabled bank named {', '.join(missing)}"
                    + (
                        f" (bank names are UPPER_SNAKE_CASE: did you mean {', '.join(hint)}?)"
                        if hint
                        else " (list them with `childguard bank list`)"
                    )
                )
            ids = {i for i in ids if labels[i] & self.only_banks or enabled[i].is_allow}
        return frozenset(ids)

    def _ref(self, b: Bank) -> BankRef:
        threshold = b.pdq_threshold if b.pdq_threshold is not None else self.settings.pdq_threshold
        owner = self._owners.get(b.org_id, "")
        return BankRef(b.id, b.org_id, b.name, b.is_allow, threshold, owner)

    def refresh(self) -> None:
        """Rebuild everything from the database (first start, or after a damaged snapshot)."""
        with self._lock:
            with self.db.session() as session:
                # Read the feed position first: changes racing with the load are re-applied.
                seq = session.scalar(select(func.max(IndexChange.seq))) or 0
            enabled = self._enabled_banks()
            by_signal: dict[str, list[tuple[str, int]]] = {}
            ids: list[int] = []
            bank_ids: list[int] = []
            if enabled:
                with self.db.session() as session:
                    rows = session.execute(
                        select(
                            BankEntry.id, BankEntry.bank_id, BankEntry.signal_type, BankEntry.value
                        )
                        .where(BankEntry.enabled.is_(True), BankEntry.bank_id.in_(list(enabled)))
                        .execution_options(yield_per=20000)
                    )
                    for entry_id, bank_id, stype, value in rows:
                        ids.append(entry_id)
                        bank_ids.append(bank_id)
                        by_signal.setdefault(stype, []).append((value, entry_id))
            indexes: dict[str, SignalIndex] = {}
            for name, signal in signal_types().items():
                pairs = by_signal.get(name)
                if pairs:
                    indexes[name] = signal.index_class().build(pairs)
            self.banks = {i: self._ref(b) for i, b in enabled.items()}
            self.scope = self._compute_scope(enabled)
            self.entry_bank = EntryBankMap(
                np.asarray(ids, dtype=np.int64), np.asarray(bank_ids, dtype=np.int32)
            )
            self.indexes = indexes
            self.last_seq = seq
            self.updated_at = time.time()
            self.loaded_from = "database"

    def _open_snapshot(self) -> bool:
        from childguard.media.snapshot import load_snapshot

        try:
            snap = load_snapshot(self.settings.data_dir)
        except StorageError as exc:
            log.warning("index snapshot unusable, rebuilding from the database: %s", exc.message)
            return False
        if snap is None:
            return False
        with self._lock:
            enabled = self._enabled_banks()
            self.banks = {i: self._ref(b) for i, b in enabled.items()}
            self.scope = self._compute_scope(enabled)
            self.entry_bank = EntryBankMap(snap.entry_ids, snap.bank_ids)
            self.indexes = snap.indexes
            self.last_seq = self.saved_seq = snap.last_seq
            self.saved_at = time.time()
            self.updated_at = time.time()
            self.loaded_from = f"snapshot {snap.folder.name}"
        return True

    def save_snapshot(self) -> bool:
        """Write the indexes to the data directory; False when another process is saving."""
        from childguard.media.snapshot import SnapshotWriter

        with self._lock:
            seq = self.last_seq
            entry_ids, bank_ids = self.entry_bank.live_arrays()
            indexes = dict(self.indexes)
        # Index saves run outside the lock: changes made meanwhile carry a later feed position
        # and are applied again (idempotently) by whoever opens this snapshot.
        saved = SnapshotWriter(self.settings.data_dir).try_save(seq, indexes, entry_ids, bank_ids)
        if saved is None:
            return False
        self.saved_seq = seq
        self.saved_at = time.time()
        return True

    def maybe_save(self, min_changes_age: float = 300.0) -> bool:
        """Save when changes are waiting and the last save is older than ``min_changes_age``."""
        if not self.persist or self.last_seq == self.saved_seq:
            return False
        if time.time() - self.saved_at < min_changes_age:
            return False
        return self.save_snapshot()

    def maybe_compact(self, min_delta: int = 100_000, ratio: float = 0.1) -> bool:
        """Merge an index's delta segments into its base when they have grown large.

        Runs in the caller's thread (the server's poller); queries go on meanwhile. Returns
        whether anything was compacted; a snapshot is saved afterwards when persisting.
        """
        compacted = False
        for index in list(self.indexes.values()):
            sizes = getattr(index, "segment_sizes", None)
            compact = getattr(index, "compact", None)
            if sizes is None or compact is None:
                continue
            parts: list[int] = list(sizes() if callable(sizes) else sizes)
            delta = sum(parts[1:])
            if delta >= max(min_delta, int(ratio * parts[0])):
                compact()
                compacted = True
        if compacted and self.persist:
            self.save_snapshot()
        return compacted

    def catch_up(self) -> int:
        """``poll`` until the feed is exhausted; returns how many changes were applied."""
        total = 0
        while n := self.poll():
            total += n
        return total

    def poll(self, batch: int = 100_000) -> int:
        """Apply up to ``batch`` changes recorded since the last load or poll."""
        with self._lock:
            with self.db.session() as session:
                changes = list(
                    session.execute(
                        select(
                            IndexChange.seq,
                            IndexChange.op,
                            IndexChange.bank_id,
                            IndexChange.entry_id,
                            IndexChange.entry_id_end,
                        )
                        .where(IndexChange.seq > self.last_seq)
                        .order_by(IndexChange.seq)
                        .limit(batch)
                    )
                )
            self.updated_at = time.time()
            if not changes:
                return 0
            enabled = self._enabled_banks()
            for bank_id in {c.bank_id for c in changes if c.op in ("bank", "reload")}:
                bank = enabled.get(bank_id)
                if bank is not None:
                    self.banks[bank_id] = self._ref(bank)
            reloaded = {c.bank_id for c in changes if c.op == "reload"}
            for bank_id in reloaded:
                self._reload_bank(bank_id, enabled.get(bank_id))
            removed = [c.entry_id for c in changes if c.op == "remove" and c.entry_id is not None]
            for entry_id in removed:
                self._drop_entry(entry_id)
            singles = [
                c.entry_id
                for c in changes
                if c.op == "add" and c.entry_id is not None and c.entry_id == c.entry_id_end
            ]
            ranges = [
                (c.bank_id, c.entry_id, c.entry_id_end)
                for c in changes
                if c.op == "add" and c.entry_id is not None and c.entry_id_end != c.entry_id
            ]
            with gc_paused():  # a bulk add's range: up to millions of rows, see runtime.gc_paused
                self._load_entries(singles, ranges, enabled, skip_banks=reloaded)
            self.scope = self._compute_scope(enabled) if self.scope is not None else None
            self.last_seq = changes[-1].seq
            return len(changes)

    def _reload_bank(self, bank_id: int, bank: Bank | None) -> None:
        for entry_id in self.entry_bank.entries_of(bank_id):
            self._drop_entry(entry_id)
        self.banks.pop(bank_id, None)
        if bank is None:
            return
        self.banks[bank_id] = self._ref(bank)
        with self.db.session() as session:
            rows = session.execute(
                select(BankEntry.id, BankEntry.signal_type, BankEntry.value)
                .where(BankEntry.bank_id == bank_id, BankEntry.enabled.is_(True))
                .execution_options(yield_per=20000)
            )
            for entry_id, stype, value in rows:
                self._add_entry(entry_id, bank_id, stype, value)

    def _load_entries(
        self,
        singles: Collection[int],
        ranges: Collection[tuple[int, int, int | None]],
        enabled: Mapping[int, Bank],
        skip_banks: Collection[int],
    ) -> None:
        columns = (
            BankEntry.id,
            BankEntry.bank_id,
            BankEntry.signal_type,
            BankEntry.value,
            BankEntry.enabled,
        )
        rows: list[Any] = []
        wanted = sorted(set(singles))
        with self.db.session() as session:
            conn = session.connection()
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows.extend(conn.execute(select(*columns).where(BankEntry.id.in_(chunk))))
            # A bulk add's range (a feed page or an import: up to millions of rows) is read
            # through the driver: Core's per-row processing cost more than the indexing.
            pg = conn.dialect.name == "postgresql"
            mark = "%s" if pg else "?"
            # The range is read by id; SQLite without statistics would rather walk the whole
            # bank through its unique index, which the unary + keeps it from using here.
            bank_term = "bank_id" if pg else "+bank_id"
            by_range = (
                "SELECT id, bank_id, signal_type, value, enabled FROM bank_entries "
                f"WHERE {bank_term} = {mark} AND id >= {mark} AND id <= {mark}"
            )
            driver: Any = conn.connection.driver_connection
            for bank_id, low, high in ranges:
                if bank_id in skip_banks:
                    continue
                cursor = driver.cursor()
                try:
                    cursor.execute(by_range, (bank_id, low, high if high is not None else low))
                    rows.extend(cursor.fetchall())
                finally:
                    cursor.close()
        # Keyed by id: an entry named by a single change and a range is loaded once.
        rows = list({r[0]: r for r in rows if r[1] not in skip_banks}.values())
        # One vectorised look-up says which rows replace a held entry; the rest (all of them
        # after a bulk add) go in per signal type in bulk.
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        held = self.entry_bank.known(ids)
        fresh: dict[str, list[tuple[int, int, str]]] = {}
        for (entry_id, bank_id, stype, value, is_enabled), replaces in zip(
            rows, held.tolist(), strict=True
        ):
            if replaces:
                self._drop_entry(entry_id)
            if is_enabled and bank_id in enabled:
                fresh.setdefault(stype, []).append((entry_id, bank_id, value))
        for stype, group in fresh.items():
            index = self.indexes.get(stype)
            if index is None:
                index = self.indexes[stype] = get_signal_type(stype).index_class().build([])
            entry_ids, bank_ids, values = zip(*group, strict=True)
            index.add_new(values, entry_ids)
            self.entry_bank.add_new(
                np.array(entry_ids, dtype=np.int64), np.array(bank_ids, dtype=np.int32)
            )

    def _add_entry(self, entry_id: int, bank_id: int, stype: str, value: str) -> None:
        index = self.indexes.get(stype)
        if index is None:
            index = self.indexes[stype] = get_signal_type(stype).index_class().build([])
        index.add(value, entry_id)
        self.entry_bank.set(entry_id, bank_id)

    def _drop_entry(self, entry_id: int) -> None:
        if self.entry_bank.get(entry_id) is None:
            return
        for index in self.indexes.values():
            index.remove(entry_id)
        self.entry_bank.discard(entry_id)

    # -- querying --------------------------------------------------------------------------

    @property
    def size(self) -> dict[str, int]:
        """Entries held per signal type."""
        return {name: len(index) for name, index in self.indexes.items()}

    def _radius(self, signal_type: str) -> int:
        if get_signal_type(signal_type).default_threshold == 0:
            return 0
        return max((b.threshold for b in self.banks.values()), default=0)

    def lookup(
        self,
        signal_type: str,
        lookups: Sequence[LookupHash],
        visible: Collection[int] | None = None,
    ) -> list[Match]:
        """Matches for one item's lookup hashes (best transform per entry), without suppression."""
        return self.lookup_batch(signal_type, [lookups], visible)[0]

    def lookup_batch(
        self,
        signal_type: str,
        items: Sequence[Sequence[LookupHash]],
        visible: Collection[int] | None = None,
    ) -> list[list[Match]]:
        """``lookup`` for many items with one vectorised index query and one database read."""
        best = self._best_hits(signal_type, items, visible)
        rows = self._read_entries({entry_id for per_item in best for entry_id in per_item})
        return [_materialise(signal_type, per_item, rows) for per_item in best]

    def _best_hits(
        self,
        signal_type: str,
        items: Sequence[Sequence[LookupHash]],
        visible: Collection[int] | None,
    ) -> list[dict[int, _Hit]]:
        """Per item, the index hits the caller may see, keeping the best transform per entry."""
        if visible is None:
            visible = self.scope
        with self._lock:
            index = self.indexes.get(signal_type)
            if index is None:
                return [{} for _ in items]
            stype = get_signal_type(signal_type)
            radius = self._radius(signal_type)
            flat = [(i, lk) for i, lookups in enumerate(items) for lk in lookups]
            hits = index.query_many([lk.value for _, lk in flat], radius) if flat else []
            best: list[dict[int, _Hit]] = [{} for _ in items]
            for (item, lk), matches in zip(flat, hits, strict=True):
                for m in matches:
                    bank_id = self.entry_bank.get(m.entry_id)
                    bank = self.banks.get(bank_id) if bank_id is not None else None
                    if bank is None or (visible is not None and bank.id not in visible):
                        continue
                    if stype.default_threshold and m.distance > bank.threshold:
                        continue
                    prev = best[item].get(m.entry_id)
                    rank = (m.distance, _TRANSFORM_RANK.get(lk.transform, 9))
                    if prev is None or rank < (
                        prev[0].distance,
                        _TRANSFORM_RANK.get(prev[1].transform, 9),
                    ):
                        best[item][m.entry_id] = (m, lk, bank)
        return best

    def _read_entries(self, ids: Collection[int]) -> dict[int, Row[*_EntryColumns]]:
        """The stored columns a ``Match`` needs of ``ids``: one connection, one cached statement.

        Entries gone from the database are simply absent (the index may lag behind it).
        """
        if not ids:
            return {}
        wanted = sorted(ids)
        rows: dict[int, Row[*_EntryColumns]] = {}
        stmt = _entries_statement()
        try:
            with self.db.engine.connect() as conn:
                for start in range(0, len(wanted), _READ_CHUNK):
                    chunk = wanted[start : start + _READ_CHUNK]
                    for row in conn.execute(stmt, {"ids": chunk}):
                        rows[row.id] = row
        except OperationalError as exc:
            raise StorageError(f"database error: {exc.orig}") from exc
        return rows

    def match_signals(
        self, signals: Iterable[HashResult], visible: Collection[int] | None = None
    ) -> list[Match]:
        """All matches of one file's hashes, allow-bank suppression applied.

        Every signal type is looked up in its index first; the matched entries of all of them
        are then read from the database at once. Matches come grouped by signal type in the
        order of ``signals``, each group ordered by distance, bank and entry id.
        """
        return self.match_signals_many([signals], visible)[0]

    def match_signals_many(
        self, files: Sequence[Iterable[HashResult]], visible: Collection[int] | None = None
    ) -> list[list[Match]]:
        """``match_signals`` for many files: one index query per signal type, one database read.

        Returns one list per file, in order, each as ``match_signals`` gives it. A backfill
        batch matches its files this way: per file, the index look-ups and the Python around
        them cost about 26 us against 4 us for 256 files at once.
        """
        per_file = [[r for r in signals if r.usable] for signals in files]
        # (file, its result) of each look-up, grouped by signal type
        by_type: dict[str, list[tuple[tuple[int, int], Sequence[LookupHash]]]] = {}
        for n, results in enumerate(per_file):
            for k, result in enumerate(results):
                lookups = result.lookups or (LookupHash(result.value, quality=result.quality),)
                by_type.setdefault(result.signal_type, []).append(((n, k), lookups))
        best_of: dict[tuple[int, int], dict[int, _Hit]] = {}
        for signal_type, entries in by_type.items():
            hits = self._best_hits(signal_type, [lookups for _, lookups in entries], visible)
            for (key, _), item_hits in zip(entries, hits, strict=True):
                if item_hits:
                    best_of[key] = item_hits
        if not best_of:
            return [[] for _ in per_file]
        rows = self._read_entries({entry_id for found in best_of.values() for entry_id in found})
        out: list[list[Match]] = []
        for n, results in enumerate(per_file):
            matches: list[Match] = []
            for k, result in enumerate(results):
                found = best_of.get((n, k))
                if found:
                    matches.extend(_materialise(result.signal_type, found, rows))
            out.append(apply_allow(matches) if matches else [])
        return out
