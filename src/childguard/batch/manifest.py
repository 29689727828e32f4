"""A backfill run on disk: its description, its file listing and its manifest of finished batches.

Layout under ``<data_dir>/backfill/<run id>/``:

- ``run.json``: sources, options, output path, when it started (written once);
- ``files.jsonl``: the listing of the sources (``SourceItem`` per line). It is written while
  the first batches already scan, as ``files.jsonl.part``, renamed once the listing is complete;
  a run interrupted before that finishes its listing on ``--resume`` (files listed already keep
  their index, files found since are appended);
- ``manifest.jsonl``: one line per finished batch: the file indices it covered, the failures
  with their reasons, and the size of the output file once the batch's lines were in it.

The client appends a batch's result lines to the output, syncs it, then appends the batch's
manifest line and syncs that (while the listing is being written, it is synced first, so a
recorded file index is always in the listing on disk). After a crash (``kill -9`` of the
client, a worker, or the scheduler) the output is cut back to the size the last manifest line
recorded, so lines of a batch that was never recorded disappear, and ``resume`` scans exactly
the files no manifest line covers: none is recorded twice, none is missed. A lock file keeps
two clients off one run.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from childguard.batch.sources import SourceItem
from childguard.config import Settings
from childguard.errors import Conflict, InvalidInput, NotFound, StorageError


def runs_dir(settings: Settings) -> Path:
    """The folder holding every backfill run of this data directory."""
    return settings.data_dir / "backfill"


def new_run_id() -> str:
    """A sortable, unique run id such as ``20261204-151203-a1b2c3``."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


