"""Metadata that places and dates a file and names the device: EXIF, XMP and QuickTime.

``photo_metadata`` reads a decoded-header PIL image (EXIF IFDs and the XMP packet);
``quicktime_metadata`` walks the atoms of an MP4/MOV file (``mvhd``, ``udta``, ``meta``
keys/ilst) reading at most ``MAX_MOOV_BYTES``. Both return a ``Metadata`` whose ``stripped``
notes that nothing identifying was found (removed by an app, or never written). Values are
short strings and numbers only; thumbnails and maker notes are never read.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from PIL import Image

from childguard.media.intel.gazetteer import nearest_place

MAX_MOOV_BYTES = 16 * 1024 * 1024
_MAX_XMP_BYTES = 256 * 1024
_MAX_TEXT = 200

# EXIF tags (TIFF/EXIF 2.3 numbering)
_MAKE, _MODEL, _SOFTWARE, _DATETIME = 0x010F, 0x0110, 0x0131, 0x0132
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_ORIGINAL = 0x9003, 0x9011
_BODY_SERIAL, _LENS_MODEL, _CAMERA_OWNER = 0xA431, 0xA434, 0xA430


@dataclass
class Metadata:
    """What a file's metadata says about where, when and with what it was made."""

    sources: list[str] = field(default_factory=list)
    gps: dict[str, float] | None = None
    camera: dict[str, str] = field(default_factory=dict)
    captured_at: str | None = None
    software: str | None = None

    @property
    def stripped(self) -> bool:
        """True when no position, device, date or software was found."""
        return not (self.gps or self.camera or self.captured_at or self.software)

    def to_public(self) -> dict[str, Any]:
        """JSON form, with the place name of the GPS position and an explanation."""
        place = None
        if self.gps is not None:
            found = nearest_place(self.gps["lat"], self.gps["lon"])
            place = found.to_public() if found else None
        explain: list[str] = []
        if self.stripped:
            explain.append(
                "no position, device, date or software in the file's metadata "
                "(removed by an app or never written)"
            )
        if self.gps is not None:
            explain.append(
                "GPS position in the metadata"
                + (
                    f", near {place['name']} ("
                    + ", ".join(
                        str(place[k]) for k in ("district", "province", "country") if place[k]
                    )
                    + ")"
                    if place
                    else ", not near any place in the gazetteer"
                )
            )
        if self.camera.get("serial"):
            explain.append("device serial number in the metadata")
        return {
            "sources": self.sources,
            "gps": self.gps,
            "place": place,
            "camera": self.camera,
            "captured_at": self.captured_at,
            "software": self.software,
            "stripped": self.stripped,
            "explanation": explain,
        }


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value[:_MAX_TEXT] or None


def _ratio(value: Any) -> float:
    if isinstance(value, tuple) and len(value) == 2:
        num, den = value
        return float(num) / float(den) if den else 0.0
    return float(value)


