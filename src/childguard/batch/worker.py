"""What runs inside a Dask worker: one scanning runtime per process, and ``scan_batch``.

A worker process opens the database, the banks' index (``Matcher``, memory-mapped from the
snapshot in the data directory when there is one), the text-risk engine and the intelligence
models once, on its first batch, and keeps them for every later batch of the same job.
Each file's outcome is a JSON-ready dict (one line of the run's output); a file that cannot be
read or hashed becomes a line with ``error`` and never stops the batch.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from childguard.batch.sources import SourceItem, filesystem, unpack_items
from childguard.config import Settings
from childguard.errors import (
    ChildguardError,
    HashingError,
    InvalidInput,
    StorageError,
    TooLarge,
)
from childguard.media.intel.priority import review_priority
from childguard.media.scan import hash_file, hash_media
from childguard.media.signals.base import ContentKind, HashResult, MediaFile
from childguard.media.sniff import sniff_data
from childguard.media.tempfiles import on_disk
from childguard.runtime import gc_paused

if TYPE_CHECKING:
    from childguard.media.intel.analyze import IntelEngine, IntelReport
    from childguard.media.matcher import Match, Matcher
    from childguard.store.db import Database
    from childguard.textrisk.engine import RiskEngine


@dataclass(frozen=True)
class JobSpec:
    """What every task of a run needs: settings, the organisation, banks and options."""

    run_id: str
    settings: Settings
    org_id: int
    banks: tuple[str, ...] = ()
    intel: bool = True

    @cached_property
    def token(self) -> str:
        """Identifies the runtime a worker keeps for this job: the same settings, organisation,
        banks and options share one, whatever the run (a warm-up opens it before a run has an
        id, and a long-lived worker keeps it from run to run)."""
        digest = hashlib.sha256(self.settings.model_dump_json().encode()).hexdigest()[:16]
        return f"{digest}:{self.org_id}:{','.join(self.banks)}:{self.intel}"


@dataclass
class ScanRuntime:
    """Per-process state: database, matcher, and lazily the text and intelligence engines."""

    job: JobSpec
    db: Database
    matcher: Matcher
    _risk: RiskEngine | None = field(default=None, repr=False)
    _intel: IntelEngine | None = field(default=None, repr=False)

    @classmethod
    def open(cls, job: JobSpec) -> ScanRuntime:
        """Open the database and the banks' index for ``job``; tune this process's allocator.

        A worker process is started by Dask, not by the command line, so it gets the command
        line's malloc tuning here; it also overrides the ``MALLOC_TRIM_THRESHOLD_=65536`` that
        distributed's nanny gives its workers, under which every decoded image faulted its pages
        in afresh (8 page faults and about 0.18 ms of CPU per small image, a third of the gap
        to ``childguard scan`` in bench/backfill_bench.py).
        """
        from childguard.media.matcher import Matcher
        from childguard.runtime import tune_allocator
        from childguard.store.db import Database

        tune_allocator()
        db = Database.open(job.settings, migrate=False)
        banks = list(job.banks) or None
        try:
            matcher = Matcher(db, job.settings, org_id=job.org_id, banks=banks, persist=True)
        except (StorageError, OSError):
            # A worker on another machine may not share (or be able to write) the client's data
            # directory: it builds its index from the database instead of the snapshot.
            matcher = Matcher(db, job.settings, org_id=job.org_id, banks=banks, persist=False)
        return cls(job, db, matcher)

    def risk(self) -> RiskEngine:
        """The text-risk engine, loaded on first use."""
        if self._risk is None:
            from childguard.textrisk.engine import RiskEngine

            self._risk = RiskEngine.load(self.job.settings)
        return self._risk

    def intel(self) -> IntelEngine:
        """The media intelligence engine, loaded on first use."""
        if self._intel is None:
            from childguard.media.intel.analyze import IntelEngine

            self._intel = IntelEngine(self.job.settings, self.risk)
        return self._intel


_RUNTIMES: dict[str, ScanRuntime] = {}
_RUNTIMES_LOCK = threading.Lock()


def runtime_for(job: JobSpec) -> ScanRuntime:
    """This process's runtime for ``job``, opened on first use and kept (one per worker)."""
    with _RUNTIMES_LOCK:
        rt = _RUNTIMES.get(job.token)
        if rt is None:
            for old in _RUNTIMES.values():
                old.db.dispose()
            _RUNTIMES.clear()
            rt = _RUNTIMES[job.token] = ScanRuntime.open(job)
        rt.job = job  # the run id of the lines it writes
        return rt


