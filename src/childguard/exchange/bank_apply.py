"""Applying a bank feed page's additions in bulk: the subscriber's fast path.

A page of additions is validated in bulk (per signal type, one check of all its values where
the type offers one, ``SignalType.all_canonical``), then written with a handful of statements in
the caller's transaction, so a page is still applied whole or not at all: the new entries with
ids reserved beforehand (``store.bulk.reserve_entry_ids``: nothing is read back), as multi-row
``INSERT`` statements on SQLite and ``COPY`` on PostgreSQL, then their provenance links.

Like a bank import (``media.bank_import``), a sync first assumes the bank holds none of the
page's values: the insert runs in a savepoint without looking anything up, and only when the
bank's unique index refuses it (a value already there) is it rolled back and redone with one
look-up of the page's values, which are then linked and merged instead of inserted twice; from
then on that sync looks values up first (``AddMode``). A large page's insert is counted in bulk
(``store.bulk.counted_in_bulk``: SQLite's per-row count trigger lifted for the page and the
counts added once; on PostgreSQL, where the role may, a ``COPY`` that fires no trigger), in the
same transaction, so the counts stay exact and a crash rolls it all back.

New entries are inserted in the order of their value digest: the ``(bank_id, value_digest)``
unique index is the only random-order one, and a page inserted in key order walks its B-tree
once, leaf after leaf, instead of touching a random leaf per row (at a million entries this more
than halved the insert's cost on SQLite). Their ids therefore follow the digests, not the
publisher's order; ``subscription_entries`` links each to its origin.

The bookkeeping matches ``BankRepository.add_entries``: one ``index_changes`` row for the id
range of the new entries, one ``bank.entries.add`` audit record per page, and entries already in
the bank are merged (empty provenance fields filled), not duplicated.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.errors import InvalidInput
from childguard.exchange.errors import PageRefused
from childguard.exchange.pages import Change
from childguard.media.bank_formats import CLASSIFICATION_MAX, TEXT_FIELD_MAX
from childguard.media.signals.base import SignalType
from childguard.plugins import get_signal_type
from childguard.store.bulk import (
    DigestedEntry,
    bulk_insert_entries,
    bulk_insert_new_entries,
    counted_in_bulk,
    insert_rows,
    prepare_bulk_import,
    reserve_entry_ids,
)
from childguard.store.models import Bank, IndexChange, utcnow

#: Digests per look-up statement on SQLite (bound parameters; its limit is 32,766).
_SQLITE_CHUNK = 5000
#: From this many new entries a page's insert is counted in bulk (``counted_in_bulk``); below
#: it, the per-row triggers cost less than lifting them.
BULK_COUNT_MIN = 1000
_PROVENANCE = ("source", "external_id", "classification")
_LINK_COLUMNS = ("subscription_id", "origin_id", "local_id")


@dataclass
class AddMode:
    """How one sync inserts its pages' new entries: without look-ups until the bank's unique
    index refuses a page (``look_up`` then stays True for the rest of that sync)."""

    look_up: bool = False


class FeedAdds(NamedTuple):
    """A page's validated ``add`` changes, column by column (one list per field, same length):
    the publisher's entry ids, canonical signal types and values, value digests and
    classifications."""

    origins: list[int]
    types: list[str]
    values: list[str]
    digests: list[str]
    classes: list[str]

    def take(self, positions: Sequence[int]) -> FeedAdds:
        """The adds at ``positions``, in that order."""
        origins, types, values, digests, classes = self
        return FeedAdds(
            [origins[i] for i in positions],
            [types[i] for i in positions],
            [values[i] for i in positions],
            [digests[i] for i in positions],
            [classes[i] for i in positions],
        )


def validate_adds(changes: Sequence[Change], positions: Sequence[int] | None = None) -> FeedAdds:
    """Validate ``add`` changes as ``make_entry`` would for a feed entry.

    ``positions`` are the changes' places in their page (default: 0, 1, ...). ``PageRefused``
    names the first bad change (1-based position and seq) and what is wrong.
    """
    plain = _validate_in_bulk(changes)
    if plain is not None:
        return plain
    types: dict[str, type[SignalType]] = {}
    out = FeedAdds([], [], [], [], [])
    for index, change in zip(positions or range(len(changes)), changes, strict=True):
        try:
            stype = types.get(change.type)
            if stype is None:
                stype = types[change.type] = get_signal_type(change.type)
            value = stype.validate(change.value)
        except InvalidInput as exc:
            raise PageRefused(f"change {index + 1} (seq {change.seq}): {exc.message}") from None
        out.origins.append(change.id)
        out.types.append(stype.name)
        out.values.append(value)
        out.digests.append(_digest(stype.name, value))
        out.classes.append(_classification(change.classification))
    return out


def _validate_in_bulk(changes: Sequence[Change]) -> FeedAdds | None:
    """The adds, when every signal type is known and names itself canonically and every value
    passes its type's bulk check (``all_canonical``); None when unsure, for the one-by-one
    check (which also names the first bad change)."""
    kinds = {change.type for change in changes}
    try:
        types = {kind: get_signal_type(kind) for kind in kinds}
    except InvalidInput:
        return None
    if any(stype.name != kind for kind, stype in types.items()):
        return None
    stypes = [change.type for change in changes]
    values = [change.value for change in changes]
    for kind, stype in types.items():
        own = values
        if len(types) > 1:
            own = [v for t, v in zip(stypes, values, strict=True) if t == kind]
        if not stype.all_canonical(own):
            return None
    classes = [change.classification for change in changes]
    canonical = {c: _classification(c) for c in set(classes)}
    if any(c != k for k, c in canonical.items()):
        classes = [canonical[c] for c in classes]
    sha256 = hashlib.sha256
    digests = [sha256(f"{t}:{v}".encode()).hexdigest() for t, v in zip(stypes, values, strict=True)]
    return FeedAdds([change.id for change in changes], stypes, values, digests, classes)


def _digest(signal_type: str, value: str) -> str:
    return hashlib.sha256(f"{signal_type}:{value}".encode()).hexdigest()


def _classification(value: str) -> str:
    return value[:CLASSIFICATION_MAX].strip() if value else value


def source_of(publisher: str) -> str:
    """The ``source`` provenance of entries received from ``publisher``'s feed."""
    return f"feed:{publisher}"[:TEXT_FIELD_MAX].strip()


