"""PDQ, Meta's 256-bit perceptual photo hash, bit-exact with the C++ reference hasher.

The reference (``pdq-photo-hasher``) shrinks an image with a side over 512 px to 512x512 by
nearest neighbour, source index ``floor(i * old / 512)`` on each axis, then hashes. The native
hasher (``childguard.media.native``) does that shrink, the luma and the whole reference algorithm
in one C pass over the decoded pixels, bit-identical to ``pdqhash`` on the shrunk pixels and
several times faster (``bench/hash_bench.py``). ``reference_resize`` does the same shrink in
Pillow, for callers (and tests) that need the pixels.

Lookups are the eight dihedral hashes (from one DCT), named by the transform applied to *this*
file: ``rotate-N`` turns it N degrees counter-clockwise, ``flip-x`` mirrors it top to bottom
(about the horizontal axis), ``flip-y`` left to right, ``flip-plus-1`` transposes it (about the
main diagonal) and ``flip-minus-1`` mirrors it about the anti-diagonal. A file that is a copy of a
banked photo turned 90 degrees counter-clockwise therefore matches through ``rotate-270``.
When the EXIF orientation is not 1 the upright image's own hash is added as ``exif-upright``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from childguard.config import Settings
from childguard.errors import InvalidInput, UnsupportedMedia
from childguard.media.decode import decoding, upright
from childguard.media.native.pdq import dihedral_hashes, pdq_hash
from childguard.media.signals.base import (
    ContentKind,
    HashResult,
    LookupHash,
    MediaFile,
    SignalIndex,
    SignalType,
)

#: Side of the square the reference shrinks larger images to.
REFERENCE_SIDE = 512
#: Names of ``pdqhash.compute_dihedral``'s eight hashes, in its output order.
DIHEDRAL_TRANSFORMS: tuple[str, ...] = (
    "original",
    "rotate-90",
    "rotate-180",
    "rotate-270",
    "flip-x",
    "flip-y",
    "flip-plus-1",
    "flip-minus-1",
)
#: JPEG draft size requested in fast mode: decoding at 1/2, 1/4 or 1/8 scale keeps at least
#: this many pixels per side, ample for PDQ's 64x64 working image.
FAST_DRAFT_SIZE = (256, 256)

_HEX64 = re.compile(r"[0-9a-f]{64}")

Bits = NDArray[np.integer]


def reference_resize(image: Image.Image) -> Image.Image:
    """The reference's shrink: 512x512 nearest neighbour when a side exceeds 512, else as is."""
    width, height = image.size
    if width <= REFERENCE_SIDE and height <= REFERENCE_SIDE:
        return image
    sx = width / REFERENCE_SIDE
    sy = height / REFERENCE_SIDE
    # Pillow samples at (x + 0.5) * a + c; with c = -0.5 * a that is exactly x * old / 512.
    return image.transform(
        (REFERENCE_SIDE, REFERENCE_SIDE),
        Image.Transform.AFFINE,
        (sx, 0.0, -0.5 * sx, 0.0, sy, -0.5 * sy),
        resample=Image.Resampling.NEAREST,
    )


def bits_to_hex(bits: Bits) -> str:
    """PDQ's hex form of 256 hash bits (bit 0 is the most significant bit of the first digit)."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def hash_image(image: Image.Image) -> tuple[str, int]:
    """PDQ hash (hex) and quality of an RGB image, exactly as the reference hashes it."""
    digest, quality = pdq_hash(image)
    return digest.hex(), quality


def hash_image_dihedral(image: Image.Image) -> tuple[list[str], int]:
    """The eight dihedral PDQ hashes (order of ``DIHEDRAL_TRANSFORMS``) and the quality."""
    digests, quality = dihedral_hashes(image)
    return [d.hex() for d in digests], quality


class PdqSignal(SignalType):
    """PDQ of photos: match within Hamming distance 31, quality below the minimum never matched.

    ``fast=True`` decodes JPEGs at a reduced size (Pillow ``draft``): several times faster on
    large photos, but hashes differ from the reference by a few bits; never used by default.
    """

    name = "pdq"
    content_kinds = frozenset({ContentKind.PHOTO})
    default_threshold = 31
    hex_length: ClassVar[int] = 64

    def __init__(self, *, fast: bool = False) -> None:
        self.fast = fast

    @classmethod
    def validate(cls, value: str) -> str:
        canon = value.strip().lower() if isinstance(value, str) else ""
        if not _HEX64.fullmatch(canon):
            shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
            raise InvalidInput(f"{shown} is not a PDQ hash: expected 64 hexadecimal digits")
        return canon

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """Hamming distance in bits between two PDQ hashes (validated first)."""
        x = int(cls.validate(a), 16) ^ int(cls.validate(b), 16)
        return x.bit_count()

    @classmethod
    def index_class(cls) -> type[SignalIndex]:
        # Imported here: hashing alone (``childguard hash``) needs no index (25 ms of start-up).
        from childguard.media.index.pdq_mih import PdqMihIndex

        return PdqMihIndex

    @classmethod
    def examples(cls) -> list[str]:
        return [
            "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22",
            "30a10efdf1c83f429013d48d0ffffc52e34e0e35ada952a9d29605215aa9e5af",
        ]

    def hash_file(self, media: MediaFile, settings: Settings) -> HashResult:
        """Hash a photo's stored pixels (the canonical value) plus its lookup variants.

        ``lookups`` hold the eight dihedral hashes and, when the EXIF orientation is not 1, the
        upright image's hash as ``exif-upright`` (also in ``extra``). Raises ``UnsupportedMedia``
        for non-photos and whatever ``decode_image`` raises for bad files.
        """
        if media.kind is not ContentKind.PHOTO:
            raise UnsupportedMedia(
                f"{media.path.name}: PDQ hashes photos; this file is {media.mime}"
            )
        draft = FAST_DRAFT_SIZE if self.fast else None
        with decoding(media, settings, draft=draft) as decoded:  # pixels held within budget
            hexes, quality = hash_image_dihedral(decoded.image)
            lookups = [
                LookupHash(h, transform, quality)
                for h, transform in zip(hexes, DIHEDRAL_TRANSFORMS, strict=True)
            ]
            extra: dict[str, object] = {}
            if decoded.orientation != 1:
                up_hash, up_quality = hash_image(upright(decoded.image, decoded.orientation))
                lookups.append(LookupHash(up_hash, "exif-upright", up_quality))
                extra = {"exif_orientation": decoded.orientation, "exif_upright_hash": up_hash}
        return HashResult(
            signal_type=self.name,
            value=hexes[0],
            quality=quality,
            usable=quality >= settings.pdq_min_quality,
            lookups=tuple(lookups),
            extra=extra,
        )
