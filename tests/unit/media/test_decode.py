"""Image decoding: pixel limit before decoding, truncation refused, all modes to 8-bit RGB."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile, ImageOps

from childguard.config import Settings
from childguard.errors import HashingError, TooLarge
from childguard.media.decode import decode_image, to_rgb, upright


def _scene(width: int = 96, height: int = 64) -> Image.Image:
    """A deterministic synthetic RGB picture: gradients and a few blocks."""
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack(
        [(x * 255 // (width - 1)), (y * 255 // (height - 1)), ((x + y) * 7) % 256], axis=-1
    ).astype(np.uint8)
    rgb[height // 4 : height // 2, width // 4 : width // 2] = (250, 30, 30)
    return Image.fromarray(rgb, "RGB")


def _pixels(im: Image.Image) -> np.ndarray:
    return np.asarray(im).astype(np.int64)


def _png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height; its pixel data is a few bytes only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_huge_declared_size_is_refused_before_decoding(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_declaring(50_000, 50_000))
    assert path.stat().st_size < 200

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(TooLarge) as info:
        decode_image(path, settings)
    assert "50000x50000" in info.value.message
    assert "CHILDGUARD_MAX_PIXELS" in info.value.message


def test_pixel_limit_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "scene.png"
    _scene(200, 100).save(path)
    with pytest.raises(TooLarge, match="200x100"):
        decode_image(path, Settings(data_dir=tmp_path / "d", max_pixels=19_999))
    decoded = decode_image(path, Settings(data_dir=tmp_path / "d", max_pixels=20_000))
    assert decoded.image.size == (200, 100)


@pytest.mark.parametrize("tolerant", [False, True])
def test_truncated_jpeg_is_refused(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, tolerant: bool
) -> None:
    # Even when some other library told Pillow to pad truncated files with grey.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", tolerant)
    buf = io.BytesIO()
    _scene(640, 480).save(buf, "JPEG", quality=90)
    path = tmp_path / "cut.jpg"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(HashingError, match="truncated"):
        decode_image(path, settings)


def test_corrupt_png_data_is_a_hashing_error(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "corrupt.png"
    path.write_bytes(_png_declaring(64, 64))  # the data does not hold 64 rows
    with pytest.raises(HashingError):
        decode_image(path, settings)


def test_rgb_and_grey_and_one_bit(tmp_path: Path, settings: Settings) -> None:
    scene = _scene()
    for mode in ("RGB", "L", "1"):
        path = tmp_path / f"{mode}.png"
        scene.convert(mode).save(path)
        decoded = decode_image(path, settings)
        assert decoded.image.mode == "RGB" and decoded.source_mode == mode
        expected = scene.convert(mode).convert("RGB")
        assert np.array_equal(_pixels(decoded.image), _pixels(expected))


def test_sixteen_bit_keeps_the_high_byte(tmp_path: Path, settings: Settings) -> None:
    grey = np.asarray(_scene().convert("L")).astype(np.uint16)
    noise = np.random.default_rng(7).integers(0, 256, grey.shape, dtype=np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray((grey << 8) | noise).save(path)
    decoded = decode_image(path, settings)
    assert decoded.source_mode.startswith("I")
    assert np.array_equal(_pixels(decoded.image)[..., 0], grey)


def test_float_in_unit_range_is_scaled(tmp_path: Path, settings: Settings) -> None:
    grey = np.asarray(_scene().convert("L"))
    path = tmp_path / "float.tiff"
    Image.fromarray(grey.astype(np.float32) / 255.0, "F").save(path)
    decoded = decode_image(path, settings)
    assert decoded.source_mode == "F"
    assert np.abs(_pixels(decoded.image)[..., 1] - grey).max() <= 1


def test_alpha_is_composited_over_white(tmp_path: Path, settings: Settings) -> None:
    scene = _scene().convert("RGBA")
    alpha = np.full((64, 96), 255, dtype=np.uint8)
    alpha[:, :20] = 0
    scene.putalpha(Image.fromarray(alpha, "L"))
    for mode, fmt in (("RGBA", "PNG"), ("LA", "PNG"), ("RGBA", "WEBP")):
        path = tmp_path / f"alpha-{mode}.{fmt.lower()}"
        scene.convert(mode).save(path, fmt, lossless=True)
        out = _pixels(decode_image(path, settings).image)
        assert (out[:, :20] == 255).all(), (mode, fmt)
        expected = _pixels(scene.convert(mode).convert("RGB"))
        assert np.array_equal(out[:, 20:], expected[:, 20:])


def test_palette_with_and_without_transparency(tmp_path: Path, settings: Settings) -> None:
    pal = _scene().convert("P", palette=Image.Palette.ADAPTIVE, colors=32)
    plain = tmp_path / "p.png"
    pal.save(plain)
    assert np.array_equal(_pixels(decode_image(plain, settings).image), _pixels(pal.convert("RGB")))
    transparent_index = int(np.asarray(pal)[0, 0])
    clear = tmp_path / "p-transparent.png"
    pal.save(clear, transparency=transparent_index)
    out = _pixels(decode_image(clear, settings).image)
    where = np.asarray(pal) == transparent_index
    assert (out[where] == 255).all()
    assert np.array_equal(out[~where], _pixels(pal.convert("RGB"))[~where])


def test_cmyk_jpeg_is_not_inverted(tmp_path: Path, settings: Settings) -> None:
    scene = _scene()
    path = tmp_path / "cmyk.jpg"
    scene.convert("CMYK").save(path, quality=95)  # Pillow writes Adobe (inverted) CMYK
    decoded = decode_image(path, settings)
    assert decoded.source_mode == "CMYK"
    assert np.abs(_pixels(decoded.image) - _pixels(scene)).mean() < 6


@pytest.mark.parametrize("mode", ["LAB", "HSV", "YCbCr", "RGBX", "PA", "LA", "La", "RGBa", "I"])
def test_every_mode_converts_close_to_the_original(mode: str) -> None:
    scene = _scene()
    if mode == "PA":
        source = scene.convert("P").convert("PA")
    elif mode == "La":
        opaque = scene.convert("LA")  # premultiplied with full alpha: the same bytes
        source = Image.frombytes("La", opaque.size, opaque.tobytes())
    else:
        source = scene.convert(mode)
    out = to_rgb(source)
    assert out.mode == "RGB" and out.size == scene.size
    reference = scene.convert("L").convert("RGB") if mode in ("LA", "La", "I") else scene
    tolerance = 20 if mode == "PA" else 3
    assert np.abs(_pixels(out) - _pixels(reference)).mean() < tolerance


def test_animated_gif_gives_its_first_frame(tmp_path: Path, settings: Settings) -> None:
    frames = [Image.new("RGB", (32, 32), c) for c in ((200, 0, 0), (0, 200, 0), (0, 0, 200))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    out = _pixels(decode_image(path, settings).image)
    assert (out == (200, 0, 0)).all()


def test_animated_webp_gives_its_first_frame(tmp_path: Path, settings: Settings) -> None:
    frames = [Image.new("RGB", (32, 32), c) for c in ((0, 200, 0), (200, 0, 0))]
    path = tmp_path / "anim.webp"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, lossless=True)
    out = _pixels(decode_image(path, settings).image)
    assert (out == (0, 200, 0)).all()


def test_exif_orientation_is_read_but_not_applied(tmp_path: Path, settings: Settings) -> None:
    scene = _scene(96, 64)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    scene.save(path, quality=95, exif=exif)
    decoded = decode_image(path, settings)
    assert decoded.orientation == 6
    assert decoded.image.size == (96, 64)
    assert upright(decoded.image, 6).size == (64, 96)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_upright_agrees_with_pillow_exif_transpose(orientation: int) -> None:
    scene = _scene(40, 24)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    scene.save(buf, "PNG", exif=exif)
    with Image.open(io.BytesIO(buf.getvalue())) as tagged:
        expected = ImageOps.exif_transpose(tagged)
        assert np.array_equal(_pixels(upright(scene, orientation)), _pixels(expected))


def test_heic_and_avif_decode(tmp_path: Path, settings: Settings) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    scene = _scene(64, 64)
    for fmt in ("HEIF", "AVIF"):
        path = tmp_path / f"scene.{fmt.lower()}"
        scene.save(path, fmt, quality=95)
        out = decode_image(path, settings).image
        assert out.size == (64, 64)
        assert np.abs(_pixels(out) - _pixels(scene)).mean() < 12, fmt


def test_sixteen_bit_rgb_png_keeps_the_high_byte(tmp_path: Path, settings: Settings) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    high = np.asarray(_scene(16, 8)).astype(np.uint16)
    noise = np.random.default_rng(5).integers(0, 256, high.shape, dtype=np.uint16)
    samples = (high << 8) | noise
    rows = b"".join(b"\x00" + samples[y].astype(">u2").tobytes() for y in range(8))
    path = tmp_path / "rgb48.png"
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 8, 16, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    assert np.array_equal(_pixels(decode_image(path, settings).image), high)
