"""Private temporary files under the data directory, removed as soon as they are used.

Uploads are kept in memory when small; a video (whose hasher runs in a child process that reads
a file) or a large upload goes through one of these 0600 files, deleted on exit whatever happens.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from childguard.config import Settings
from childguard.errors import StorageError


def private_temp(settings: Settings, prefix: str = "upload-") -> tuple[int, Path]:
    """Create a 0600 file in ``<data_dir>/tmp``; returns its open descriptor and path."""
    tmp_dir = settings.data_dir / "tmp"
    try:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=prefix, dir=tmp_dir)
    except OSError as exc:
        raise StorageError(
            f"cannot create a temporary file in {tmp_dir}: {exc.strerror or exc}"
        ) from exc
    return fd, Path(name)


@contextmanager
def on_disk(data: bytes, name: str, settings: Settings) -> Iterator[Path]:
    """Write ``data`` to a private temporary file named ``name``, yield it, delete it on exit.

    The file sits alone in a fresh 0700 directory so that it keeps its own name (tools that
    read it name it in their messages).
    """
    tmp_dir = settings.data_dir / "tmp"
    safe = Path(name).name.lstrip(".") or "upload"
    try:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="spill-", dir=tmp_dir))
    except OSError as exc:
        raise StorageError(
            f"cannot create a temporary file in {tmp_dir}: {exc.strerror or exc}"
        ) from exc
    path = folder / safe[:200]
    try:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        except OSError as exc:
            raise StorageError(f"cannot write a temporary file: {exc.strerror or exc}") from exc
        yield path
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()