def external_id_of(publisher: str, origin_id: int) -> str:
    """The ``external_id`` provenance of the publisher's entry ``origin_id``."""
    return f"{publisher}:{origin_id}"[:TEXT_FIELD_MAX].strip()


def _external_ids(publisher: str, origins: Iterable[int]) -> list[str]:
    """``external_id_of`` for many origins (a plain prefix when no cut or strip can apply)."""
    if publisher == publisher.lstrip() and len(publisher) + 21 <= TEXT_FIELD_MAX:
        return [f"{publisher}:{origin}" for origin in origins]
    return [external_id_of(publisher, origin) for origin in origins]


def apply_adds(
    session: Session,
    *,
    subscription_id: int,
    publisher: str,
    bank: Bank,
    actor: Actor,
    adds: FeedAdds,
    mode: AddMode | None = None,
) -> int:
    """Add a page's validated additions to ``bank`` and link them to the subscription.

    Origins the subscription already links are skipped (a re-sent add); values already in the
    bank are linked and merged rather than inserted twice. ``mode`` carries what earlier pages
    of the same sync learnt (see ``AddMode``). Returns how many origins were newly linked (the
    page's ``added``).
    """
    mode = mode if mode is not None else AddMode()
    if not adds.origins:
        return 0
    conn = session.connection()
    known = _linked_origins(conn, subscription_id, adds.origins)
    if known or len(set(adds.origins)) != len(adds.origins):
        seen, keep = set(known), []
        for i, origin in enumerate(adds.origins):
            if origin not in seen:
                seen.add(origin)
                keep.append(i)
        adds = adds.take(keep)
        if not keep:
            return 0
    digests = adds.digests
    if len(set(digests)) == len(digests):
        unique: Sequence[int] = range(len(digests))
    else:  # the first add of a value makes the entry; the others only link to it
        first: dict[str, int] = {}
        for i, digest in enumerate(digests):
            first.setdefault(digest, i)
        unique = list(first.values())
    order = sorted(unique, key=digests.__getitem__)
    now = utcnow()
    source = source_of(publisher)
    new_ids: list[int] | None = None
    new = order
    ids: dict[str, int] = {}
    if not mode.look_up:
        new_ids = _insert(session, bank.id, now, adds, order, source, publisher, refusable=True)
        mode.look_up = new_ids is None
    if new_ids is None:
        stored = _entries_by_digest(conn, bank.id, [digests[i] for i in order])
        _merge_provenance(conn, stored, adds, {digests[i]: i for i in order}, source, publisher)
        new = [i for i in order if digests[i] not in stored]
        new_ids = _insert(session, bank.id, now, adds, new, source, publisher, refusable=False)
        ids = {digest: int(row[0]) for digest, row in stored.items()}
    assert new_ids is not None
    if new_ids:
        session.add(
            IndexChange(op="add", bank_id=bank.id, entry_id=new_ids[0], entry_id_end=new_ids[-1])
        )
    if len(new) == len(digests):  # every add made its own entry: place the ids, no look-up
        local = np.empty(len(new), dtype=np.int64)
        local[np.asarray(new, dtype=np.int64)] = new_ids
        local_ids: list[int] = local.tolist()
    else:
        ids.update(zip([digests[i] for i in new], new_ids, strict=True))
        local_ids = [ids[d] for d in digests]
    _insert_links(conn, list(zip(repeat(subscription_id), adds.origins, local_ids)))
    bank.updated_at = now
    by_signal = dict(Counter([adds.types[i] for i in new]))
    audit.append(
        session,
        actor,
        "bank.entries.add",
        f"bank:{bank.id}:{bank.name}",
        {"added": len(new), "merged": len(adds.origins) - len(new), "by_signal": by_signal},
    )
    return len(adds.origins)


