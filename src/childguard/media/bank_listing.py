"""Listing the banks an organisation sees, with their entry counts, in one statement.

``GET /v1/banks`` is called often and must stay fast whatever the banks hold: the counts come
from ``bank_entry_counts`` (kept by triggers, migration ``0005_security``), and banks, owners,
counts and shares are read by one prebuilt statement (one round trip to the database; on
PostgreSQL psycopg prepares it after a few calls) instead of one query per table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select
from sqlalchemy.orm import Session, aliased

from childguard.store.models import Bank, BankEntryCount, BankShare, Org


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
    owner: str
    shared_with: tuple[str, ...] = ()

    def to_public(self) -> dict[str, object]:
        """JSON form."""
        return {
            "name": self.name,
            "owner": self.owner,
            "description": self.description,
            "enabled": self.enabled,
            "allow": self.is_allow,
            "pdq_threshold": self.pdq_threshold,
            "created_at": self.created_at.isoformat(),
            "entries": self.entries,
            "disabled_entries": self.disabled_entries,
            "shared_with": list(self.shared_with),
        }


_owner = aliased(Org)
_sharee = aliased(Org)
_VISIBLE = or_(
    Bank.org_id == bindparam("org_id"),
    Bank.id.in_(select(BankShare.bank_id).where(BankShare.org_id == bindparam("org_id"))),
)
#: One row per bank x counter x share (each a handful): the bank, its owner's name, one counter
#: (signal type, enabled, n) and the name of one organisation it is shared with.
VISIBLE_BANKS = (
    select(
        Bank.id,
        Bank.name,
        Bank.description,
        Bank.enabled,
        Bank.is_allow,
        Bank.pdq_threshold,
        Bank.created_at,
        Bank.org_id,
        _owner.name,
        BankEntryCount.signal_type,
        BankEntryCount.enabled,
        BankEntryCount.n,
        _sharee.name,
    )
    .join(_owner, _owner.id == Bank.org_id)
    .outerjoin(BankEntryCount, and_(BankEntryCount.bank_id == Bank.id, BankEntryCount.n > 0))
    .outerjoin(BankShare, BankShare.bank_id == Bank.id)
    .outerjoin(_sharee, _sharee.id == BankShare.org_id)
    .where(_VISIBLE)
    .order_by(Bank.name, Bank.id)
)
#: The same for one bank (which must be visible).
ONE_VISIBLE_BANK = VISIBLE_BANKS.where(Bank.id == bindparam("bank_id"))


def visible_banks(db: Session | Connection, org_id: int, only: int | None = None) -> list[BankInfo]:
    """The banks ``org_id`` owns or that are shared with it (or just bank ``only`` when it is
    visible), by name, with enabled entries by signal type, disabled entries and, for the banks
    it owns, the organisations they are shared with."""
    if only is None:
        rows = db.execute(VISIBLE_BANKS, {"org_id": org_id})
    else:
        rows = db.execute(ONE_VISIBLE_BANK, {"org_id": org_id, "bank_id": only})
    return _infos(org_id, rows)


def _infos(org_id: int, rows: Any) -> list[BankInfo]:
    banks: dict[int, tuple[Any, ...]] = {}
    counts: dict[int, dict[tuple[str, bool], int]] = {}
    shares: dict[int, set[str]] = {}
    for row in rows:
        bank_id = row[0]
        if bank_id not in banks:
            banks[bank_id] = tuple(row[1:9])
            counts[bank_id] = {}
            shares[bank_id] = set()
        signal_type, enabled, n, sharee = row[9], row[10], row[11], row[12]
        if signal_type is not None:
            counts[bank_id][signal_type, bool(enabled)] = int(n)
        if sharee is not None:
            shares[bank_id].add(sharee)
    infos = []
    for bank_id, (
        name,
        description,
        enabled,
        is_allow,
        threshold,
        created,
        owner_id,
        owner,
    ) in banks.items():
        kept = counts[bank_id]
        infos.append(
            BankInfo(
                id=bank_id,
                name=name,
                description=description,
                enabled=enabled,
                is_allow=is_allow,
                pdq_threshold=threshold,
                created_at=created,
                entries={t: n for (t, on), n in kept.items() if on},
                disabled_entries=sum(n for (_, on), n in kept.items() if not on),
                owner=owner,
                shared_with=tuple(sorted(shares[bank_id])) if owner_id == org_id else (),
            )
        )
    return infos
