"""The matcher follows the change feed and persists its indexes as crash-safe snapshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from childguard.config import Settings
from childguard.media.bank_formats import make_entry
from childguard.media.banks import BankRepository
from childguard.media.matcher import Matcher
from childguard.media.signals.base import LookupHash
from childguard.media.snapshot import SnapshotWriter, index_root, load_snapshot
from childguard.store.db import Database
from childguard.store.models import Org

A = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
B = "30a10efdf1c83f429013d48d0ffffc52e34e0e35ada952a9d29605215aa9e5af"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def hits(m: Matcher, value: str, signal: str = "pdq") -> list[str]:
    return [x.bank for x in m.lookup(signal, [LookupHash(value)])]


def add(db: Database, org: Org, bank: str, *entries: tuple[str, str]) -> None:
    with db.session() as s:
        repo = BankRepository(s, org)
        try:
            b = repo.get(bank)
        except Exception:
            b = repo.create(bank)
        repo.add_entries(b, [make_entry(t, v) for t, v in entries])


def test_changes_apply_without_rebuild(db: Database, org: Org, settings: Settings) -> None:
    add(db, org, "ONE", ("pdq", A))
    m = Matcher(db, settings)
    other = Matcher(db, settings)
    assert hits(m, A) == ["ONE"] and hits(m, B) == []
    add(db, org, "ONE", ("pdq", B), ("md5", MD5))
    assert hits(m, B) == []  # not yet polled
    assert m.poll() == 1
    assert hits(m, B) == ["ONE"] and hits(m, MD5, "md5") == ["ONE"]
    with db.session() as s:
        repo = BankRepository(s, org)
        repo.set_entries_enabled(repo.get("ONE"), [A], False)
    m.poll()
    assert hits(m, A) == []
    with db.session() as s:
        BankRepository(s, org).update("ONE", threshold=0)
    m.poll()
    near = f"{int(B, 16) ^ 1:064x}"
    assert hits(m, near) == []  # threshold 0 now applies
    with db.session() as s:
        BankRepository(s, org).update("ONE", enabled=False)
    m.poll()
    assert hits(m, B) == [] and m.size.get("pdq", 0) == 0
    with db.session() as s:
        BankRepository(s, org).update("ONE", enabled=True, clear_threshold=True)
    m.catch_up()
    assert hits(m, near) == ["ONE"]
    # a second matcher catching up from the same feed converges on the same state
    other.catch_up()
    assert hits(other, near) == ["ONE"] and hits(other, A) == []
    with db.session() as s:
        BankRepository(s, org).delete("ONE")
    m.poll()
    assert hits(m, B) == [] and m.size == {"pdq": 0, "md5": 0}


def test_org_scope_and_bank_filter(db: Database, org: Org, settings: Settings) -> None:
    from childguard.auth import ensure_org

    add(db, org, "MINE", ("pdq", A))
    with db.session() as s:
        stranger = ensure_org(s, "stranger")
    add(db, stranger, "THEIRS", ("pdq", A))
    assert hits(Matcher(db, settings), A) == ["MINE", "THEIRS"]
    assert hits(Matcher(db, settings, org_id=org.id), A) == ["MINE"]
    with pytest.raises(Exception, match="THEIRS"):
        Matcher(db, settings, org_id=org.id, banks=["THEIRS"])


def test_snapshot_round_trip_and_catch_up(db: Database, org: Org, settings: Settings) -> None:
    add(db, org, "SNAP", ("pdq", A))
    first = Matcher(db, settings, persist=True)
    assert first.loaded_from == "database"
    assert load_snapshot(settings.data_dir) is not None
    add(db, org, "SNAP", ("pdq", B))
    second = Matcher(db, settings, persist=True)
    assert second.loaded_from.startswith("snapshot")
    assert hits(second, A) == ["SNAP"] and hits(second, B) == ["SNAP"]


def test_damaged_snapshot_is_rebuilt_from_the_database(
    db: Database, org: Org, settings: Settings
) -> None:
    add(db, org, "SNAP", ("pdq", A), ("md5", MD5))
    Matcher(db, settings, persist=True)
    root = index_root(settings.data_dir)
    current = root / (root / "CURRENT").read_text()
    victim = next(p for p in sorted(current.rglob("*")) if p.is_file() and p.suffix == ".npy")
    data = bytearray(victim.read_bytes())
    data[-1] ^= 0xFF
    victim.write_bytes(bytes(data))
    again = Matcher(db, settings, persist=True)
    assert again.loaded_from == "database"
    assert hits(again, A) == ["SNAP"] and hits(again, MD5, "md5") == ["SNAP"]


def test_crash_while_saving_keeps_the_previous_snapshot(
    db: Database, org: Org, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(db, org, "SNAP", ("pdq", A))
    m = Matcher(db, settings, persist=True)
    before = (index_root(settings.data_dir) / "CURRENT").read_text()

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("numpy.savez", boom)
    add(db, org, "SNAP", ("pdq", B))
    m.poll()
    with pytest.raises(OSError, match="disk full"):
        m.save_snapshot()
    monkeypatch.undo()
    root = index_root(settings.data_dir)
    assert (root / "CURRENT").read_text() == before
    assert [p.name for p in root.iterdir() if p.name.startswith("snap-")] == [before]
    reopened = Matcher(db, settings, persist=True)
    assert reopened.loaded_from.startswith("snapshot")
    assert hits(reopened, B) == ["SNAP"]  # caught up from the feed


def test_only_one_writer_at_a_time(settings: Settings, tmp_path: Path) -> None:
    import fcntl

    root = index_root(settings.data_dir)
    root.mkdir(parents=True)
    with (root / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        import numpy as np

        writer = SnapshotWriter(settings.data_dir)
        assert writer.try_save(0, {}, np.zeros(0, np.int64), np.zeros(0, np.int32)) is None


def test_large_deltas_are_compacted(db: Database, org: Org, settings: Settings) -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    values = [f"{int.from_bytes(rng.bytes(32), 'big'):064x}" for _ in range(300)]
    add(db, org, "BASE", *[("pdq", v) for v in values[:100]])
    m = Matcher(db, settings)
    add(db, org, "BASE", *[("pdq", v) for v in values[100:]])
    m.poll()
    index = m.indexes["pdq"]
    if not hasattr(index, "segment_sizes"):
        pytest.skip("the PDQ index has no segments")
    assert not m.maybe_compact(min_delta=10_000)
    assert m.maybe_compact(min_delta=10)
    sizes = index.segment_sizes
    assert sizes[0] == 300 and sum(sizes[1:]) == 0
    assert all(hits(m, v) == ["BASE"] for v in values[::37])
