"""The native PDQ hasher is bit-exact with pdqhash (on reference-resized pixels)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pdqhash
import pytest
from numpy.typing import NDArray
from PIL import Image

from childguard.errors import InvalidInput
from childguard.media.native import _pdq
from childguard.media.native.pdq import dihedral_hashes, pdq_hash
from childguard.media.signals.pdq import reference_resize
from tests.conftest import pdq_set

IMAGES = sorted((pdq_set() / "images").iterdir())
SIZES = [
    (1, 1),
    (4, 9),
    (5, 5),
    (7, 13),
    (64, 64),
    (100, 37),
    (511, 512),
    (512, 512),
    (513, 1000),
    (1500, 1000),
    (5000, 20),
    (20, 5000),
]


def _oracle(image: Image.Image) -> tuple[list[bytes], int, bytes, int]:
    """pdqhash's dihedral hashes and quality, then its single hash and quality, packed."""
    pixels = np.ascontiguousarray(np.asarray(reference_resize(image.convert("RGB"))))
    all_bits, quality = pdqhash.compute_dihedral(pixels)
    bits, single_quality = pdqhash.compute(pixels)
    packed = [np.packbits(np.asarray(b, dtype=np.uint8)).tobytes() for b in all_bits]
    single = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()
    return packed, int(quality), single, int(single_quality)


def _assert_exact(image: Image.Image) -> int:
    expected, quality, single, single_quality = _oracle(image)
    got, got_quality = dihedral_hashes(image)
    assert got == expected
    assert got_quality == quality
    assert pdq_hash(image) == (single, single_quality)
    return quality


def _random(width: int, height: int, seed: int) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("seed", [0, 1])
def test_random_images_are_bit_exact(width: int, height: int, seed: int) -> None:
    _assert_exact(Image.fromarray(_random(width, height, seed * 7919 + width), "RGB"))


@pytest.mark.parametrize(("width", "height"), [(64, 64), (300, 200), (900, 700), (2000, 37)])
def test_smooth_random_images_are_bit_exact(width: int, height: int) -> None:
    # Blurred noise has many near-median coefficients: any float difference would show.
    noise = _random(width // 8 + 1, height // 8 + 1, width * height).astype(np.float64)
    big = Image.fromarray(noise.astype(np.uint8), "RGB").resize(
        (width, height), Image.Resampling.BICUBIC
    )
    _assert_exact(big)


@pytest.mark.parametrize(("width", "height"), [(10, 10), (512, 512), (1024, 700)])
@pytest.mark.parametrize("value", [0, 128, 255])
def test_flat_images_have_quality_zero(width: int, height: int, value: int) -> None:
    image = Image.new("RGB", (width, height), (value, value // 2, 255 - value))
    assert _assert_exact(image) == 0


@pytest.mark.parametrize("axis", [0, 1])
def test_gradients_are_bit_exact(axis: int) -> None:
    ramp = np.linspace(0, 255, 700).astype(np.uint8)
    plane = np.tile(ramp, (600, 1)) if axis else np.tile(ramp[:600, None], (1, 700))
    pixels = np.stack([plane, 255 - plane, plane // 2], axis=-1)
    _assert_exact(Image.fromarray(np.ascontiguousarray(pixels), "RGB"))


@pytest.mark.parametrize("path", IMAGES, ids=[p.name for p in IMAGES])
def test_reference_images_are_bit_exact(path: Path) -> None:
    try:
        with Image.open(path) as im:
            image = im.convert("RGB")
    except (OSError, ValueError):
        pytest.skip("Pillow cannot convert this mode to RGB")
    _assert_exact(image)


def test_other_modes_are_converted_to_rgb() -> None:
    grey = Image.fromarray(_random(80, 60, 3)[:, :, 0], "L")
    assert dihedral_hashes(grey) == dihedral_hashes(grey.convert("RGB"))


def test_raw_function_takes_any_buffer() -> None:
    pixels = _random(40, 30, 4)
    from_bytes = _pdq.dihedral(pixels.tobytes(), 40, 30)
    assert _pdq.dihedral(pixels.data.cast("B"), 40, 30) == from_bytes
    assert _pdq.dihedral(bytearray(pixels.tobytes()), width=40, height=30) == from_bytes
    packed, quality = from_bytes
    assert len(packed) == 8 * 32
    assert _pdq.hash(pixels.tobytes(), 40, 30) == (packed[:32], quality)


@pytest.mark.parametrize(
    ("length", "width", "height", "message"),
    [
        (12, 2, 3, "width \\* height \\* 3"),
        (17, 2, 3, "width \\* height \\* 3"),
        (0, 0, 3, "positive"),
        (3, 1, -1, "positive"),
        (3, 1, 1 << 20, "width \\* height \\* 3"),
    ],
)
def test_bad_arguments_raise_value_error(
    length: int, width: int, height: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _pdq.dihedral(bytes(length), width, height)
    with pytest.raises(ValueError, match=message):
        _pdq.hash(bytes(length), width, height)


def test_non_buffer_and_huge_sizes_raise_type_or_overflow_errors() -> None:
    with pytest.raises(TypeError):
        _pdq.dihedral("not bytes", 1, 1)  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        _pdq.dihedral(bytes(3), 1 << 40, 1)


def test_empty_image_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="empty image"):
        dihedral_hashes(Image.new("RGB", (0, 0)))


def test_concurrent_threads_get_the_same_hashes() -> None:
    # The extension hashes without the GIL: no state may be shared between calls.
    from concurrent.futures import ThreadPoolExecutor

    images = [Image.fromarray(_random(600, 520, seed), "RGB") for seed in range(6)]
    expected = [dihedral_hashes(im) for im in images]
    with ThreadPoolExecutor(max_workers=3) as pool:
        got = list(pool.map(dihedral_hashes, images * 3))
    assert got == expected * 3
