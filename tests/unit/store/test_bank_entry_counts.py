"""Entry counts are kept by triggers on every insert, update and delete, whatever the code path."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update

from childguard.media.bank_formats import EntryIn
from childguard.media.banks import BankRepository
from childguard.store.db import Database
from childguard.store.models import BankEntry, BankEntryCount, Org


def kept(db: Database) -> dict[tuple[int, str, bool], int]:
    with db.session() as s:
        return {(b, t, e): n for b, t, e, n in s.execute(select(BankEntryCount.__table__)) if n}


def counted(db: Database) -> dict[tuple[int, str, bool], int]:
    with db.session() as s:
        rows = s.execute(
            select(
                BankEntry.bank_id, BankEntry.signal_type, BankEntry.enabled, func.count()
            ).group_by(BankEntry.bank_id, BankEntry.signal_type, BankEntry.enabled)
        )
        return {(b, t, e): n for b, t, e, n in rows}


def test_counts_follow_every_change(db: Database, org: Org) -> None:
    with db.session(write=True) as s:
        repo = BankRepository(s, s.get(Org, org.id))  # type: ignore[arg-type]
        bank = repo.create("COUNTED")
        other = repo.create("OTHER")
        repo.add_entries(
            bank,
            [EntryIn("md5", f"{i:032x}") for i in range(7)]
            + [EntryIn("sha256", f"{i:064x}") for i in range(3)],
        )
        repo.add_entries(other, [EntryIn("md5", "f" * 32)])
        bank_id, other_id = bank.id, other.id
    assert (
        kept(db)
        == counted(db)
        == {
            (bank_id, "md5", True): 7,
            (bank_id, "sha256", True): 3,
            (other_id, "md5", True): 1,
        }
    )
    with db.session(write=True) as s:
        repo = BankRepository(s, s.get(Org, org.id))  # type: ignore[arg-type]
        bank = repo.get("COUNTED")
        repo.set_entries_enabled(bank, [f"{1:032x}", f"{2:032x}"], False)
        repo.remove_entries(bank, [f"{3:032x}"])
    assert kept(db) == counted(db)
    assert kept(db)[(bank_id, "md5", False)] == 2
    # bulk statements that bypass the repository are counted too
    with db.session(write=True) as s:
        s.execute(
            insert(BankEntry),
            [
                {"bank_id": other_id, "signal_type": "md5", "value": v, "value_digest": v}
                for v in ("a" * 32, "b" * 32)
            ],
        )
        s.execute(update(BankEntry).where(BankEntry.bank_id == other_id).values(enabled=False))
        s.execute(delete(BankEntry).where(BankEntry.signal_type == "sha256"))
    assert kept(db) == counted(db)
    with db.session(write=True) as s:
        BankRepository(s, s.get(Org, org.id)).delete("COUNTED")  # type: ignore[arg-type]
    assert kept(db) == counted(db) == {(other_id, "md5", False): 3}


def test_listing_reads_the_kept_counts(db: Database, org: Org) -> None:
    with db.session(write=True) as s:
        repo = BankRepository(s, s.get(Org, org.id))  # type: ignore[arg-type]
        repo.add_entries(repo.create("LISTED"), [EntryIn("md5", f"{i:032x}") for i in range(4)])
    with db.session(write=True) as s:
        # a stale counter shows: the listing does not recount
        s.execute(update(BankEntryCount).values(n=1234))
    with db.session() as s:
        (info,) = BankRepository(s, s.get(Org, org.id)).list_visible()  # type: ignore[arg-type]
    assert info.entries == {"md5": 1234}
