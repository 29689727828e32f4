"""Decide a file's media type from its first bytes, never from its name.

``sniff_bytes`` recognises the supported photo and video containers; ``sniff_file`` adds the
file-system checks (regular file, not empty, not over ``max_upload_bytes``, readable) and
``sniff_data`` the same checks for content held in memory; anything else becomes an error whose
message names what the bytes look like. Messages carry the
file name and the detected type, never file content.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from childguard.config import Settings
from childguard.errors import (
    HashingError,
    NotFound,
    PermissionDenied,
    TooLarge,
    UnsupportedMedia,
)
from childguard.media.signals.base import ContentKind, MediaFile

#: Bytes read from the start of a file to sniff it.
HEAD_BYTES = 4096

PHOTO_TYPES: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/tiff": "TIFF",
    "image/bmp": "BMP",
    "image/heic": "HEIC",
    "image/heif": "HEIF",
    "image/avif": "AVIF",
}
VIDEO_TYPES: dict[str, str] = {
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "video/3gpp": "3GP",
    "video/webm": "WebM",
    "video/x-matroska": "MKV",
    "video/x-msvideo": "AVI",
}
SUPPORTED_SUMMARY = (
    "photos: JPEG, PNG, GIF, WebP, TIFF, BMP, HEIC/HEIF, AVIF; videos: MP4, MOV, WebM, MKV, AVI"
)

# File extensions that claim a media type; used only to say when a name lies about its content.
_EXTENSION_CLAIMS: dict[str, str] = {
    "jpg": "JPEG", "jpeg": "JPEG", "jpe": "JPEG", "jfif": "JPEG", "png": "PNG", "gif": "GIF",
    "webp": "WebP", "tif": "TIFF", "tiff": "TIFF", "bmp": "BMP", "dib": "BMP", "heic": "HEIC",
    "heif": "HEIF", "avif": "AVIF", "mp4": "MP4", "m4v": "MP4", "mov": "MOV", "qt": "MOV",
    "3gp": "3GP", "webm": "WebM", "mkv": "MKV", "avi": "AVI",
}  # fmt: skip

_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_QT_BRANDS = frozenset({b"qt  "})
_3GP_PREFIXES = (b"3gp", b"3g2")
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41",
     b"mp42", b"mp71", b"avc1", b"dash", b"M4V ", b"M4VH", b"M4VP", b"MSNV", b"NDAS", b"F4V ",
     b"f4v ", b"XAVC", b"mmp4", b"CAEP"}
)  # fmt: skip
# Top-level atoms that open a QuickTime file written without an ``ftyp`` box.
_QT_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"pnot", b"free", b"skip"})
_BMP_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def _ftyp_type(head: bytes) -> tuple[str, ContentKind] | None:
    """The type of an ISO base media file (``ftyp`` box), from its major and compatible brands."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(head[0:4], "big")
    end = min(len(head), box_size if 16 <= box_size <= 4096 else 16)
    major = head[8:12]
    brands = [major] + [head[i : i + 4] for i in range(16, end - 3, 4)]
    if major in _AVIF_BRANDS:
        return "image/avif", ContentKind.PHOTO
    if major in _HEIC_BRANDS:
        return "image/heic", ContentKind.PHOTO
    if major in _HEIF_BRANDS:
        if any(b in _AVIF_BRANDS for b in brands):
            return "image/avif", ContentKind.PHOTO
        if any(b in _HEIC_BRANDS for b in brands):
            return "image/heic", ContentKind.PHOTO
        return "image/heif", ContentKind.PHOTO
    if major in _QT_BRANDS:
        return "video/quicktime", ContentKind.VIDEO
    if major.startswith(_3GP_PREFIXES):
        return "video/3gpp", ContentKind.VIDEO
    if major in _AUDIO_BRANDS:
        return None
    if major in _MP4_BRANDS or any(b in _MP4_BRANDS for b in brands[1:]):
        return "video/mp4", ContentKind.VIDEO
    return None


def _ebml_type(head: bytes) -> tuple[str, ContentKind] | None:
    """WebM or Matroska, told apart by the EBML DocType element."""
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    doctype_at = head.find(b"\x42\x82", 4, 64)
    if doctype_at >= 0 and b"webm" in head[doctype_at : doctype_at + 16]:
        return "video/webm", ContentKind.VIDEO
    return "video/x-matroska", ContentKind.VIDEO


