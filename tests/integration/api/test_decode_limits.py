"""Huge images: 413 before decoding under the default cap, 503 + Retry-After when busy."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

from PIL import Image

from childguard.media.decode import pixel_budget
from tests.integration.api.conftest import Api


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` (its pixels are never read)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def test_a_9999_square_png_is_a_413_by_default(api: Api) -> None:
    key = api.key("acme", "platform")
    files = {"file": ("big.png", png_header_only(9999, 9999), "image/png")}
    r = api.client.post("/v1/scan", headers=key, files=files)
    assert r.status_code == 413, r.text
    message = r.json()["error"]["message"]
    assert "9999x9999" in message and "CHILDGUARD_MAX_PIXELS" in message


def test_a_decode_without_room_in_the_budget_is_a_503_with_retry_after(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(decode_pixel_budget=10_000, decode_wait_seconds=0)
    key = api.key("acme", "platform")
    buf = io.BytesIO()
    Image.new("RGB", (80, 80), (9, 99, 199)).save(buf, "PNG")
    files = {"file": ("x.png", buf.getvalue(), "image/png")}
    with pixel_budget(api.settings).reserve(9_000, wait=0):  # another decode holds most of it
        busy = api.client.post("/v1/scan", headers=key, files=files)
    assert busy.status_code == 503, busy.text
    assert busy.json()["error"]["code"] == "busy"
    assert int(busy.headers["retry-after"]) >= 1
    assert api.client.post("/v1/scan", headers=key, files=files).status_code == 200
