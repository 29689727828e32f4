"""Media intelligence metadata: EXIF, XMP and QuickTime, with place names (issue 20, req. 4)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import Image

from childguard.media.intel.gazetteer import nearest_place
from childguard.media.intel.metadata import photo_metadata, quicktime_metadata
from tests.intel_images import ANGKOR, PHNOM_PENH, exif_jpeg


def test_exif_gps_device_date_software_and_place(tmp_path: Path) -> None:
    path = exif_jpeg(tmp_path / "a.jpg", *PHNOM_PENH)
    with Image.open(path) as img:
        meta = photo_metadata(img).to_public()
    assert meta["camera"] == {"make": "ExampleCam", "model": "Model X1", "serial": "SN-0042"}
    assert meta["captured_at"] == "2024-05-06T07:08:09"
    assert meta["software"] == "Photo Editor 2.0"
    assert abs(meta["gps"]["lat"] - PHNOM_PENH[0]) < 1e-3
    assert abs(meta["gps"]["lon"] - PHNOM_PENH[1]) < 1e-3
    assert meta["place"]["province"] == "Phnom Penh" and meta["place"]["country"] == "KH"
    assert meta["stripped"] is False
    assert any("serial" in e for e in meta["explanation"])


def test_stripped_metadata_is_noted(tmp_path: Path) -> None:
    path = tmp_path / "b.png"
    Image.new("RGB", (40, 30), "gray").save(path)
    with Image.open(path) as img:
        meta = photo_metadata(img).to_public()
    assert meta["stripped"] is True and meta["gps"] is None and meta["camera"] == {}
    assert "removed" in meta["explanation"][0]


def test_xmp_packet_gives_position_and_tool(tmp_path: Path) -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
        b'tiff:Make="PhoneCo" tiff:Model="P7" xmp:CreatorTool="Retouch 5" '
        b'exif:GPSLatitude="13,24.75N" exif:GPSLongitude="103,52.02E"/></rdf:RDF></x:xmpmeta>'
    )
    path = tmp_path / "c.jpg"
    Image.new("RGB", (40, 30), "white").save(path, xmp=xmp)
    with Image.open(path) as img:
        meta = photo_metadata(img).to_public()
    assert "xmp" in meta["sources"]
    assert meta["camera"] == {"make": "PhoneCo", "model": "P7"}
    assert meta["software"] == "Retouch 5"
    assert meta["place"]["province"] == "Siem Reap"


def _atom(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _quicktime(location: str) -> bytes:
    mvhd = _atom(b"mvhd", b"\x00\x00\x00\x00" + struct.pack(">II", 3_800_000_000, 0) + b"\0" * 88)
    keys = [b"com.apple.quicktime.location.ISO6709", b"com.apple.quicktime.model"]
    keys_atom = _atom(
        b"keys",
        b"\0\0\0\0"
        + struct.pack(">I", len(keys))
        + b"".join(struct.pack(">I4s", 8 + len(k), b"mdta") + k for k in keys),
    )
    values = [location.encode(), b"PhoneModel 12"]
    ilst = _atom(
        b"ilst",
        b"".join(
            _atom(struct.pack(">I", i + 1), _atom(b"data", b"\0\0\0\x01\0\0\0\0" + v))
            for i, v in enumerate(values)
        ),
    )
    meta = _atom(b"meta", _atom(b"hdlr", b"\0" * 24 + b"mdta") + keys_atom + ilst)
    make = _atom(b"\xa9mak", struct.pack(">HH", 7, 0) + b"PhoneCo")
    udta = _atom(b"udta", make)
    ftyp = _atom(b"ftyp", b"qt  \0\0\0\0qt  ")
    return ftyp + _atom(b"mdat", b"\0" * 64) + _atom(b"moov", mvhd + udta + meta)


def test_quicktime_location_make_model_and_time() -> None:
    data = _quicktime("+13.4125+103.8670+012.000/")
    meta = quicktime_metadata(io.BytesIO(data), len(data)).to_public()
    assert meta["gps"] == {"lat": ANGKOR[0], "lon": ANGKOR[1]}
    assert meta["place"]["province"] == "Siem Reap"
    assert meta["camera"] == {"make": "PhoneCo", "model": "PhoneModel 12"}
    assert meta["captured_at"] is not None and meta["captured_at"].startswith("2024-")
    assert meta["stripped"] is False


def test_quicktime_without_moov_is_stripped() -> None:
    data = _atom(b"ftyp", b"isom\0\0\0\0isom") + _atom(b"mdat", b"\0" * 32)
    assert quicktime_metadata(io.BytesIO(data), len(data)).stripped


def test_gazetteer_names_provinces_and_refuses_open_sea() -> None:
    place = nearest_place(*ANGKOR)
    assert place is not None and place.province == "Siem Reap" and place.country == "KH"
    battambang = nearest_place(13.095, 103.202)
    assert battambang is not None and battambang.province == "Battambang"
    assert nearest_place(0.0, -140.0) is None  # the middle of the Pacific
    assert nearest_place(95.0, 0.0) is None
