"""On-disk format of the PDQ multi-index (see ``docs/index-format.md``).

An index folder holds ``CURRENT`` (the name of the live version folder) and version folders
``v-<time>-<random>/``, each with ``header.json`` and raw ``.npy`` arrays. A save writes a new
version folder, fsyncs it, then replaces ``CURRENT`` atomically, so a crash at any point leaves
the previous version live. Arrays are opened with ``np.load(mmap_mode="r")``: processes share
the page cache and nothing is rebuilt on open. Every file's size and SHA-256 are in the header;
``open_index`` checks sizes and array headers always, and checksums when ``verify=True``.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import secrets
import shutil
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from childguard.errors import StorageError
from childguard.media.index.files import fsync_dir
from childguard.media.index.pdq_segment import CHUNKS, MihArrays

FORMAT = "childguard-pdq-mih"
FORMAT_VERSION = 1
CURRENT = "CURRENT"
HEADER = "header.json"
_MADV_POPULATE_READ = getattr(mmap, "MADV_POPULATE_READ", 22)

#: Arrays of the base segment, in header order. ``offsets``/``postings`` may be absent.
BASE_ARRAYS = ("hashes", "ids", "offsets", "postings", "id_sorted", "id_rows")
#: Arrays of the changes since the base was built.
DELTA_ARRAYS = ("base_dead", "delta_hashes", "delta_ids")


@dataclass(frozen=True)
class FileMeta:
    """What the header records about one array file."""

    file: str
    dtype: str
    shape: tuple[int, ...]
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        """The header's JSON object for this file."""
        return {
            "file": self.file,
            "dtype": self.dtype,
            "shape": list(self.shape),
            "bytes": self.size,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class StoredIndex:
    """An opened index version: the base arrays (memory-mapped) and the saved changes."""

    base: MihArrays
    base_dead: NDArray[np.int64]
    delta_hashes: NDArray[np.uint64]
    delta_ids: NDArray[np.int64]
    #: Where the base files live and their header entries, so a later save can hard-link them.
    source: BaseSource


@dataclass(frozen=True)
class BaseSource:
    """Files of a base segment already on disk."""

    folder: Path
    files: Mapping[str, FileMeta]
    address_bits: int


class _HashingWriter:
    """A write-only file wrapper computing the SHA-256 of what passes through."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self.digest = hashlib.sha256()

    def write(self, data: bytes | memoryview) -> int:
        self.digest.update(data)
        return self._fh.write(data)


def write_array(folder: Path, name: str, array: NDArray[Any]) -> FileMeta:
    """Write ``array`` to ``folder/name.npy`` (fsynced) and return its header entry."""
    target = folder / f"{name}.npy"
    with open(target, "wb") as fh:
        writer = _HashingWriter(fh)
        np.lib.format.write_array(writer, np.ascontiguousarray(array), allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())
    return FileMeta(
        target.name,
        array.dtype.str,
        tuple(array.shape),
        target.stat().st_size,
        writer.digest.hexdigest(),
    )


def save_index(
    path: Path,
    base: MihArrays,
    base_source: BaseSource | None,
    base_dead: NDArray[np.int64],
    delta_hashes: NDArray[np.uint64],
    delta_ids: NDArray[np.int64],
) -> None:
    """Write a new version under ``path`` and make it live atomically.

    Base files are hard-linked from ``base_source`` when it is on the same file system (they
    are never modified in place), else written. On any failure the new folder is removed and
    the previous version stays live.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        version = f"v-{time.time_ns():020d}-{secrets.token_hex(4)}"
        folder = path / version
        folder.mkdir()
    except OSError as exc:
        raise StorageError(f"cannot create the index folder {path}: {exc.strerror}") from exc
    try:
        files: dict[str, FileMeta] = {}
        for name in BASE_ARRAYS:
            array = getattr(base, name)
            if array is None:
                continue
            linked = _link(base_source, name, folder)
            files[name] = linked if linked else write_array(folder, name, array)
        files["base_dead"] = write_array(folder, "base_dead", base_dead.astype(np.int64))
        files["delta_hashes"] = write_array(folder, "delta_hashes", delta_hashes)
        files["delta_ids"] = write_array(folder, "delta_ids", delta_ids.astype(np.int64))
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "rows": len(base.ids),
            "address_bits": base.address_bits,
            "chunks": [list(c) for c in CHUNKS],
            "files": {name: meta.to_json() for name, meta in files.items()},
        }
        _write_small(folder / HEADER, json.dumps(header, indent=2).encode())
        fsync_dir(folder)
        _write_small(
            path / f".{CURRENT}.{secrets.token_hex(4)}.tmp", version.encode(), path / CURRENT
        )
        fsync_dir(path)
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, OSError):
            raise StorageError(f"cannot save the index to {path}: {exc.strerror}") from exc
        raise
    _remove_old_versions(path, keep=version)