def _dms(values: Any, ref: Any) -> float | None:
    try:
        deg, minutes, seconds = (_ratio(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    out = deg + minutes / 60.0 + seconds / 3600.0
    if _text(ref) in ("S", "W"):
        out = -out
    return round(out, 6)


def _exif_date(value: Any, offset: Any = None) -> str | None:
    text = _text(value)
    if not text:
        return None
    try:
        parsed = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return text
    iso = parsed.isoformat()
    off = _text(offset)
    return iso + off if off and re.fullmatch(r"[+-]\d\d:\d\d", off) else iso


def _valid_position(lat: float | None, lon: float | None) -> dict[str, float] | None:
    if lat is None or lon is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return {"lat": lat, "lon": lon}


def photo_metadata(image: Image.Image) -> Metadata:
    """EXIF and XMP metadata of an opened image (only headers are read)."""
    meta = Metadata()
    exif = image.getexif()
    if exif:
        meta.sources.append("exif")
        exif_ifd = exif.get_ifd(_EXIF_IFD)
        gps_ifd = exif.get_ifd(_GPS_IFD)
        for key, tag in (("make", _MAKE), ("model", _MODEL)):
            if value := _text(exif.get(tag)):
                meta.camera[key] = value
        if serial := _text(exif_ifd.get(_BODY_SERIAL)):
            meta.camera["serial"] = serial
        if lens := _text(exif_ifd.get(_LENS_MODEL)):
            meta.camera["lens"] = lens
        if owner := _text(exif_ifd.get(_CAMERA_OWNER)):
            meta.camera["owner"] = owner
        meta.software = _text(exif.get(_SOFTWARE))
        meta.captured_at = _exif_date(
            exif_ifd.get(_DATETIME_ORIGINAL), exif_ifd.get(_OFFSET_ORIGINAL)
        ) or _exif_date(exif.get(_DATETIME))
        if gps_ifd:
            meta.gps = _valid_position(
                _dms(gps_ifd.get(2), gps_ifd.get(1)), _dms(gps_ifd.get(4), gps_ifd.get(3))
            )
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if xmp:
        meta.sources.append("xmp")
        _merge_xmp(meta, xmp if isinstance(xmp, bytes) else str(xmp).encode("utf-8"))
    return meta


def _xmp_value(packet: str, names: tuple[str, ...]) -> str | None:
    for name in names:
        pattern = (
            rf'{name}\s*=\s*"([^"]{{1,{_MAX_TEXT}}})"|<{name}>([^<]{{1,{_MAX_TEXT}}})</{name}>'
        )
        found = re.search(pattern, packet)
        if found:
            return _text(found.group(1) or found.group(2))
    return None


def _xmp_coordinate(value: str | None) -> float | None:
    """XMP GPS coordinates: ``DDD,MM.mmk`` or ``DDD,MM,SSk`` with k one of N, S, E, W."""
    if not value:
        return None
    found = re.fullmatch(r"(\d{1,3}),(\d{1,2}(?:\.\d+)?)(?:,(\d{1,2}(?:\.\d+)?))?([NSEW])", value)
    if not found:
        return None
    deg, minutes, seconds, ref = found.groups()
    out = float(deg) + float(minutes) / 60 + float(seconds or 0) / 3600
    return round(-out if ref in "SW" else out, 6)


def _merge_xmp(meta: Metadata, raw: bytes) -> None:
    packet = raw[:_MAX_XMP_BYTES].decode("utf-8", errors="replace")
    for key, names in (
        ("make", ("tiff:Make",)),
        ("model", ("tiff:Model",)),
        ("serial", ("exifEX:BodySerialNumber", "aux:SerialNumber")),
    ):
        if key not in meta.camera and (value := _xmp_value(packet, names)):
            meta.camera[key] = value
    meta.software = meta.software or _xmp_value(packet, ("xmp:CreatorTool",))
    meta.captured_at = meta.captured_at or _xmp_value(
        packet, ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate")
    )
    if meta.gps is None:
        meta.gps = _valid_position(
            _xmp_coordinate(_xmp_value(packet, ("exif:GPSLatitude",))),
            _xmp_coordinate(_xmp_value(packet, ("exif:GPSLongitude",))),
        )


# ---- QuickTime / MP4 -------------------------------------------------------------------------

_QT_EPOCH = datetime(1904, 1, 1, tzinfo=UTC)
_ISO6709 = re.compile(r"([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)")
_CONTAINERS = {b"moov", b"udta", b"meta", b"trak", b"ilst"}


def _atoms(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the atoms in ``data[start:end]``."""
    out: list[tuple[bytes, int, int]] = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= end:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            break
        out.append((kind, pos + header, pos + size))
        pos += size
    return out


def _find_moov(handle: IO[bytes], file_size: int) -> bytes | None:
    pos = 0
    while pos + 8 <= file_size:
        handle.seek(pos)
        head = handle.read(16)
        if len(head) < 8:
            return None
        size, kind = struct.unpack(">I4s", head[:8])
        header = 8
        if size == 1 and len(head) == 16:
            size = struct.unpack(">Q", head[8:16])[0]
            header = 16
        elif size == 0:
            size = file_size - pos
        if size < header:
            return None
        if kind == b"moov":
            if size > MAX_MOOV_BYTES:
                return None
            handle.seek(pos)
            return handle.read(size)
        pos += size
    return None


def _ilst_value(data: bytes, start: int, end: int) -> str | None:
    for kind, s, e in _atoms(data, start, end):
        if kind == b"data" and e - s > 8:
            return _text(data[s + 8 : e])
    return None


def quicktime_metadata(handle: IO[bytes], file_size: int) -> Metadata:
    """Metadata of an MP4/MOV file: location, make, model, software, creation time."""
    meta = Metadata()
    moov = _find_moov(handle, file_size)
    if moov is None:
        return meta
    fields: dict[str, str] = {}
    created: datetime | None = None

    def walk(start: int, end: int) -> None:
        nonlocal created
        atoms = _atoms(moov, start, end)
        keys: list[str] = []
        for kind, s, e in atoms:
            if kind == b"mvhd" and e - s >= 12:
                version = moov[s]
                secs = (
                    struct.unpack(">Q", moov[s + 4 : s + 12])[0]
                    if version == 1
                    else struct.unpack(">I", moov[s + 4 : s + 8])[0]
                )
                if secs:
                    created = _QT_EPOCH + timedelta(seconds=secs)
            elif kind == b"meta":
                # QuickTime's meta has no version/flags; MP4's (ISO) has four bytes of them.
                inner = s if moov[s + 4 : s + 8] in (b"hdlr", b"keys", b"ilst") else s + 4
                walk(inner, e)
            elif kind == b"keys" and e - s >= 8:
                count = struct.unpack(">I", moov[s + 4 : s + 8])[0]
                pos = s + 8
                for _ in range(min(count, 256)):
                    if pos + 8 > e:
                        break
                    ksize = struct.unpack(">I", moov[pos : pos + 4])[0]
                    if ksize < 8:
                        break
                    keys.append(moov[pos + 8 : pos + ksize].decode("utf-8", errors="replace"))
                    pos += ksize
            elif kind == b"ilst":
                for ikind, i_s, i_e in _atoms(moov, s, e):
                    index = struct.unpack(">I", ikind)[0]
                    value = _ilst_value(moov, i_s, i_e)
                    if value is None:
                        continue
                    if 1 <= index <= len(keys):
                        fields[keys[index - 1]] = value
                    else:
                        fields[ikind.decode("latin-1")] = value
            elif kind in _CONTAINERS:
                walk(s, e)
            elif kind[:1] == b"\xa9" and e - s > 4:
                # udta text atoms: 16-bit length, 16-bit language, then the text
                length = struct.unpack(">H", moov[s : s + 2])[0]
                fields[kind.decode("latin-1")] = _text(moov[s + 4 : s + 4 + length]) or ""

    walk(0, len(moov))
    meta.sources.append("quicktime")
    location = fields.get("com.apple.quicktime.location.ISO6709") or fields.get("\xa9xyz")
    if location and (found := _ISO6709.match(location)):
        meta.gps = _valid_position(float(found.group(1)), float(found.group(2)))
    for key, names in (
        ("make", ("com.apple.quicktime.make", "\xa9mak")),
        ("model", ("com.apple.quicktime.model", "\xa9mod")),
    ):
        for name in names:
            if fields.get(name):
                meta.camera[key] = fields[name]
                break
    meta.software = fields.get("com.apple.quicktime.software") or fields.get("\xa9swr") or None
    meta.captured_at = fields.get("com.apple.quicktime.creationdate") or fields.get("\xa9day")
    if not meta.captured_at and created is not None and created.year > 1970:
        meta.captured_at = created.isoformat()
    return meta