@dataclass
class RunSpec:
    """What a run scans and how (stored in ``run.json``)."""

    run_id: str
    sources: list[str]
    out: str
    banks: list[str] = field(default_factory=list)
    intel: bool = True
    case: bool = False
    started_at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        """``run.json``'s content."""
        return {
            "run_id": self.run_id,
            "sources": self.sources,
            "out": self.out,
            "banks": self.banks,
            "intel": self.intel,
            "case": self.case,
            "started_at": self.started_at,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> RunSpec:
        """Inverse of ``to_json``."""
        return cls(
            run_id=str(raw["run_id"]),
            sources=[str(s) for s in raw["sources"]],
            out=str(raw["out"]),
            banks=[str(b) for b in raw.get("banks", [])],
            intel=bool(raw.get("intel", True)),
            case=bool(raw.get("case", False)),
            started_at=float(raw.get("started_at", 0.0)),
        )


@dataclass
class BatchRecord:
    """One manifest line: a finished batch."""

    batch: int
    files: list[int]
    failed: list[tuple[int, str]]
    out_offset: int

    def to_json(self) -> dict[str, Any]:
        """The manifest line."""
        return {
            "batch": self.batch,
            "files": self.files,
            "failed": [[i, reason] for i, reason in self.failed],
            "out_offset": self.out_offset,
        }


#: One encoder for every line (``json.dumps`` with options builds a new one per call).
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


def encode_lines(rows: Iterable[dict[str, Any]]) -> str:
    """``rows`` as JSON lines (UTF-8 text, one line each, each ending in a newline)."""
    encode = _LINE_ENCODER.encode
    return "".join([encode(row) + "\n" for row in rows])


def _sync_append(handle: IO[str], rows: Iterable[dict[str, Any]]) -> None:
    _sync_write(handle, encode_lines(rows))


def _sync_write(handle: IO[str], text: str) -> None:
    handle.write(text)
    handle.flush()
    os.fsync(handle.fileno())


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Complete JSON lines of ``path``; a torn last line (a crash mid-write) is ignored."""
    with path.open("r", encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                break
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                break


class RunStore:
    """A run's folder: created by ``create``, reopened by ``open``; hold it with ``locked``."""

    def __init__(self, folder: Path, spec: RunSpec) -> None:
        self.folder = folder
        self.spec = spec

    @property
    def files_path(self) -> Path:
        """``files.jsonl``."""
        return self.folder / "files.jsonl"

    @property
    def manifest_path(self) -> Path:
        """``manifest.jsonl``."""
        return self.folder / "manifest.jsonl"

    @property
    def out_path(self) -> Path:
        """The JSON-lines results file."""
        return Path(self.spec.out)

    @property
    def listing_part_path(self) -> Path:
        """``files.jsonl.part``: the listing while it is being written."""
        return self.folder / "files.jsonl.part"

    @property
    def listing_complete(self) -> bool:
        """True once the listing of the sources is complete (``files.jsonl`` exists)."""
        return self.files_path.exists()

    @classmethod
    def create(
        cls, settings: Settings, spec: RunSpec, items: Iterable[SourceItem] | None = None
    ) -> RunStore:
        """Write a new run's folder; returns the store.

        With ``items`` the listing is written complete; without, the run starts with an empty
        listing that ``continue_listing`` writes while the run scans.
        """
        folder = runs_dir(settings) / spec.run_id
        try:
            folder.mkdir(parents=True, exist_ok=False)
            with (folder / "files.jsonl.part").open("w", encoding="utf-8") as handle:
                _sync_append(handle, (item.to_json() for item in items or ()))
            if items is not None:
                (folder / "files.jsonl.part").rename(folder / "files.jsonl")
            (folder / "manifest.jsonl").touch()
            out = Path(spec.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            if out.exists() and out.stat().st_size:
                raise Conflict(f"output file {out} already holds results; choose another --out")
            out.write_bytes(b"")
            (folder / "run.json").write_text(json.dumps(spec.to_json(), indent=1) + "\n")
        except OSError as exc:
            raise StorageError(f"cannot write the run folder {folder}: {exc.strerror}") from None
        return cls(folder, spec)

    @classmethod
    def open(cls, settings: Settings, run_id: str) -> RunStore:
        """Reopen the run ``run_id`` (``NotFound`` when there is none)."""
        if not run_id or "/" in run_id or run_id.startswith("."):
            raise InvalidInput(f"{run_id!r} is not a run id")
        folder = runs_dir(settings) / run_id
        try:
            raw = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFound(
                f"no backfill run {run_id} in {runs_dir(settings)} "
                "(a run id is printed when a run starts)"
            ) from None
        except (OSError, json.JSONDecodeError) as exc:
            raise StorageError(f"run {run_id} cannot be read: {exc}") from None
        if not (folder / "files.jsonl").exists() and not (folder / "files.jsonl.part").exists():
            raise StorageError(f"run {run_id} has no file listing; start a new run")
        return cls(folder, RunSpec.from_json(raw))

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the run's lock for the duration (``Conflict`` when another client holds it)."""
        with (self.folder / "lock").open("w") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise Conflict(f"run {self.spec.run_id} is being run by another process") from None
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def items(self) -> list[SourceItem]:
        """The run's listing (as far as it got, when it is not complete)."""
        path = self.files_path if self.listing_complete else self.listing_part_path
        return [SourceItem.from_json(row) for row in _read_jsonl(path)]

    def continue_listing(
        self, listed: Sequence[SourceItem], found: Iterable[SourceItem]
    ) -> ListingWriter:
        """A writer that lists ``found`` after ``listed`` (the listing on disk so far).

        Files already listed keep their index; the others are numbered after them.
        """
        return ListingWriter(self, listed, found)

    def records(self) -> list[dict[str, Any]]:
        """The manifest's complete lines."""
        return list(_read_jsonl(self.manifest_path))

    def recover(self) -> tuple[set[int], int]:
        """Done file indices and the next batch number; cuts the output back to the manifest.

        Output lines written after the last recorded batch (a batch whose manifest line never
        made it to disk) are removed, so that resuming writes each file's line exactly once.
        """
        done: set[int] = set()
        next_batch = 0
        offset = 0
        for row in self.records():
            done.update(int(i) for i in row["files"])
            next_batch = max(next_batch, int(row["batch"]) + 1)
            offset = max(offset, int(row["out_offset"]))
        out = self.out_path
        try:
            size = out.stat().st_size if out.exists() else 0
            if size < offset:
                raise StorageError(
                    f"output {out} is shorter than run {self.spec.run_id} recorded "
                    f"({size} < {offset} bytes); it was changed or replaced"
                )
            if size > offset:
                with out.open("r+b") as handle:
                    handle.truncate(offset)
                    os.fsync(handle.fileno())
            # A clean manifest and listing: drop a torn last line so that appends start on a
            # fresh line.
            _drop_torn_line(self.manifest_path)
            if not self.listing_complete:
                _drop_torn_line(self.listing_part_path)
        except OSError as exc:
            raise StorageError(f"cannot recover run {self.spec.run_id}: {exc.strerror}") from None
        return done, next_batch

    def failures(self) -> list[tuple[str, str]]:
        """(path, reason) of every file that failed, in listing order."""
        out: list[tuple[int, str]] = []
        for row in self.records():
            out.extend((int(i), str(reason)) for i, reason in row.get("failed", []))
        if not out:  # the listing is only read when some file failed
            return []
        paths = {item.index: item.path for item in self.items()}
        return [(paths.get(i, f"#{i}"), reason) for i, reason in sorted(out)]


def _drop_torn_line(path: Path) -> None:
    raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):
        path.write_bytes(raw[: raw.rfind(b"\n") + 1])


class ListingWriter:
    """Iterates over the files a listing finds that are not listed yet, appending each one.

    Renumbers them after the files already listed and writes them to ``files.jsonl.part``;
    ``sync`` makes what was written durable (before a batch of these files is recorded), and
    the file becomes ``files.jsonl`` when the iteration ends.
    """

    def __init__(
        self, store: RunStore, listed: Sequence[SourceItem], found: Iterable[SourceItem]
    ) -> None:
        self.store = store
        self._known = {item.path for item in listed}
        self._next = len(listed)
        self._found = found
        self._handle = store.listing_part_path.open("a", encoding="utf-8")
        self._buffer: list[dict[str, Any]] = []

    def __iter__(self) -> Iterator[SourceItem]:
        try:
            for item in self._found:
                if item.path in self._known:  # given twice (a source inside another)
                    continue
                self._known.add(item.path)
                new = SourceItem(self._next, item.path, item.size, item.error)
                self._next += 1
                self._buffer.append(new.to_json())
                if len(self._buffer) >= 256:
                    self._guarded(self._write)
                yield new
            self._guarded(self._complete)
        finally:
            if not self._handle.closed:  # stopped early: keep what was listed, unsynced
                with contextlib.suppress(OSError):
                    self._write()
                self._handle.close()

    def _guarded(self, write: Callable[[], None]) -> None:
        try:
            write()
        except OSError as exc:
            raise StorageError(
                f"cannot write the listing of run {self.store.spec.run_id}: {exc.strerror}"
            ) from None

    def _write(self) -> None:
        if self._buffer:
            self._handle.write(encode_lines(self._buffer))
            self._buffer.clear()

    def _complete(self) -> None:
        self._flush()
        self._handle.close()
        self.store.listing_part_path.rename(self.store.files_path)

    def sync(self) -> None:
        """Make every file listed so far durable (nothing to do once the listing is complete)."""
        if not self._handle.closed:
            self._guarded(self._flush)

    def _flush(self) -> None:
        self._write()
        self._handle.flush()
        os.fsync(self._handle.fileno())


def failed_of(lines: Iterable[dict[str, Any]]) -> list[tuple[int, str]]:
    """(index, reason) of each result line that holds an error."""
    return [(int(row["index"]), str(row["error"]["message"])) for row in lines if "error" in row]


class RunWriter:
    """Appends each finished batch: its result lines to the output, then its manifest line."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self._out = store.out_path.open("a", encoding="utf-8")
        self._manifest = store.manifest_path.open("a", encoding="utf-8")

    def commit(
        self, batch: int, files: Sequence[int], lines: Sequence[dict[str, Any]]
    ) -> BatchRecord:
        """Write ``lines`` durably, then record the batch; returns the manifest record."""
        return self.commit_text(batch, files, encode_lines(lines), failed_of(lines))

    def commit_text(
        self, batch: int, files: Sequence[int], text: str, failed: Sequence[tuple[int, str]]
    ) -> BatchRecord:
        """``commit`` for lines already encoded (``encode_lines``) and their failures."""
        _sync_write(self._out, text)
        record = BatchRecord(batch, list(files), list(failed), self._out.tell())
        _sync_append(self._manifest, [record.to_json()])
        return record

    def close(self) -> None:
        """Close both files."""
        self._out.close()
        self._manifest.close()