def open_index(path: Path, verify: bool = True) -> StoredIndex:
    """Open the live version under ``path`` memory-mapped.

    Always checks the header, every file's size and array header; with ``verify`` also every
    file's SHA-256 (reads the whole index once). Raises ``StorageError`` saying to rebuild.
    """
    try:
        version = (path / CURRENT).read_text().strip()
        folder = path / version
        header = json.loads((folder / HEADER).read_text())
    except (OSError, ValueError) as exc:
        raise StorageError(f"no readable PDQ index at {path}; rebuild it") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise StorageError(f"{path} is not a childguard PDQ index; rebuild it")
    if header.get("version") != FORMAT_VERSION:
        raise StorageError(
            f"PDQ index at {path} has format version {header.get('version')}, "
            f"this childguard reads {FORMAT_VERSION}; rebuild it"
        )
    try:
        files = {name: _meta(obj) for name, obj in header["files"].items()}
        rows = int(header["rows"])
        bits = int(header["address_bits"])
        chunks = [tuple(c) for c in header["chunks"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise StorageError(f"PDQ index header at {folder} is malformed; rebuild it") from exc
    if chunks != [tuple(c) for c in CHUNKS]:
        raise StorageError(f"PDQ index at {path} uses another chunk layout; rebuild it")
    required = {"hashes", "ids", "id_sorted", "id_rows", *DELTA_ARRAYS}
    if not required.issubset(files):
        raise StorageError(
            f"PDQ index at {folder} lacks {sorted(required - set(files))}; rebuild it"
        )
    arrays = {name: _open_array(folder, meta) for name, meta in files.items()}
    if verify:
        _verify_checksums(folder, files)
    base = MihArrays(
        hashes=arrays["hashes"],
        ids=arrays["ids"],
        offsets=arrays.get("offsets"),
        postings=arrays.get("postings"),
        id_sorted=arrays["id_sorted"],
        id_rows=arrays["id_rows"],
        address_bits=bits,
    )
    _check_consistent(folder, base, rows)
    source = BaseSource(folder, {n: m for n, m in files.items() if n in BASE_ARRAYS}, bits)
    return StoredIndex(
        base, arrays["base_dead"], arrays["delta_hashes"], arrays["delta_ids"], source
    )


def populate(array: NDArray[Any]) -> None:
    """Map every page of a memory-mapped array now, so the first queries take no page faults.

    Uses ``MADV_POPULATE_READ`` (Linux 5.14+); elsewhere reads one byte per page. The pages are
    the shared page cache: other processes mapping the same file use the same memory.
    """
    mm = getattr(array, "_mmap", None)
    if mm is not None:
        try:
            mm.madvise(_MADV_POPULATE_READ)
            return
        except (OSError, ValueError):
            pass
    flat = np.asarray(array).reshape(-1).view(np.uint8)
    if len(flat):
        int(flat[:: mmap.PAGESIZE].sum())


def _meta(obj: Mapping[str, Any]) -> FileMeta:
    return FileMeta(
        str(obj["file"]),
        str(obj["dtype"]),
        tuple(int(x) for x in obj["shape"]),
        int(obj["bytes"]),
        str(obj["sha256"]),
    )


def _open_array(folder: Path, meta: FileMeta) -> NDArray[Any]:
    target = folder / meta.file
    if "/" in meta.file or meta.file.startswith("."):
        raise StorageError(f"PDQ index header at {folder} names a bad file; rebuild it")
    try:
        size = target.stat().st_size
    except OSError as exc:
        raise StorageError(f"PDQ index file {target} is missing; rebuild the index") from exc
    if size != meta.size:
        raise StorageError(
            f"PDQ index file {target} has {size} bytes, expected {meta.size} "
            "(truncated or replaced); rebuild the index"
        )
    try:
        if meta.shape and 0 in meta.shape:
            array = np.load(target, allow_pickle=False)
        else:
            array = np.load(target, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise StorageError(f"PDQ index file {target} is unreadable; rebuild the index") from exc
    if array.dtype.str != meta.dtype or tuple(array.shape) != meta.shape:
        raise StorageError(f"PDQ index file {target} does not match its header; rebuild the index")
    out: NDArray[Any] = array
    return out


def _verify_checksums(folder: Path, files: Mapping[str, FileMeta]) -> None:
    def digest(meta: FileMeta) -> tuple[FileMeta, str]:
        with open(folder / meta.file, "rb") as fh:
            return meta, hashlib.file_digest(fh, "sha256").hexdigest()

    with ThreadPoolExecutor(max_workers=2) as pool:
        for meta, actual in pool.map(digest, files.values()):
            if actual != meta.sha256:
                raise StorageError(
                    f"PDQ index file {folder / meta.file} fails its SHA-256 check (corrupt); "
                    "rebuild the index"
                )


def _check_consistent(folder: Path, base: MihArrays, rows: int) -> None:
    n = len(base.ids)
    ok = base.hashes.shape == (n, 4) and n == rows and len(base.id_sorted) == n
    ok = ok and len(base.id_rows) == n
    if base.offsets is not None:
        ok = (
            ok
            and base.postings is not None
            and base.offsets.shape == (len(CHUNKS), (1 << base.address_bits) + 1)
        )
        ok = ok and bool(np.all(base.offsets[:, -1] == n))
        ok = ok and base.postings is not None and base.postings.shape == (len(CHUNKS) - 1, n)
    if not ok:
        raise StorageError(f"PDQ index at {folder} is inconsistent; rebuild the index")


def _link(source: BaseSource | None, name: str, folder: Path) -> FileMeta | None:
    if source is None or name not in source.files:
        return None
    meta = source.files[name]
    try:
        os.link(source.folder / meta.file, folder / meta.file)
    except OSError:
        return None
    return meta


def _write_small(target: Path, data: bytes, replace: Path | None = None) -> None:
    with open(target, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if replace is not None:
        os.replace(target, replace)


def _remove_old_versions(path: Path, keep: str) -> None:
    """Delete superseded version folders (processes that mapped them keep their open files)."""
    for child in path.iterdir():
        if child.name == keep:
            continue
        # Only older versions: a concurrent saver's newer folder is left alone.
        if child.is_dir() and child.name.startswith("v-") and child.name < keep:
            shutil.rmtree(child, ignore_errors=True)
        elif child.name.startswith(f".{CURRENT}.") and child.name.endswith(".tmp"):
            child.unlink(missing_ok=True)