def sniff_bytes(head: bytes) -> tuple[str, ContentKind] | None:
    """The MIME type and content kind of a supported photo or video, from its first bytes.

    ``head`` should be the first few kilobytes of the file (at least 32 bytes for a reliable
    answer). Returns ``None`` for anything that is not a supported format.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ContentKind.PHOTO
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ContentKind.PHOTO
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif", ContentKind.PHOTO
    if head.startswith(b"RIFF") and len(head) >= 12:
        if head[8:12] == b"WEBP":
            return "image/webp", ContentKind.PHOTO
        if head[8:12] == b"AVI ":
            return "video/x-msvideo", ContentKind.VIDEO
        return None
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "image/tiff", ContentKind.PHOTO
    if (
        head.startswith(b"BM")
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES
    ):
        return "image/bmp", ContentKind.PHOTO
    found = _ftyp_type(head) or _ebml_type(head)
    if found is not None:
        return found
    if len(head) >= 8 and head[4:8] in _QT_ATOMS:
        return "video/quicktime", ContentKind.VIDEO
    return None


_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or Office document)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"MZ", "a Windows executable"),
    (b"ID3", "MP3 audio"),
    (b"OggS", "Ogg audio/video"),
    (b"fLaC", "FLAC audio"),
    (b"8BPS", "a Photoshop document"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "a JPEG 2000 image"),
    (b"\xff\x4f\xff\x51", "a JPEG 2000 codestream"),
    (b"\x00\x00\x01\x00", "an icon (ICO)"),
    (b"\x00\x00\x01\xba", "an MPEG program stream"),
    (b"SQLite format 3\x00", "an SQLite database"),
)


def describe_bytes(head: bytes) -> str:
    """A short human description of unsupported content, for error messages ("a PDF document")."""
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "WAV audio"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12].decode("ascii", "replace").strip()
        return f"an ISO media file of an unsupported brand ({brand!r})"
    for magic, name in _OTHER_SIGNATURES:
        if head.startswith(magic):
            return name
    if len(head) >= 188 * 2 and head[0] == 0x47 and head[188] == 0x47:
        return "an MPEG transport stream"
    sample = head[:1024]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character cut at the sample's end is still text.
        try:
            text = sample[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return "unrecognised binary data"
    if all(c.isprintable() or c in "\r\n\t\f" for c in text):
        lowered = text.lstrip("\ufeff \r\n\t").lower()
        if lowered.startswith("<svg") or ("<svg" in lowered and lowered.startswith("<?xml")):
            return "an SVG drawing (vector images are not supported)"
        if lowered.startswith(("<!doctype html", "<html")):
            return "an HTML document"
        return "text"
    return "unrecognised binary data"


def _name_claim(path: Path) -> str | None:
    """The media type the file name's extension claims, if any."""
    return _EXTENSION_CLAIMS.get(path.suffix.lower().lstrip("."))


def _check_size(name: str, size: int, settings: Settings) -> None:
    if size == 0:
        raise HashingError(f"{name}: the file is empty (0 bytes)")
    if size > settings.max_upload_bytes:
        raise TooLarge(
            f"{name}: {size} bytes is over the limit of {settings.max_upload_bytes} "
            "bytes (CHILDGUARD_MAX_UPLOAD_BYTES)"
        )


def _unsupported_message(path: Path, head: bytes) -> str:
    detected = describe_bytes(head)
    message = f"{path.name}: content is {detected}, not a supported media type"
    claim = _name_claim(path)
    if claim is not None:
        message += f" (the {path.suffix} extension says {claim}, but the bytes are not {claim})"
    return f"{message}; supported {SUPPORTED_SUMMARY}"


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES)
    except PermissionError as exc:
        raise PermissionDenied(
            f"{path.name}: permission denied; make the file readable by this user"
        ) from exc
    except IsADirectoryError as exc:
        raise HashingError(f"{path.name}: is a directory, not a file") from exc
    except OSError as exc:
        raise HashingError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except FileNotFoundError as exc:
        raise NotFound(f"{path.name}: no such file") from exc
    except PermissionError as exc:
        raise PermissionDenied(
            f"{path.name}: permission denied; make the file readable by this user"
        ) from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise HashingError(f"{path.name}: symbolic link loop") from exc
        raise HashingError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc


def sniff_file(path: Path, settings: Settings) -> MediaFile:
    """Check ``path`` and sniff its media type from its first bytes.

    Raises ``NotFound`` (missing), ``PermissionDenied`` (unreadable), ``HashingError`` (empty,
    a directory, not a regular file, symlink loop, read error), ``TooLarge`` (over
    ``settings.max_upload_bytes``) or ``UnsupportedMedia`` (not a supported photo or video; the
    message names what the bytes look like and whether the extension lies).
    """
    st = _stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise HashingError(f"{path.name}: is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise HashingError(f"{path.name}: not a regular file (device, socket or pipe)")
    _check_size(path.name, st.st_size, settings)
    head = _read_head(path)
    if not head:
        raise HashingError(f"{path.name}: the file is empty (0 bytes)")
    found = sniff_bytes(head)
    if found is None:
        raise UnsupportedMedia(_unsupported_message(path, head))
    mime, kind = found
    return MediaFile(path=path, mime=mime, kind=kind, size=st.st_size)


def sniff_data(data: bytes, name: str, settings: Settings) -> MediaFile:
    """``sniff_file`` for content held in memory; ``name`` names it in messages.

    Raises ``HashingError`` (empty), ``TooLarge`` (over ``max_upload_bytes``) or
    ``UnsupportedMedia``. The returned ``MediaFile`` carries ``data``.
    """
    path = Path(Path(name or "upload").name or "upload")
    _check_size(path.name, len(data), settings)
    head = data[:HEAD_BYTES]
    found = sniff_bytes(head)
    if found is None:
        raise UnsupportedMedia(_unsupported_message(path, head))
    mime, kind = found
    return MediaFile(path=path, mime=mime, kind=kind, size=len(data), data=data)