def _insert(
    session: Session,
    bank_id: int,
    added_at: datetime,
    adds: FeedAdds,
    positions: Sequence[int],
    source: str,
    publisher: str,
    *,
    refusable: bool,
) -> list[int] | None:
    """Insert the adds at ``positions`` (in digest order) as new entries; their new ids, in the
    same order. With ``refusable``, in a savepoint: None (and nothing kept) when the bank's
    unique index refuses one."""
    if not positions:
        return []
    external = _external_ids(publisher, [adds.origins[i] for i in positions])
    entries: list[DigestedEntry] = [
        (adds.digests[i], (adds.types[i], adds.values[i], source, ext, adds.classes[i], "", True))
        for i, ext in zip(positions, external, strict=True)
    ]
    ids = reserve_entry_ids(session, len(entries))
    bulk = len(entries) >= BULK_COUNT_MIN
    if bulk:
        prepare_bulk_import(session)
    with counted_in_bulk(session) if bulk else contextlib.nullcontext():
        if not refusable:
            bulk_insert_entries(session, bank_id, added_at, entries, ids)
        elif not bulk_insert_new_entries(session, bank_id, added_at, entries, ids):
            return None
    return ids


def _insert_links(conn: Connection, rows: Sequence[tuple[int, int, int]]) -> None:
    """Insert ``(subscription_id, origin_id, local_id)`` links: ``COPY`` on PostgreSQL."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        insert_rows(conn, "subscription_entries", _LINK_COLUMNS, rows)
        return
    raw: Any = conn.connection.driver_connection
    text = "".join([f"{s}\t{o}\t{local}\n" for s, o, local in rows])
    copy_sql = f"COPY subscription_entries ({', '.join(_LINK_COLUMNS)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
        copy.write(text)


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _linked_origins(conn: Connection, subscription_id: int, origins: Sequence[int]) -> set[int]:
    """Which of ``origins`` the subscription already links (one range scan of its key)."""
    rows = conn.exec_driver_sql(
        _sql(
            conn,
            "SELECT origin_id FROM subscription_entries "
            "WHERE subscription_id = ? AND origin_id BETWEEN ? AND ?",
        ),
        (subscription_id, min(origins), max(origins)),
    )
    wanted = set(origins)
    return {int(r[0]) for r in rows if r[0] in wanted}


def _entries_by_digest(
    conn: Connection, bank_id: int, digests: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """The bank's entries with these value digests: digest -> (id, source, external_id,
    classification), through the ``(bank_id, value_digest)`` unique index."""
    columns = "id, value_digest, source, external_id, classification"
    found: dict[str, tuple[Any, ...]] = {}
    if not digests:
        return found
    if conn.dialect.name == "postgresql":
        rows: Iterable[Any] = conn.exec_driver_sql(
            f"SELECT {columns} FROM bank_entries WHERE bank_id = %s AND value_digest = ANY(%s)",
            (bank_id, list(digests)),
        )
        for row in rows:
            found[row[1]] = (row[0], *row[2:])
        return found
    for chunk in _chunks(digests, _SQLITE_CHUNK):
        marks = ", ".join("?" for _ in chunk)
        for row in conn.exec_driver_sql(
            f"SELECT {columns} FROM bank_entries WHERE bank_id = ? AND value_digest IN ({marks})",
            (bank_id, *chunk),
        ):
            found[row[1]] = (row[0], *row[2:])
    return found


def _merge_provenance(
    conn: Connection,
    stored: dict[str, tuple[Any, ...]],
    adds: FeedAdds,
    position: dict[str, int],
    source: str,
    publisher: str,
) -> None:
    """Fill the empty provenance fields of entries the bank already had (as an add merges)."""
    updates: list[tuple[Any, ...]] = []
    for digest, (entry_id, *have) in stored.items():
        i = position[digest]
        offered = (source, external_id_of(publisher, adds.origins[i]), adds.classes[i])
        merged = tuple(h or o for h, o in zip(have, offered, strict=True))
        if merged != tuple(have):
            updates.append((*merged, entry_id))
    if updates:
        sets = ", ".join(f"{c} = ?" for c in _PROVENANCE)
        conn.exec_driver_sql(_sql(conn, f"UPDATE bank_entries SET {sets} WHERE id = ?"), updates)


def _sql(conn: Connection, text: str) -> str:
    """``text`` written with ``?`` placeholders, in the driver's parameter style."""
    return text.replace("?", "%s") if conn.dialect.name == "postgresql" else text
