"""The ``Exchange`` plugin shape and the one ``pull`` that applies any exchange to a bank.

As in python-threatexchange's ``SignalExchangeAPI.fetch_iter``, an exchange yields batches of
updates keyed by the partner's id, where an update of ``None`` deletes. ``pull`` collects every
batch and applies them, with the new checkpoint, in one transaction only once the fetch has
finished: an interrupted fetch changes nothing and is started again from the old checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.errors import NotFound
from childguard.media.bank_formats import EntryIn
from childguard.media.banks import BankRepository
from childguard.store.db import Database
from childguard.store.models import BankEntry, Org, Subscription, utcnow


@dataclass(frozen=True)
class Batch:
    """Updates keyed by the partner's id (``None`` deletes) and the checkpoint after them."""

    updates: dict[str, EntryIn | None]
    checkpoint: int


class Exchange(Protocol):
    """A partner that signals come from (and opinions go back to)."""

    #: Short name (``hma``, ``ncmec``, ``stopncii``), used in provenance.
    name: str
    #: Where it is (for the checkpoint and the audit), without credentials.
    source: str

    def fetch_iter(self, checkpoint: int) -> Iterator[Batch]:
        """Batches of updates since ``checkpoint`` (0: from the beginning)."""
        ...


@dataclass(frozen=True)
class PullResult:
    """What a pull changed."""

    added: int
    removed: int
    checkpoint: int


def _state(session: Session, org: Org, exchange: Exchange, bank_id: int) -> Subscription:
    sub = session.scalar(
        select(Subscription).where(
            Subscription.org_id == org.id, Subscription.url == exchange.source
        )
    )
    if sub is None:
        sub = Subscription(
            org_id=org.id,
            url=exchange.source,
            kind=exchange.name,
            bank_id=bank_id,
            publisher=exchange.name,
            public_key="",
            fingerprint="",
        )
        session.add(sub)
        session.flush()
    return sub


def pull(db: Database, org: Org, exchange: Exchange, bank_name: str, actor: Actor) -> PullResult:
    """Fetch everything new from ``exchange`` and apply it to ``bank_name`` (created if missing).

    Entries carry ``source`` = the exchange's name and ``external_id`` = ``name:partner id``.
    """
    with db.session(write=True) as session:
        repo = BankRepository(session, org, actor)
        try:
            bank = repo.get(bank_name, write=True)
        except NotFound:
            bank = repo.create(bank_name, description=f"pulled from {exchange.name}")
        checkpoint = _state(session, org, exchange, bank.id).cursor
    merged: dict[str, EntryIn | None] = {}
    last = checkpoint
    for batch in exchange.fetch_iter(checkpoint):
        merged.update(batch.updates)
        last = batch.checkpoint
    added = removed = 0
    with db.session(write=True) as session:
        repo = BankRepository(session, org, actor)
        bank = repo.get(bank_name, write=True)
        ext = {key: f"{exchange.name}:{key}"[:200] for key in merged}
        existing = {
            row.external_id: row
            for row in session.scalars(
                select(BankEntry).where(
                    BankEntry.bank_id == bank.id,
                    BankEntry.source == exchange.name,
                )
            )
        }
        gone = [existing[ext[k]] for k, v in merged.items() if v is None and ext[k] in existing]
        if gone:
            removed = repo.remove_entries(bank, [str(r.id) for r in gone])
        new = [
            EntryIn(e.signal_type, e.value, exchange.name, ext[k], e.classification, e.note)
            for k, e in merged.items()
            if e is not None and ext[k] not in existing
        ]
        if new:
            added = repo.add_entries(bank, new).added
        sub = _state(session, org, exchange, bank.id)
        sub.cursor = last
        sub.status = "ok"
        sub.last_success_at = utcnow()
        sub.received += added
        audit.append(
            session,
            actor,
            "exchange.pull",
            f"bank:{bank.id}:{bank.name}",
            {"exchange": exchange.name, "added": added, "removed": removed, "checkpoint": last},
        )
    return PullResult(added, removed, last)
