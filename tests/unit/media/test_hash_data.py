"""Hashing content held in memory gives exactly what hashing the same bytes on disk gives."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from childguard.config import Settings
from childguard.errors import HashingError, TooLarge, UnsupportedMedia
from childguard.media.scan import hash_data, hash_file
from conftest import PDQ_DATA


def _jpeg(seed: int, exif_orientation: int | None = None) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = (rng.random((300, 420, 3)) * 255).astype(np.uint8)
    out = io.BytesIO()
    image = Image.fromarray(pixels)
    if exif_orientation is None:
        image.save(out, "JPEG", quality=90)
    else:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


@pytest.mark.parametrize("orientation", [None, 6])
def test_memory_and_disk_hashes_agree(
    tmp_path: Path, settings: Settings, orientation: int | None
) -> None:
    data = _jpeg(3, orientation)
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    media_disk, on_disk = hash_file(path, settings)
    media_mem, in_memory = hash_data(data, "photo.jpg", settings)
    assert media_mem.mime == media_disk.mime == "image/jpeg"
    assert media_mem.size == len(data)
    assert set(in_memory) == set(on_disk) == {"md5", "sha256", "pdq"}
    for name in on_disk:
        assert in_memory[name] == on_disk[name]


def test_reference_image_in_memory(settings: Settings) -> None:
    path = PDQ_DATA / "images" / "bridge-1-original.jpg"
    _, signals = hash_data(path.read_bytes(), path.name, settings)
    assert signals == hash_file(path, settings)[1]


def test_errors_name_the_upload(settings: Settings) -> None:
    with pytest.raises(UnsupportedMedia, match=r"^notes\.jpg: content is text"):
        hash_data(b"just some words\n", "notes.jpg", settings)
    with pytest.raises(HashingError, match="empty"):
        hash_data(b"", "empty.png", settings)
    with pytest.raises(HashingError, match=r"cut\.jpg: corrupt or truncated"):
        hash_data(_jpeg(4)[:2000], "cut.jpg", settings)
    small = settings.model_copy(update={"max_upload_bytes": 100})
    with pytest.raises(TooLarge, match="CHILDGUARD_MAX_UPLOAD_BYTES"):
        hash_data(_jpeg(5), "big.jpg", small)


def test_path_like_names_are_reduced_to_a_file_name(settings: Settings) -> None:
    with pytest.raises(UnsupportedMedia) as info:
        hash_data(b"%PDF-1.7 not an image", "../../etc/passwd.jpg", settings)
    assert info.value.message.startswith("passwd.jpg: content is a PDF document")


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_video_in_memory_is_spilled_and_removed(tmp_path: Path, settings: Settings) -> None:
    video = tmp_path / "clip.mp4"
    source = "testsrc=duration=3:size=320x240:rate=5"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source,
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(video)],
        check=True,
        timeout=120,
    )  # fmt: skip
    _, in_memory = hash_data(video.read_bytes(), "clip.mp4", settings)
    assert in_memory["vpdq"] == hash_file(video, settings)[1]["vpdq"]
    leftovers = list((settings.data_dir / "tmp").rglob("*"))
    assert leftovers == []
    with pytest.raises(HashingError, match=r"^cut\.mp4"):
        hash_data(video.read_bytes()[: video.stat().st_size // 2], "cut.mp4", settings)
    assert list((settings.data_dir / "tmp").rglob("*")) == []