def warm_runtime(job: JobSpec) -> bool:
    """Open this worker's runtime for ``job`` ahead of its first batch (``run.warm_workers``)."""
    runtime_for(job)
    return True


def scan_batch(items: list[SourceItem], job: JobSpec) -> list[dict[str, Any]]:
    """Scan every item of one batch; returns one result dict per item, in order.

    Each file is hashed (and analysed) first; the batch's media files are then matched
    together (``Matcher.match_signals_many``: one index query per signal type), which costs
    a small image about 4 us where matching it alone costs 26.
    """
    rt = runtime_for(job)
    rt.matcher.catch_up()
    firsts = [_first_pass(item, rt) for item in items]
    hashed = [first for first in firsts if isinstance(first, _Hashed)]
    matches = iter(_match_all(hashed, rt))
    return [
        _finish(first, next(matches), rt) if isinstance(first, _Hashed) else first
        for first in firsts
    ]


@dataclass(frozen=True)
class EncodedBatch:
    """A batch's results as the client records them: the output text and the lines it acts on.

    ``text`` holds every result line, JSON-encoded as the output file stores them;
    ``notable`` holds only the lines the client must read (an error, a match, a text-risk
    flag: failures, totals and case candidates), so most files cross from the worker to the
    client as text. Dask's messages carry a list of nested dicts about 60 times slower than
    one string (8.3 ms against 0.13 ms for 128 small-image results).
    """

    text: str
    count: int
    notable: list[dict[str, Any]]
    seconds: float = 0.0  # how long the worker took to scan the batch


def is_notable(line: dict[str, Any]) -> bool:
    """Whether the client needs this result line itself (see ``EncodedBatch``)."""
    if "error" in line or line.get("matched") or line.get("flagged"):
        return True
    return bool(((line.get("intel") or {}).get("text") or {}).get("flagged"))


def encode_batch(lines: list[dict[str, Any]]) -> EncodedBatch:
    """``lines`` as an ``EncodedBatch``."""
    from childguard.batch.manifest import encode_lines

    notable = [line for line in lines if is_notable(line)]
    return EncodedBatch(encode_lines(lines), len(lines), notable)


def scan_batch_encoded(packed: bytes, job: JobSpec) -> EncodedBatch:
    """``scan_batch`` of a batch packed by ``sources.pack_items``, its results encoded on the
    worker (the task a backfill submits), with the seconds the batch took (the client sizes
    the next batches by them)."""
    started = time.perf_counter()
    with gc_paused():
        encoded = encode_batch(scan_batch(unpack_items(packed), job))
    return replace(encoded, seconds=time.perf_counter() - started)


def _base(item: SourceItem, job: JobSpec) -> dict[str, Any]:
    return {"run_id": job.run_id, "index": item.index, "path": item.path}


@dataclass
class _Hashed:
    """A media file hashed (and analysed) by a batch's first pass, waiting for its matches.

    Only the result line, the signals and the intelligence report are kept: the file's content
    is dropped before the next file is read, so a batch holds one file in memory at a time.
    """

    line: dict[str, Any]
    signals: list[HashResult]
    report: IntelReport | None


def scan_item(item: SourceItem, rt: ScanRuntime) -> dict[str, Any]:
    """One file's result line: signals, matches and intelligence, or the error."""
    first = _first_pass(item, rt)
    if not isinstance(first, _Hashed):
        return first
    return _finish(first, _match_all([first], rt)[0], rt)


def _first_pass(item: SourceItem, rt: ScanRuntime) -> dict[str, Any] | _Hashed:
    """A conversation file's or a failed file's finished line, or a media file to match."""
    out = _base(item, rt.job)
    if item.error is not None:
        out["error"] = item.error
        return out
    try:
        if item.is_conversation:
            out.update(_scan_conversations(item, rt))
            return out
        return _hash_media_item(item, rt, out)
    except ChildguardError as exc:
        out["error"] = exc.to_dict()
    except MemoryError:
        out["error"] = HashingError(f"{item.path}: not enough memory to decode").to_dict()
    except OSError as exc:
        out["error"] = InvalidInput(f"{item.path}: cannot be read ({exc})").to_dict()
    return out


