"""PDQ hashes of decoded RGB pixels through the C extension ``_pdq``.

The extension shrinks images with a side over 512 px to 512x512 by the reference's nearest
neighbour (source index ``floor(i * old / 512)``), computes luma as the ``pdqhash`` binding does
and then runs the reference algorithm with the same float operations, so hashes and quality are
bit-identical to ``pdqhash`` on the reference-resized pixels. The GIL is released while hashing.
"""

from __future__ import annotations

from PIL import Image

from childguard.errors import InvalidInput
from childguard.media.native import _pdq

#: Bytes of one PDQ hash.
HASH_BYTES = 32
#: Number of dihedral hashes ``dihedral_hashes`` returns.
NUM_DIHEDRAL = 8
#: Side of the square the reference shrinks larger images to.
REFERENCE_SIDE = 512


def _rgb(image: Image.Image) -> Image.Image:
    """The image in 8-bit RGB mode (converted when needed)."""
    return image if image.mode == "RGB" else image.convert("RGB")


def _checked(image: Image.Image) -> Image.Image:
    """The RGB image, shrunk as the reference does; ``InvalidInput`` for one without pixels.

    Shrinking here (the same nearest-neighbour rule the extension applies) hands the extension
    512x512 pixels instead of a copy of the whole image: a 100-megapixel photo would otherwise
    cost another 300 MB while it is hashed.
    """
    if image.width <= 0 or image.height <= 0:
        raise InvalidInput(f"cannot hash an empty image ({image.width}x{image.height} pixels)")
    if image.width > REFERENCE_SIDE or image.height > REFERENCE_SIDE:
        sx, sy = image.width / REFERENCE_SIDE, image.height / REFERENCE_SIDE
        image = image.transform(
            (REFERENCE_SIDE, REFERENCE_SIDE),
            Image.Transform.AFFINE,
            (sx, 0.0, -0.5 * sx, 0.0, sy, -0.5 * sy),
            resample=Image.Resampling.NEAREST,
        )
    return _rgb(image)


def pdq_hash(image: Image.Image) -> tuple[bytes, int]:
    """The PDQ hash (32 bytes, ``bits_to_hex`` order) and quality (0-100) of an image."""
    rgb = _checked(image)
    return _pdq.hash(rgb.tobytes(), rgb.width, rgb.height)


def dihedral_hashes(image: Image.Image) -> tuple[list[bytes], int]:
    """The eight dihedral PDQ hashes (``pdqhash.compute_dihedral``'s order) and the quality."""
    rgb = _checked(image)
    packed, quality = _pdq.dihedral(rgb.tobytes(), rgb.width, rgb.height)
    hashes = [packed[i * HASH_BYTES : (i + 1) * HASH_BYTES] for i in range(NUM_DIHEDRAL)]
    return hashes, quality
