"""Persistent snapshots of the matcher's indexes in the data directory.

Layout under ``<data_dir>/index/``::

    CURRENT                 name of the live snapshot folder (replaced atomically)
    snap-<time>-<pid>/
        state.json          {"format": 1, "last_seq": N, "signals": {...}, "written_at": ...}
        entry_bank.npz      entry ids (int64) and their bank ids (int32), no pickle
        <signal>/ or <signal>.npz   each signal index in its own documented format

A snapshot is written into a fresh folder and only then named in ``CURRENT``, so a crash while
saving leaves the previous snapshot usable. Index files are memory-mapped where the index
supports it (PDQ), so worker processes of one server share one copy in the page cache. A snapshot
records the change-feed position it reflects; the loader applies later changes from the database.
One process at a time writes (an exclusive ``flock`` on ``index/.lock``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from childguard.errors import StorageError
from childguard.media.index.files import fsync_dir, write_npz_atomic
from childguard.media.signals.base import SignalIndex
from childguard.media.signals.registry import get_signal_type

FORMAT = 1


@dataclass
class Snapshot:
    """What a snapshot holds."""

    last_seq: int
    indexes: dict[str, SignalIndex]
    entry_ids: NDArray[np.int64]
    bank_ids: NDArray[np.int32]
    folder: Path


def index_root(data_dir: Path) -> Path:
    """The folder holding snapshots."""
    return data_dir / "index"


def _current(root: Path) -> Path | None:
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StorageError(f"cannot read {root / 'CURRENT'}: {exc}") from exc
    if not name or "/" in name or name.startswith("."):
        raise StorageError(f"{root / 'CURRENT'} is corrupt")
    return root / name


def load_snapshot(data_dir: Path) -> Snapshot | None:
    """The live snapshot, None when there is none; ``StorageError`` when it is damaged."""
    root = index_root(data_dir)
    folder = _current(root)
    if folder is None:
        return None
    try:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        if state.get("format") != FORMAT:
            raise StorageError(f"index snapshot {folder.name} has an unknown format")
        with np.load(folder / "entry_bank.npz", allow_pickle=False) as data:
            entry_ids = np.asarray(data["entry_ids"], dtype=np.int64)
            bank_ids = np.asarray(data["bank_ids"], dtype=np.int32)
        if len(entry_ids) != len(bank_ids):
            raise StorageError(f"index snapshot {folder.name}: entry map is inconsistent")
        indexes: dict[str, SignalIndex] = {}
        for name, file_name in dict(state["signals"]).items():
            cls = get_signal_type(name).index_class()
            indexes[name] = cls.load(folder / str(file_name))
        return Snapshot(int(state["last_seq"]), indexes, entry_ids, bank_ids, folder)
    except StorageError:
        raise
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise StorageError(f"index snapshot {folder.name} is unreadable ({exc})") from exc


class SnapshotWriter:
    """Writes snapshots under an exclusive lock; ``try_save`` skips while another one writes."""

    def __init__(self, data_dir: Path) -> None:
        self.root = index_root(data_dir)

    def try_save(
        self,
        last_seq: int,
        indexes: Mapping[str, SignalIndex],
        entry_ids: NDArray[np.int64],
        bank_ids: NDArray[np.int32],
    ) -> Path | None:
        """Write a new snapshot and make it live; None when another process is saving."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None
            try:
                return self._save(last_seq, indexes, entry_ids, bank_ids)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _save(
        self,
        last_seq: int,
        indexes: Mapping[str, SignalIndex],
        entry_ids: NDArray[np.int64],
        bank_ids: NDArray[np.int32],
    ) -> Path:
        name = f"snap-{time.time_ns()}-{os.getpid()}"
        folder = self.root / name
        folder.mkdir()
        try:
            files: dict[str, str] = {}
            for signal, index in indexes.items():
                target = folder / signal
                index.save(target)
                files[signal] = signal
            write_npz_atomic(
                folder / "entry_bank.npz", {"entry_ids": entry_ids, "bank_ids": bank_ids}
            )
            state = {
                "format": FORMAT,
                "last_seq": last_seq,
                "signals": files,
                "entries": len(entry_ids),
                "written_at": time.time(),
            }
            (folder / "state.json").write_text(json.dumps(state), encoding="utf-8")
            _fsync_tree(folder)
            tmp = self.root / f".CURRENT.{os.getpid()}"
            tmp.write_text(name, encoding="utf-8")
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.root / "CURRENT")
            fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._remove_old(keep=name)
        return folder

    def _remove_old(self, keep: str) -> None:
        # The previous snapshot is kept: a process may be opening it right now. Older ones may
        # still be memory-mapped elsewhere; unlinking is safe on POSIX (mappings stay valid).
        snaps = sorted(
            (c for c in self.root.iterdir() if c.is_dir() and c.name.startswith("snap-")),
            key=lambda c: int(c.name.split("-")[1]),
        )
        for child in snaps[:-2]:
            if child.name != keep:
                shutil.rmtree(child, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(folder)