def _match_all(hashed: list[_Hashed], rt: ScanRuntime) -> list[list[Match] | ChildguardError]:
    """Each file's matches, in order; a file whose matching failed gets that error."""
    if not hashed:
        return []
    try:
        return list(rt.matcher.match_signals_many([h.signals for h in hashed]))
    except ChildguardError:
        pass  # matched one by one below, so that only the files that fail get the error
    out: list[list[Match] | ChildguardError] = []
    for h in hashed:
        try:
            out.append(rt.matcher.match_signals(h.signals))
        except ChildguardError as exc:
            out.append(exc)
    return out


def _finish(
    hashed: _Hashed, matches: list[Match] | ChildguardError, rt: ScanRuntime
) -> dict[str, Any]:
    """The media file's result line, with its matches and review priority (or the error)."""
    line = hashed.line
    if isinstance(matches, ChildguardError):
        line = _base_of(line)
        line["error"] = matches.to_dict()
        return line
    matched = any(not m.allow and not m.suppressed for m in matches)
    line["matched"] = matched
    line["matches"] = [m.to_public() for m in matches]
    if hashed.report is not None:
        line["intel"] = hashed.report.to_public()
    line["priority"] = review_priority(rt.job.settings, matched=matched, report=hashed.report)
    return line


def _base_of(line: dict[str, Any]) -> dict[str, Any]:
    return {key: line[key] for key in ("run_id", "index", "path")}


def _read_remote(item: SourceItem, settings: Settings, limit: int) -> bytes:
    fs = filesystem(item.path, settings)
    size = item.size if item.size is not None else fs.size(item.path)
    if size is not None and size > limit:
        raise TooLarge(f"{item.path}: {size} bytes is over the limit of {limit} bytes")
    with fs.open(item.path, "rb") as handle:
        data: bytes = handle.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"{item.path}: over the limit of {limit} bytes")
    return data


def _hash_media_item(item: SourceItem, rt: ScanRuntime, out: dict[str, Any]) -> _Hashed:
    settings = rt.job.settings
    if not item.is_url:
        return _hashed(*hash_file(Path(item.path), settings), rt, out)
    data = _read_remote(item, settings, settings.max_upload_bytes)
    name = item.path.rsplit("/", 1)[-1]
    media = sniff_data(data, name, settings)
    if media.kind != ContentKind.VIDEO and len(data) <= settings.upload_memory_bytes:
        return _hashed(*hash_media(media, settings), rt, out)
    # Videos are hashed by a child process that reads a file; large files go to disk too.
    with on_disk(data, name, settings) as path:
        del data
        return _hashed(*hash_file(path, settings), rt, out)


def _hashed(
    media: MediaFile, signals: dict[str, HashResult], rt: ScanRuntime, out: dict[str, Any]
) -> _Hashed:
    out["kind"] = str(media.kind)
    out["content_type"] = media.mime
    out["size"] = media.size
    out["signals"] = {name: r.to_public() for name, r in signals.items()}
    report = rt.intel().analyze(media) if rt.job.intel and rt.job.settings.intel_enabled else None
    return _Hashed(out, list(signals.values()), report)


def _scan_conversations(item: SourceItem, rt: ScanRuntime) -> dict[str, Any]:
    from childguard.textrisk.conversation import decode_json_line
    from childguard.textrisk.engine import analyze_conversation

    settings = rt.job.settings
    limit = settings.max_upload_bytes
    if item.is_url:
        raw = _read_remote(item, settings, limit)
    else:
        path = Path(item.path)
        if path.stat().st_size > limit:
            raise TooLarge(f"{item.path}: over the limit of {limit} bytes")
        raw = path.read_bytes()
    engine = rt.risk()
    results: list[dict[str, Any]] = []
    flagged: set[str] = set()
    for n, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            result = analyze_conversation(decode_json_line(line, f"line {n}"), engine)
        except ChildguardError as exc:
            results.append({"line": n, "error": exc.to_dict()})
            continue
        flagged.update(result["flagged"])
        results.append(
            {
                "line": n,
                "id": result["id"],
                "flagged": result["flagged"],
                "risk": result["risk"],
                "first_flagged_message": result["first_flagged_message"],
                "entities": result["entities"],
                "findings": len(result["findings"]),
            }
        )
    return {
        "kind": "conversations",
        "flagged": [
            label
            for label in ("CSAM_TRADE", "SEXTORTION", "GROOMING", "BULLYING")
            if label in flagged
        ],
        "conversations": results,
    }
