"""Upload buffers: memory up to a size and a process-wide budget, then a private file."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator

import pytest

from childguard.api import uploads
from childguard.api.uploads import UploadBuffer, UploadRules, read_upload
from childguard.config import Settings
from childguard.errors import InvalidInput, TooLarge


def test_small_uploads_stay_in_memory_large_ones_go_to_a_private_file(settings: Settings) -> None:
    s = settings.model_copy(update={"upload_memory_bytes": 10})
    with UploadBuffer(s, "../../a.jpg") as small:
        small.write(b"0123456789")
        assert small.in_memory and small.name == "a.jpg"
    with UploadBuffer(s, "b.jpg") as big:
        big.write(b"0123456789")
        big.write(b"x")
        assert not big.in_memory
        (spilled,) = (s.data_dir / "tmp").rglob("b.jpg")
        assert stat.S_IMODE(spilled.stat().st_mode) == 0o600
        assert big.content() == b"0123456789x"
    assert list((s.data_dir / "tmp").rglob("*")) == []


def test_the_process_budget_sends_new_bytes_to_disk(settings: Settings) -> None:
    s = settings.model_copy(update={"upload_memory_bytes": 100})
    budget = 100 * uploads.MEMORY_BUDGET_FACTOR
    held = [UploadBuffer(s, f"{i}.bin") for i in range(uploads.MEMORY_BUDGET_FACTOR)]
    try:
        for buf in held:
            buf.write(b"x" * 100)
        assert all(b.in_memory for b in held)
        assert uploads.MEMORY.in_use >= budget
        with UploadBuffer(s, "late.bin") as late:
            late.write(b"y")
            assert not late.in_memory  # no room left in memory
    finally:
        for buf in held:
            buf.close()
    assert uploads.MEMORY.in_use == 0
    with UploadBuffer(s, "again.bin") as again:
        again.write(b"z")
        assert again.in_memory


def test_size_limit(settings: Settings) -> None:
    s = settings.model_copy(update={"max_upload_bytes": 5})
    with UploadBuffer(s) as buf, pytest.raises(TooLarge, match="CHILDGUARD_MAX_UPLOAD_BYTES"):
        buf.write(b"123456")


RULES = UploadRules(
    fields=frozenset({"file"}),
    missing="no file",
    several="one file only",
    wrong_field=lambda name: f"field {name} is wrong",
    raw_body=True,
)


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for p in parts:
        yield p


def _read(settings: Settings, content_type: str, *parts: bytes) -> uploads.ReceivedUpload:
    return asyncio.run(read_upload(_chunks(*parts), content_type, None, settings, RULES))


def test_multipart_split_anywhere_gives_the_same_file(settings: Settings) -> None:
    body = (
        b'--b1\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
        b'--b1\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + bytes(range(256)) * 3 + b"\r\n--b1--\r\n"
    )
    for cut in (1, 7, 40, 100, 300, len(body) - 3):
        got = _read(settings, "multipart/form-data; boundary=b1", body[:cut], body[cut:])
        with got.buffer:
            assert got.buffer.content() == bytes(range(256)) * 3
            assert got.field_name == "file" and got.buffer.filename == "p.jpg"
            assert got.extra_fields == {"note": "hello"}


def test_multipart_mistakes_are_named(settings: Settings) -> None:
    one = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nA\r\n'
    with pytest.raises(InvalidInput, match="one file only"):
        _read(settings, "multipart/form-data; boundary=b", one + one + b"--b--\r\n")
    other = one.replace(b'name="file"', b'name="photo"')
    with pytest.raises(InvalidInput, match="field photo is wrong"):
        _read(settings, "multipart/form-data; boundary=b", other + b"--b--\r\n")
    with pytest.raises(InvalidInput, match="no file"):
        _read(settings, "multipart/form-data; boundary=b", b"--b--\r\n")
    with pytest.raises(InvalidInput, match="boundary"):
        _read(settings, "multipart/form-data", one)
    with pytest.raises(InvalidInput, match="no file"):
        _read(settings, "", b"")
    assert uploads.MEMORY.in_use == 0
