"""Turning index hits into ``Match`` objects, from entry columns read for the hits only."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Row, Select, bindparam, select

from childguard.media.match_types import BankRef, Match
from childguard.media.signals.base import IndexMatch, LookupHash
from childguard.store.models import BankEntry

_Hit = tuple[IndexMatch, LookupHash, BankRef]
#: Entry ids per read, well under every database's bound-parameter limit.
_READ_CHUNK = 500
#: The stored columns of a matched entry, in ``_entries_statement``'s order.
_EntryColumns = tuple[int, str, bool, str, str, str, str, datetime, int | None]


@functools.cache
def _entries_statement() -> Select[*_EntryColumns]:
    """The one read of matched entries, compiled once per process (built on first use)."""
    return select(
        BankEntry.id,
        BankEntry.value,
        BankEntry.enabled,
        BankEntry.source,
        BankEntry.external_id,
        BankEntry.classification,
        BankEntry.note,
        BankEntry.added_at,
        BankEntry.content_id,
    ).where(BankEntry.id.in_(bindparam("ids", expanding=True)))


def _materialise(
    signal_type: str, best: Mapping[int, _Hit], rows: Mapping[int, Row[*_EntryColumns]]
) -> list[Match]:
    """``Match`` objects for one item's hits, skipping entries gone or disabled since indexing."""
    out: list[Match] = []
    for entry_id, (m, lk, bank) in best.items():
        entry = rows.get(entry_id)
        if entry is None or not entry.enabled:  # changed since the index was updated
            continue
        out.append(
            Match(
                bank=bank.name,
                owner=bank.owner,
                entry_id=entry_id,
                signal_type=signal_type,
                value=entry.value,
                distance=m.distance,
                transform=lk.transform,
                allow=bank.is_allow,
                provenance=_provenance(entry),
                detail=m.detail,
                content_id=entry.content_id or entry.id,
            )
        )
    out.sort(key=lambda x: (x.distance, x.bank, x.entry_id))
    return out


def _provenance(entry: Row[*_EntryColumns]) -> dict[str, str]:
    added: datetime = entry.added_at
    return {
        "source": entry.source,
        "external_id": entry.external_id,
        "classification": entry.classification,
        "note": entry.note,
        "added_at": added.isoformat(),
    }
