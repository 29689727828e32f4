"""Private temporary files under the data directory, removed as soon as they are used.

Uploads are kept in memory when small; a video (whose hasher runs in a child process that reads
a file) or a large upload goes through one of these files: mode 0600, alone in a fresh 0700
folder under ``<data_dir>/tmp`` so that it keeps the client's file name (tools that read it name
it in their messages), and deleted with its folder whatever happens.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from childguard.config import Settings
from childguard.errors import StorageError


def bare_name(name: str | None) -> str | None:
    """The bare file name of a client-supplied name (no folders, no leading dots), or None."""
    base = Path((name or "").replace("\\", "/")).name.lstrip(".")
    return base[:200] or None


def open_private(settings: Settings, name: str | None) -> tuple[Path, BinaryIO]:
    """Create a 0600 file named after ``name`` in a fresh 0700 folder; returns (path, file).

    The caller writes and closes the file and removes the folder (``remove_private``).
    Raises ``StorageError`` when the data directory cannot take it.
    """
    tmp_dir = settings.data_dir / "tmp"
    try:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="upload-", dir=tmp_dir))
        path = folder / (bare_name(name) or "upload")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise StorageError(
            f"cannot create a temporary file in {tmp_dir}: {exc.strerror or exc}"
        ) from exc
    return path, os.fdopen(fd, "wb")


def remove_private(path: Path) -> None:
    """Delete a file made by ``open_private`` and its folder."""
    shutil.rmtree(path.parent, ignore_errors=True)


@contextmanager
def on_disk(data: bytes, name: str, settings: Settings) -> Iterator[Path]:
    """Write ``data`` to a private temporary file named ``name``, yield it, delete it on exit."""
    path, out = open_private(settings, name)
    try:
        try:
            with out:
                out.write(data)
        except OSError as exc:
            raise StorageError(f"cannot write a temporary file: {exc.strerror or exc}") from exc
        yield path
    finally:
        remove_private(path)
