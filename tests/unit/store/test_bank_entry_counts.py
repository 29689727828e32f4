"""Entry counts are kept by triggers on every insert, update and delete, whatever the code path."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import delete, func, insert, select, update

from childguard.errors import InvalidInput
from childguard.media.bank_formats import EntryIn, iter_parsed_entries
from childguard.media.banks import BankRepository
from childguard.store import bulk
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


def _csv(rows: list[tuple[str, str, bool]]) -> io.StringIO:
    body = "".join(f"{t},{v},,,,,{'true' if on else 'false'}\n" for t, v, on in rows)
    return io.StringIO("signal_type,signal,source,external_id,classification,note,enabled\n" + body)


@pytest.mark.parametrize("may_skip_triggers", [True, False])
def test_bulk_import_counts_once_and_exactly(
    db: Database, org: Org, monkeypatch: pytest.MonkeyPatch, may_skip_triggers: bool
) -> None:
    """Whether PostgreSQL's COPY runs unchecked (the role may) or fires the triggers."""
    if not may_skip_triggers:
        monkeypatch.setattr(bulk, "_may_copy_unchecked", lambda session: False)
    with db.session(write=True) as s:
        repo = BankRepository(s, s.get(Org, org.id))  # type: ignore[arg-type]
        bank = repo.create("IMPORTED")
        repo.add_entries(bank, [EntryIn("md5", f"{i:032x}") for i in range(3)])
        bank_id = bank.id
    rows = [("md5", f"{i:032x}", i % 4 != 0) for i in range(1, 40)]  # 1, 2 already stored
    rows += [("sha256", f"{i:064x}", True) for i in range(5)] + [("md5", f"{5:032x}", True)]
    with db.session(write=True) as s:
        repo = BankRepository(s, s.get(Org, org.id))  # type: ignore[arg-type]
        summary = repo.import_entries(
            repo.get("IMPORTED"), iter_parsed_entries(_csv(rows)), chunk_size=9
        )
    assert (summary.added, summary.merged) == (37 + 5, 3)
    assert kept(db) == counted(db)
    assert counted(db)[(bank_id, "md5", False)] == 9  # 4, 8, ... 36; stored ones stay enabled
    # the row trigger is back: a later insert outside the import is counted
    with db.session(write=True) as s:
        repo = BankRepository(s, s.get(Org, org.id))  # type: ignore[arg-type]
        repo.add_entries(repo.get("IMPORTED"), [EntryIn("md5", "e" * 32)])
        s.execute(
            insert(BankEntry),
            [{"bank_id": bank_id, "signal_type": "md5", "value": "d", "value_digest": "d"}],
        )
    assert kept(db) == counted(db)


@pytest.mark.parametrize("may_skip_triggers", [True, False])
def test_import_into_an_empty_bank_counts_repeats_and_their_state_once(
    db: Database, org: Org, monkeypatch: pytest.MonkeyPatch, may_skip_triggers: bool
) -> None:
    """The fast path (sorted or staged, no look-ups): a hash read disabled, then again enabled
    in a later chunk, is one enabled entry; the counts and the summary agree."""
    if not may_skip_triggers:
        monkeypatch.setattr(bulk, "_may_copy_unchecked", lambda session: False)
    with db.session(write=True) as s:
        bank_id = BankRepository(s, s.get(Org, org.id)).create("EMPTY").id  # type: ignore[arg-type]
    rows = [("md5", f"{i:032x}", i % 3 != 0) for i in range(1, 20)]  # 3, 6, ... 18 disabled
    rows += [("md5", f"{i:032x}", True) for i in (3, 4)]  # 3 enabled later; 4 was already
    rows += [("sha256", f"{i:064x}", False) for i in range(4)] + [("sha256", f"{1:064x}", False)]
    with db.session(write=True) as s:
        repo = BankRepository(s, s.get(Org, org.id))  # type: ignore[arg-type]
        summary = repo.import_entries(
            repo.get("EMPTY"), iter_parsed_entries(_csv(rows)), chunk_size=5
        )
    assert (summary.added, summary.merged) == (19 + 4, 3)
    assert summary.by_signal == {"md5": 19, "sha256": 4}
    assert kept(db) == counted(db)
    assert counted(db) == {
        (bank_id, "md5", True): 14,
        (bank_id, "md5", False): 5,
        (bank_id, "sha256", False): 4,
    }


def test_failed_bulk_import_leaves_counts_and_trigger(db: Database, org: Org) -> None:
    with db.session(write=True) as s:
        BankRepository(s, s.get(Org, org.id)).create("FAILED")  # type: ignore[arg-type]
    lines = [f"md5 {i:032x}\n" for i in range(30)] + ["md5 not-a-hash\n"]
    with pytest.raises(InvalidInput, match=r"^line 31:"), db.session(write=True) as s:
        repo = BankRepository(s, s.get(Org, org.id))  # type: ignore[arg-type]
        repo.import_entries(repo.get("FAILED"), iter_parsed_entries(iter(lines)), chunk_size=10)
    assert kept(db) == counted(db) == {}
    with db.session(write=True) as s:
        repo = BankRepository(s, s.get(Org, org.id))  # type: ignore[arg-type]
        repo.add_entries(repo.get("FAILED"), [EntryIn("md5", "e" * 32)])
    assert kept(db) == counted(db) and sum(kept(db).values()) == 1
