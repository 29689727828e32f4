"""Uploaded files: copied to a private temporary file, deleted as soon as they are hashed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import BinaryIO

from childguard.config import Settings
from childguard.errors import HashingError, TooLarge

CHUNK = 1 << 20


def _private_temp(settings: Settings) -> tuple[int, Path]:
    tmp_dir = settings.data_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="upload-", dir=tmp_dir)
    return fd, Path(name)


def _too_large(settings: Settings) -> TooLarge:
    return TooLarge(f"upload over {settings.max_upload_bytes} bytes (CHILDGUARD_MAX_UPLOAD_BYTES)")


@asynccontextmanager
async def spooled_body(chunks: AsyncIterator[bytes], settings: Settings) -> AsyncIterator[Path]:
    """Like ``spooled_upload`` for a raw request body, written as it arrives (no multipart)."""
    fd, path = _private_temp(settings)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    raise _too_large(settings)
                out.write(chunk)
        if size == 0:
            raise HashingError("the uploaded file is empty (0 bytes)")
        yield path
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def spooled_upload(stream: BinaryIO, settings: Settings) -> Iterator[Path]:
    """Copy ``stream`` to a 0600 temporary file under the data directory and yield its path.

    Raises ``TooLarge`` past ``max_upload_bytes`` and ``HashingError`` for an empty upload; the
    file is removed on exit whatever happens. Nothing of the upload is kept.
    """
    fd, path = _private_temp(settings)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > settings.max_upload_bytes:
                    raise _too_large(settings)
                out.write(chunk)
        if size == 0:
            raise HashingError("the uploaded file is empty (0 bytes)")
        yield path
    finally:
        path.unlink(missing_ok=True)
