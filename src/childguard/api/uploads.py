"""Uploaded files: held in memory when small, else in a private temporary file; never kept.

``UploadBuffer`` collects an upload as it arrives. Up to ``CHILDGUARD_UPLOAD_MEMORY_BYTES`` it
stays in memory and is hashed from there (it never touches the disk); past that, or when the
process's uploads already hold ``MEMORY_BUDGET_FACTOR`` times that in memory, it moves to a 0600
file in a fresh 0700 folder under ``<data_dir>/tmp``, deleted when the buffer closes.
``read_upload`` takes one file out of a request body, raw or ``multipart/form-data``, streaming
it into a buffer with python-multipart's parser (no second copy, no form object).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from childguard.config import Settings
from childguard.errors import HashingError, InvalidInput, StorageError, TooLarge
from childguard.media.scan import hash_data, hash_file
from childguard.media.signals.base import HashResult, MediaFile
from childguard.media.tempfiles import bare_name, open_private, remove_private

CHUNK = 1 << 20
#: All uploads of a process together hold at most this many times ``upload_memory_bytes`` in
#: memory; past that, new bytes go to disk (many concurrent large uploads cannot exhaust RAM).
MEMORY_BUDGET_FACTOR = 8


class _MemoryBudget:
    """Bytes of uploads held in memory by this process, shared by every buffer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_use = 0

    def take(self, amount: int, limit: int) -> bool:
        """Reserve ``amount`` bytes if the total stays within ``limit``."""
        with self._lock:
            if self.in_use + amount > limit:
                return False
            self.in_use += amount
            return True

    def give_back(self, amount: int) -> None:
        """Release ``amount`` reserved bytes."""
        with self._lock:
            self.in_use -= amount


MEMORY = _MemoryBudget()
#: Form fields (other than the file) a multipart upload may carry, and their largest size.
MAX_FIELDS = 20
MAX_FIELD_BYTES = 64 * 1024


