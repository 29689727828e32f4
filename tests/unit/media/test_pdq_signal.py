"""PDQ: bit-exact with the reference, colour modes, 16-bit, EXIF orientation, dihedral lookups."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from childguard.config import Settings
from childguard.errors import InvalidInput, UnsupportedMedia
from childguard.media.index.pdq_brute import PdqBruteForceIndex
from childguard.media.index.pdq_mih import PdqMihIndex
from childguard.media.signals.base import ContentKind, MediaFile
from childguard.media.signals.pdq import PdqSignal, reference_resize
from childguard.media.signals.registry import get_signal_type
from childguard.media.sniff import sniff_file
from tests.conftest import PDQ_DATA, conformance_path, pdq_set, skip_reason

PDQ_SET = pdq_set()
IMAGES = PDQ_SET / "images"
#: The small set every clone has (a subset of the full one).
LOCAL = PDQ_DATA / "images"


def _rows() -> list[dict[str, str]]:
    with (PDQ_SET / "expected.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


OK_ROWS = [r for r in _rows() if r["ref_status"] == "ok"]
UNREADABLE_MODES = [
    r["file"] for r in _rows() if r["ref_status"] != "ok" and r["file"].startswith("mode-")
]
#: Parameters of tests that need the colour-mode files of the full conformance set.
MODE_PARAMS = UNREADABLE_MODES or [
    pytest.param("", marks=pytest.mark.skip(reason=skip_reason("pdq/images/mode-*")))
]


def _hash(path: Path, settings: Settings, fast: bool = False) -> tuple[str, int | None]:
    result = PdqSignal(fast=fast).hash_file(sniff_file(path, settings), settings)
    return result.value, result.quality


@pytest.mark.parametrize("row", OK_ROWS, ids=[r["file"] for r in OK_ROWS])
def test_reference_conformance(row: dict[str, str], settings: Settings) -> None:
    value, quality = _hash(IMAGES / row["file"], settings)
    assert value == row["ref_hash"]
    assert quality == int(row["ref_quality"])


@pytest.mark.parametrize("name", MODE_PARAMS)
def test_modes_the_reference_cannot_read_hash_close_to_the_original(
    name: str, settings: Settings
) -> None:
    original, _ = _hash(IMAGES / "mode-original.jpg", settings)
    value, quality = _hash(IMAGES / name, settings)
    assert PdqSignal.distance(value, original) <= 10
    assert quality is not None and quality >= 50


def test_unreadable_mode_list_covers_the_hard_cases() -> None:
    if not UNREADABLE_MODES:
        pytest.skip(skip_reason("pdq/images/mode-*"))
    assert {"mode-CMYK.jpg", "mode-RGBA.png", "mode-LA.png", "mode-PA.webp"} <= set(
        UNREADABLE_MODES
    )


def test_sixteen_bit_png_hashes_like_its_eight_bit_image(
    tmp_path: Path, settings: Settings
) -> None:
    with Image.open(LOCAL / "bridge-1-original.jpg") as im:
        grey = np.asarray(im.convert("L").resize((640, 400)))
    eight = tmp_path / "eight.png"
    Image.fromarray(grey, "L").save(eight)
    noise = np.random.default_rng(3).integers(0, 256, grey.shape, dtype=np.uint16)
    sixteen = tmp_path / "sixteen.png"
    Image.fromarray((grey.astype(np.uint16) << 8) | noise).save(sixteen)
    low_byte_only = tmp_path / "low.png"
    Image.fromarray(noise.astype(np.uint8), "L").save(low_byte_only)

    expected, _ = _hash(eight, settings)
    got, _ = _hash(sixteen, settings)
    assert got == expected
    assert got != _hash(low_byte_only, settings)[0]


def test_exif_orientation_hashes_stored_and_upright(tmp_path: Path, settings: Settings) -> None:
    with Image.open(LOCAL / "bridge-1-original.jpg") as im:
        scene = im.convert("RGB").resize((800, 502))
    exif = Image.Exif()
    exif[0x0112] = 6
    tagged = tmp_path / "tagged.jpg"
    scene.save(tagged, quality=92, exif=exif)
    untagged = tmp_path / "untagged.jpg"
    scene.save(untagged, quality=92)  # same encoder, same pixels, no orientation
    with Image.open(tagged) as im:
        upright_pixels = im.transpose(Image.Transpose.ROTATE_270)
        upright_png = tmp_path / "upright.png"
        upright_pixels.save(upright_png)

    result = PdqSignal().hash_file(sniff_file(tagged, settings), settings)
    assert result.value == _hash(untagged, settings)[0]
    upright_hash = _hash(upright_png, settings)[0]
    by_transform = {lk.transform: lk.value for lk in result.lookups}
    assert by_transform["exif-upright"] == upright_hash
    assert result.extra == {"exif_orientation": 6, "exif_upright_hash": upright_hash}
    assert PdqSignal.distance(result.value, upright_hash) > 31  # really a different hash


def test_no_exif_extra_for_upright_files(settings: Settings) -> None:
    result = PdqSignal().hash_file(sniff_file(LOCAL / "bridge-1-original.jpg", settings), settings)
    assert result.extra == {}
    assert [lk.transform for lk in result.lookups] == [
        "original", "rotate-90", "rotate-180", "rotate-270",
        "flip-x", "flip-y", "flip-plus-1", "flip-minus-1",
    ]  # fmt: skip
    assert result.lookups[0].value == result.value
    assert result.to_public() == {"hash": result.value, "quality": 100}


# The bridge file is the original turned; the lookup that matches undoes that turn.
BRIDGES = {
    "bridge-2-rotate-90.jpg": "rotate-270",
    "bridge-3-rotate-180.jpg": "rotate-180",
    "bridge-4-rotate-270.jpg": "rotate-90",
    "bridge-5-flipx.jpg": "flip-x",
    "bridge-6-flipy.jpg": "flip-y",
    "bridge-7-flip-plus-1.jpg": "flip-plus-1",
    "bridge-8-flip-minus-1.jpg": "flip-minus-1",
}


@pytest.mark.parametrize(("name", "transform"), BRIDGES.items())
def test_rotations_and_flips_match_the_original_through_a_named_lookup(
    name: str, transform: str, settings: Settings
) -> None:
    original, _ = _hash(LOCAL / "bridge-1-original.jpg", settings)
    bank = PdqBruteForceIndex.build([(original, 1)])
    result = PdqSignal().hash_file(
        sniff_file(conformance_path("pdq", "images", name), settings), settings
    )
    assert bank.query(result.value, 31) == []  # the plain hash alone misses
    hits = bank.query_many([lk.value for lk in result.lookups], 31)
    matched = [
        (h[0].distance, lk.transform) for lk, h in zip(result.lookups, hits, strict=True) if h
    ]
    assert matched and min(matched)[1] == transform


def test_dihedral_names_follow_numpy_turns(settings: Settings) -> None:
    with Image.open(LOCAL / "bridge-1-original.jpg") as im:
        pixels = np.asarray(reference_resize(im.convert("RGB")))
    result = PdqSignal().hash_file(sniff_file(LOCAL / "bridge-1-original.jpg", settings), settings)
    lookups = {lk.transform: lk.value for lk in result.lookups}
    turned = {
        "rotate-90": np.rot90(pixels, 1),  # counter-clockwise
        "rotate-270": np.rot90(pixels, -1),
        "flip-x": pixels[::-1],
        "flip-y": pixels[:, ::-1],
        "flip-plus-1": pixels.transpose(1, 0, 2),
    }
    import pdqhash

    for name, array in turned.items():
        bits, _ = pdqhash.compute(np.ascontiguousarray(array))
        value = np.packbits(bits.astype(np.uint8)).tobytes().hex()
        nearest = min(lookups, key=lambda t: PdqSignal.distance(lookups[t], value))
        assert nearest == name


def test_low_quality_is_reported_and_not_usable(settings: Settings) -> None:
    result = PdqSignal().hash_file(sniff_file(LOCAL / "small.jpg", settings), settings)
    assert result.quality == 0
    assert result.usable is False


def test_min_quality_setting_is_honoured(tmp_path: Path) -> None:
    strict = Settings(data_dir=tmp_path / "d", pdq_min_quality=100)
    lenient = Settings(data_dir=tmp_path / "d", pdq_min_quality=0)
    path = LOCAL / "small.jpg"
    assert PdqSignal().hash_file(sniff_file(path, lenient), lenient).usable is True
    assert PdqSignal().hash_file(sniff_file(LOCAL / "wee.jpg", strict), strict).usable is True
    assert PdqSignal().hash_file(sniff_file(path, strict), strict).usable is False


@pytest.mark.parametrize(
    ("width", "height"), [(513, 513), (1600, 1004), (1004, 1600), (3000, 200), (77, 2049)]
)
def test_reference_resize_is_floor_index_nearest_neighbour(width: int, height: int) -> None:
    rng = np.random.default_rng(width * height)
    pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    ys = np.arange(512) * height // 512
    xs = np.arange(512) * width // 512
    got = np.asarray(reference_resize(Image.fromarray(pixels, "RGB")))
    assert np.array_equal(got, pixels[ys][:, xs])


def test_small_images_are_not_resized() -> None:
    im = Image.new("RGB", (512, 300))
    assert reference_resize(im) is im


def test_fast_mode_stays_close_to_exact(settings: Settings) -> None:
    for name in ("bridge-1-original.jpg", "wee.jpg", "square-256x256.jpg"):
        exact, _ = _hash(LOCAL / name, settings)
        fast, _ = _hash(LOCAL / name, settings, fast=True)
        assert PdqSignal.distance(exact, fast) <= 12


def test_validate_canonicalises_and_names_bad_values() -> None:
    good = PdqSignal.examples()[0]
    assert PdqSignal.validate(" " + good.upper() + "\n") == good
    for bad in ("abc", good[:-1] + "g", good + "0", ""):
        with pytest.raises(InvalidInput) as info:
            PdqSignal.validate(bad)
        assert repr(bad) in info.value.message
    for example in PdqSignal.examples():
        assert PdqSignal.validate(example) == example


def test_distance_is_hamming() -> None:
    a = "0" * 64
    assert PdqSignal.distance(a, a) == 0
    assert PdqSignal.distance(a, "f" * 64) == 256
    assert PdqSignal.distance(a, "8" + "0" * 62 + "3") == 3


def test_registered_with_its_index_and_threshold() -> None:
    assert get_signal_type("pdq") is PdqSignal
    assert PdqSignal.default_threshold == 31
    assert PdqSignal.index_class() is PdqMihIndex
    assert PdqSignal.content_kinds == frozenset({ContentKind.PHOTO})


def test_videos_are_refused(tmp_path: Path, settings: Settings) -> None:
    media = MediaFile(tmp_path / "clip.mp4", "video/mp4", ContentKind.VIDEO, 10)
    with pytest.raises(UnsupportedMedia, match="photos"):
        PdqSignal().hash_file(media, settings)


TINY_AND_ELONGATED = [
    (1, 1), (1, 2), (2, 1), (4, 4), (5, 5), (4, 100), (7, 1), (1, 7), (1, 5000), (5000, 1),
    (2, 3000), (600, 1), (1, 600), (513, 1), (8000, 3), (3, 8000), (512, 1), (1, 513),
]  # fmt: skip


@pytest.mark.parametrize("mode", ["RGB", "L", "P", "1", "JPEG"])
@pytest.mark.parametrize(("width", "height"), TINY_AND_ELONGATED)
def test_tiny_and_elongated_images_hash_like_the_reference(
    width: int, height: int, mode: str, tmp_path: Path, settings: Settings
) -> None:
    """The reference (pdqhash runs its C++ code) on the pixels it reads: an image with a side
    over 512 is first resized to 512x512 by nearest neighbour (a 1x5000 strip too), and a side
    under 5 then gives the zero hash with quality 0."""
    import pdqhash

    rng = np.random.default_rng(width * 7919 + height)
    base = rng.integers(0, 256, (max(1, height // 8), max(1, width // 8), 3), dtype=np.uint8)
    image = Image.fromarray(base, "RGB").resize((width, height), Image.Resampling.BILINEAR)
    if mode == "JPEG":
        path = tmp_path / "x.jpg"
        image.save(path, quality=90)
    else:
        path = tmp_path / "x.png"
        (image.convert(mode) if mode != "P" else image.quantize(16)).save(path)
    with Image.open(path) as stored:
        pixels = np.ascontiguousarray(np.asarray(reference_resize(stored.convert("RGB"))))
    bits, quality = pdqhash.compute(pixels)
    expected = np.packbits(bits.astype(np.uint8)).tobytes().hex()
    assert _hash(path, settings) == (expected, int(quality))
    if max(width, height) <= 512 and min(width, height) < 5:  # not enlarged, too small
        assert (expected, quality) == ("0" * 64, 0)
