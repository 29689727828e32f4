"""Media types are sniffed from bytes, and bad files give the right error before any decoding."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from childguard.config import Settings
from childguard.errors import HashingError, PermissionDenied, TooLarge, UnsupportedMedia
from childguard.media.signals.base import ContentKind
from childguard.media.sniff import sniff_bytes, sniff_file

PHOTO_FORMATS = [
    ("JPEG", "image/jpeg"),
    ("PNG", "image/png"),
    ("GIF", "image/gif"),
    ("WEBP", "image/webp"),
    ("TIFF", "image/tiff"),
    ("BMP", "image/bmp"),
    ("HEIF", "image/heic"),
    ("AVIF", "image/avif"),
]
VIDEO_FORMATS = [
    ("mp4", "video/mp4"),
    ("mov", "video/quicktime"),
    ("webm", "video/webm"),
    ("mkv", "video/x-matroska"),
    ("avi", "video/x-msvideo"),
]


def _photo(path: Path, fmt: str) -> Path:
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    Image.new("RGB", (16, 12), (20, 120, 200)).save(path, format=fmt)
    return path


@pytest.mark.parametrize(("fmt", "mime"), PHOTO_FORMATS)
def test_photo_formats_are_sniffed_from_bytes_whatever_the_name(
    tmp_path: Path, settings: Settings, fmt: str, mime: str
) -> None:
    path = _photo(tmp_path / "upload.bin", fmt)  # the name says nothing
    media = sniff_file(path, settings)
    assert (media.mime, media.kind) == (mime, ContentKind.PHOTO)
    assert media.size == path.stat().st_size


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny ffmpeg test-pattern clip per container."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    folder = tmp_path_factory.mktemp("videos")
    out: dict[str, Path] = {}
    for ext, _ in VIDEO_FORMATS:
        path = folder / f"clip.{ext}"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
             "testsrc=size=32x32:rate=5:duration=0.4", str(path)],
            check=True, timeout=60,
        )  # fmt: skip
        out[ext] = path
    return out


@pytest.mark.parametrize(("ext", "mime"), VIDEO_FORMATS)
def test_video_containers_are_sniffed(
    videos: dict[str, Path], settings: Settings, tmp_path: Path, ext: str, mime: str
) -> None:
    renamed = tmp_path / "video.jpg"
    shutil.copy(videos[ext], renamed)
    media = sniff_file(renamed, settings)
    assert (media.mime, media.kind) == (mime, ContentKind.VIDEO)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heic", "image/heic"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avif", "image/avif"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1miaf", "image/heif"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video/mp4"),
        (b"\x00\x00\x00\x14ftyp3gp5\x00\x00\x00\x003gp5", "video/3gpp"),
        (b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat", "video/quicktime"),
        (b"MM\x00*\x00\x00\x00\x08", "image/tiff"),
    ],
)
def test_iso_brands_and_variants(head: bytes, expected: str) -> None:
    found = sniff_bytes(head + b"\x00" * 32)
    assert found is not None and found[0] == expected


@pytest.mark.parametrize(
    "head",
    [
        b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom",  # audio-only MP4
        b"RIFF\x24\x00\x00\x00WAVEfmt ",
        b"BM" + b"\x00" * 30,  # "BM" without a plausible BMP header
        b"%PDF-1.7\n",
        b"",
    ],
)
def test_non_media_heads_are_not_recognised(head: bytes) -> None:
    assert sniff_bytes(head) is None


def test_empty_file_is_a_hashing_error(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "empty.jpg"
    path.touch()
    with pytest.raises(HashingError, match="empty"):
        sniff_file(path, settings)


def test_file_over_the_byte_limit_is_too_large(tmp_path: Path) -> None:
    path = _photo(tmp_path / "a.png", "PNG")
    small_limit = Settings(data_dir=tmp_path / "d", max_upload_bytes=path.stat().st_size - 1)
    with pytest.raises(TooLarge, match="CHILDGUARD_MAX_UPLOAD_BYTES"):
        sniff_file(path, small_limit)
    assert sniff_file(path, Settings(data_dir=tmp_path / "d")).mime == "image/png"


def test_text_named_jpg_names_the_lie_and_the_supported_types(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "holiday.jpg"
    secret = "private message body that must never be echoed"
    path.write_text(secret)
    with pytest.raises(UnsupportedMedia) as info:
        sniff_file(path, settings)
    message = info.value.message
    assert "text" in message and ".jpg extension" in message and "JPEG" in message
    assert "WebM" in message and "HEIC" in message
    assert secret not in message and "private" not in message


@pytest.mark.parametrize(
    ("name", "content", "detected"),
    [
        ("doc.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 64, "PDF"),
        ("photos.zip", b"PK\x03\x04" + b"\x00" * 64, "ZIP"),
        ("blob.dat", bytes(range(256)) * 4, "binary"),
        ("pic.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "SVG"),
    ],
)
def test_unsupported_types_name_what_was_detected(
    tmp_path: Path, settings: Settings, name: str, content: bytes, detected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnsupportedMedia, match=detected):
        sniff_file(path, settings)


def test_png_named_jpg_is_accepted_as_png(tmp_path: Path, settings: Settings) -> None:
    path = _photo(tmp_path / "really-a-png.jpg", "PNG")
    assert sniff_file(path, settings).mime == "image/png"


def test_permission_denied_when_open_fails(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _photo(tmp_path / "locked.png", "PNG")
    real_open: Callable[..., object] = Path.open

    def refusing_open(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    with pytest.raises(PermissionDenied, match="permission denied"):
        sniff_file(path, settings)


def test_directory_and_symlink_loop_are_per_file_errors(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "folder.jpg"
    folder.mkdir()
    with pytest.raises(HashingError, match="directory"):
        sniff_file(folder, settings)
    loop = tmp_path / "loop.jpg"
    loop.symlink_to(loop)
    with pytest.raises(HashingError, match="loop"):
        sniff_file(loop, settings)