class UploadBuffer:
    """One upload being received: bytes in memory, spilled to a private file past a size.

    ``write`` raises ``TooLarge`` past ``max_upload_bytes``; ``close`` deletes any file. Use it
    as a context manager. ``filename`` is the client's file name reduced to a bare name (None
    when it gave none); ``name`` is what error messages call the upload.
    """

    def __init__(self, settings: Settings, name: str | None = None) -> None:
        self.settings = settings
        self.filename = bare_name(name)
        self.name = self.filename or "upload"
        self.size = 0
        # Chunks as received: joined once when hashed (a single chunk is not copied at all).
        self._memory: list[bytes] | None = []
        self._reserved = 0
        self._path: Path | None = None
        self._file: BinaryIO | None = None

    def __enter__(self) -> UploadBuffer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``; refuses uploads over ``max_upload_bytes``."""
        if not chunk:
            return
        self.size += len(chunk)
        if self.size > self.settings.max_upload_bytes:
            raise TooLarge(
                f"upload over {self.settings.max_upload_bytes} bytes (CHILDGUARD_MAX_UPLOAD_BYTES)"
            )
        if self._memory is not None:
            budget = self.settings.upload_memory_bytes * MEMORY_BUDGET_FACTOR
            if self.size <= self.settings.upload_memory_bytes and MEMORY.take(len(chunk), budget):
                self._reserved += len(chunk)
                self._memory.append(bytes(chunk))
                return
            self._spill()
        assert self._file is not None
        try:
            self._file.write(chunk)
        except OSError as exc:
            raise StorageError(f"cannot write the upload to disk: {exc.strerror or exc}") from exc

    def _spill(self) -> None:
        self._path, self._file = open_private(self.settings, self.name)
        assert self._memory is not None
        try:
            self._file.writelines(self._memory)
        except OSError as exc:
            raise StorageError(f"cannot write the upload to disk: {exc.strerror or exc}") from exc
        self._release_memory()

    def _release_memory(self) -> None:
        self._memory = None
        MEMORY.give_back(self._reserved)
        self._reserved = 0

    @property
    def in_memory(self) -> bool:
        """Whether the upload is held in memory (it never touched the disk)."""
        return self._memory is not None

    def content(self) -> bytes:
        """The whole upload as bytes (read back from disk when it was spilled)."""
        if self._memory is not None:
            return self._joined(self._memory)
        assert self._file is not None and self._path is not None
        self._file.flush()
        return self._path.read_bytes()

    @staticmethod
    def _joined(chunks: list[bytes]) -> bytes:
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def hash(self) -> tuple[MediaFile, dict[str, HashResult]]:
        """Sniff and hash the upload with every signal that applies (``hash_file``'s contract)."""
        if self.size == 0:
            raise HashingError(f"{self.name}: the uploaded file is empty (0 bytes)")
        if self._memory is not None:
            return hash_data(self._joined(self._memory), self.name, self.settings)
        assert self._file is not None and self._path is not None
        self._file.flush()
        return hash_file(self._path, self.settings)

    def close(self) -> None:
        """Drop the bytes and delete the temporary file, if any."""
        self._release_memory()
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._path is not None:
            remove_private(self._path)
            self._path = None


def buffer_stream(stream: BinaryIO, settings: Settings, name: str | None) -> UploadBuffer:
    """Read a whole file-like object into a new ``UploadBuffer`` (closed on error)."""
    buf = UploadBuffer(settings, name)
    try:
        while chunk := stream.read(CHUNK):
            buf.write(chunk)
    except BaseException:
        buf.close()
        raise
    return buf


@dataclass
class UploadRules:
    """What a route accepts: the file field names and the messages for its mistakes."""

    fields: frozenset[str]
    missing: str
    several: str
    wrong_field: Callable[[str], str]
    #: Whether a non-multipart body is the file itself.
    raw_body: bool = False


@dataclass
class ReceivedUpload:
    """The file taken out of a request: its buffer, its multipart field and the other fields."""

    buffer: UploadBuffer
    field_name: str | None = None
    extra_fields: dict[str, str] = field(default_factory=dict)


class _FormReader:
    """python-multipart callbacks that route the one file part into an ``UploadBuffer``."""

    def __init__(self, settings: Settings, rules: UploadRules) -> None:
        self.settings = settings
        self.rules = rules
        self.buffer: UploadBuffer | None = None
        self.file_field: str | None = None
        self.fields: dict[str, str] = {}
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._target: str = "skip"  # "file", "field" or "skip"
        self._field_name = ""
        self._field_value = bytearray()

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_cb,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._disposition = b""
        self._header_name = b""
        self._header_value = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            if self.buffer is not None:
                raise InvalidInput(self.rules.several)
            if name not in self.rules.fields:
                raise InvalidInput(self.rules.wrong_field(name[:40]))
            filename = options[b"filename"].decode("utf-8", "replace")
            self.buffer = UploadBuffer(self.settings, filename)
            self.file_field = name
            self._target = "file"
        else:
            if len(self.fields) >= MAX_FIELDS:
                raise InvalidInput(f"too many form fields (at most {MAX_FIELDS})")
            self._field_name = name[:100]
            self._field_value = bytearray()
            self._target = "field"

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._target == "file":
            assert self.buffer is not None
            self.buffer.write(data[start:end])
        elif self._target == "field":
            self._field_value += data[start:end]
            if len(self._field_value) > MAX_FIELD_BYTES:
                raise InvalidInput(f"form field over {MAX_FIELD_BYTES} bytes")

    def _part_end(self) -> None:
        if self._target == "field":
            self.fields[self._field_name] = self._field_value.decode("utf-8", "replace")
        self._target = "skip"


async def read_upload(
    chunks: AsyncIterator[bytes],
    content_type: str,
    filename: str | None,
    settings: Settings,
    rules: UploadRules,
) -> ReceivedUpload:
    """Take the one file out of a request body (multipart, or raw when ``rules.raw_body``).

    Raises ``InvalidInput`` (no file, several files, wrong field, malformed multipart),
    ``TooLarge`` past ``max_upload_bytes`` or ``StorageError``. The caller closes the buffer.
    """
    mime, options = parse_options_header(content_type)
    if mime != b"multipart/form-data":
        if not rules.raw_body:
            raise InvalidInput(rules.missing)
        buf = UploadBuffer(settings, filename)
        try:
            async for chunk in chunks:
                buf.write(chunk)
        except BaseException:
            buf.close()
            raise
        if buf.size == 0 and not content_type:
            buf.close()
            raise InvalidInput(rules.missing)
        return ReceivedUpload(buf)
    boundary = options.get(b"boundary")
    if not boundary:
        raise InvalidInput("multipart/form-data without a boundary in the Content-Type header")
    reader = _FormReader(settings, rules)
    try:
        parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError:
        if reader.buffer is not None:
            reader.buffer.close()
        raise InvalidInput("malformed multipart/form-data body") from None
    except BaseException:
        if reader.buffer is not None:
            reader.buffer.close()
        raise
    if reader.buffer is None:
        raise InvalidInput(rules.missing)
    return ReceivedUpload(reader.buffer, reader.file_field, reader.fields)
