"""Safe image decoding to 8-bit RGB with Pillow (and pillow-heif for HEIC).

``decode_image`` checks the declared size against ``settings.max_pixels`` before any pixel is
decoded, refuses truncated or corrupt files, takes the first frame of animations, converts every
colour mode to 8-bit RGB and reports the EXIF orientation without applying it: PDQ lists are made
from stored pixels (what Meta's reference hasher reads), and the caller also hashes the upright
image when the orientation is not 1.

Colour rules: alpha is composited over white (what viewers show for transparent areas); 16- and
32-bit integer images keep their high byte (scaled, never truncated to the low byte); float images
in [0, 1] are scaled by 255; CMYK (including Adobe's inverted CMYK JPEGs), LAB, HSV and YCbCr use
Pillow's conversions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFile, UnidentifiedImageError

from childguard.config import Settings
from childguard.errors import Busy, HashingError, PermissionDenied, TooLarge, UnsupportedMedia
from childguard.media.signals.base import MediaFile
from childguard.runtime import trim_heap

#: EXIF tag number of Orientation.
EXIF_ORIENTATION_TAG = 0x0112

# Modes whose alpha band must be composited rather than dropped.
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
# Modes Pillow converts to RGB correctly by itself.
_DIRECT_MODES = frozenset({"L", "1", "CMYK", "YCbCr", "LAB", "HSV", "RGBX"})


@dataclass(frozen=True)
class DecodedImage:
    """A decoded image: 8-bit RGB pixels as stored in the file, plus facts about the file.

    ``orientation`` is the EXIF Orientation tag (1-8; 1 when absent or invalid); ``image`` is
    *not* rotated by it. ``source_mode`` is the mode Pillow decoded before conversion and
    ``stored_size`` the (width, height) the file declares.
    """

    image: Image.Image
    orientation: int
    format: str | None
    source_mode: str
    stored_size: tuple[int, int]


_extra_decoders_registered = False


def _register_extra_decoders() -> None:
    """Teach Pillow HEIC/HEIF (and AVIF where Pillow lacks it)."""
    global _extra_decoders_registered
    try:
        import pillow_heif
    except ImportError:  # pragma: no cover - pillow-heif is a dependency
        return
    pillow_heif.register_heif_opener()
    from PIL import features

    if not features.check("avif") and hasattr(pillow_heif, "register_avif_opener"):
        pillow_heif.register_avif_opener()  # pragma: no cover - Pillow >= 11.2 reads AVIF
    _extra_decoders_registered = True


def open_image(fp: Path | IO[bytes]) -> ImageFile.ImageFile:
    """``Image.open(fp)`` with the HEIC/HEIF/AVIF decoders: every image childguard reads opens here.

    They are registered only when Pillow's own decoders identify no format (importing
    pillow-heif costs 6 ms of ``childguard hash one.jpg``'s start-up); ``Image.open`` seeks a
    file object back to its start, so the retry reads it whole. Raises what ``Image.open``
    raises (``UnidentifiedImageError`` when no decoder knows the format).
    """
    try:
        return Image.open(fp)
    except UnidentifiedImageError:
        if _extra_decoders_registered:
            raise
    _register_extra_decoders()
    return Image.open(fp)


def _open_checked(source: Path | MediaFile, settings: Settings) -> ImageFile.ImageFile:
    """Open ``source`` reading only its header, refusing sizes over ``max_pixels``."""
    path = source if isinstance(source, Path) else source.path
    # childguard enforces CHILDGUARD_MAX_PIXELS itself (configurable, with a clear message), so
    # Pillow's process-wide decompression-bomb limit must not refuse an image first.
    Image.MAX_IMAGE_PIXELS = None
    try:
        im = open_image(path if isinstance(source, Path) else source.open())
    except Image.DecompressionBombError as exc:  # only if another caller re-set Pillow's limit
        raise TooLarge(
            f"{path.name}: image is over Pillow's decompression-bomb limit "
            f"({_reason(exc)}); CHILDGUARD_MAX_PIXELS is {settings.max_pixels}"
        ) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedMedia(f"{path.name}: not an image format this decoder can read") from exc
    except PermissionError as exc:
        raise PermissionDenied(
            f"{path.name}: permission denied; make the file readable by this user"
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise HashingError(f"{path.name}: corrupt image header ({_reason(exc)})") from exc
    width, height = im.size
    if width <= 0 or height <= 0:
        im.close()
        raise HashingError(f"{path.name}: image declares an empty size {width}x{height}")
    if width * height > settings.max_pixels:
        im.close()
        raise TooLarge(
            f"{path.name}: image is {width}x{height} = {width * height} pixels, over the limit "
            f"of {settings.max_pixels} (CHILDGUARD_MAX_PIXELS)"
        )
    return im


def _reason(exc: BaseException) -> str:
    """A short reason from a decoder exception, never file content."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def read_orientation(im: Image.Image) -> int:
    """The EXIF Orientation tag of ``im`` (1-8), or 1 when absent or invalid."""
    try:
        value = im.getexif().get(EXIF_ORIENTATION_TAG, 1)
    except Exception:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _high_byte(a: NDArray[np.generic]) -> NDArray[np.uint8]:
    """8-bit version of integer samples: unchanged when they fit, else scaled by their range."""
    lo, hi = int(a.min()), int(a.max())
    if lo >= 0 and hi <= 255:
        return a.astype(np.uint8)
    if lo >= 0 and hi <= 65535:
        return (a.astype(np.uint32) >> 8).astype(np.uint8)
    return _stretch(a.astype(np.float64), float(lo), float(hi))


def _stretch(a: NDArray[np.float64], lo: float, hi: float) -> NDArray[np.uint8]:
    if hi <= lo:
        return np.zeros(a.shape, dtype=np.uint8)
    return np.clip(np.rint((a - lo) * (255.0 / (hi - lo))), 0, 255).astype(np.uint8)


def _float_to_u8(a: NDArray[np.float32]) -> NDArray[np.uint8]:
    """8-bit version of float samples: [0, 1] scaled by 255, [0, 255] kept, else stretched."""
    finite = np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(finite.min()), float(finite.max())
    if lo >= 0.0 and hi <= 1.0:
        return np.clip(np.rint(finite * 255.0), 0, 255).astype(np.uint8)
    if lo >= 0.0 and hi <= 255.0:
        return np.clip(np.rint(finite), 0, 255).astype(np.uint8)
    return _stretch(finite, lo, hi)


def _deep_to_rgb(im: Image.Image) -> Image.Image:
    """RGB from single-band 16/32-bit integer or float images, scaled rather than clipped."""
    a = np.asarray(im)
    grey = _float_to_u8(a) if im.mode == "F" else _high_byte(a)
    return Image.fromarray(grey, "L").convert("RGB")


def _composite_on_white(im: Image.Image) -> Image.Image:
    rgba = im.convert("RGBA") if im.mode != "RGBA" else im
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    background.alpha_composite(rgba)
    return background.convert("RGB")


def to_rgb(im: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB following this module's colour rules."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode == "P":
        if "transparency" in im.info:
            return _composite_on_white(im.convert("RGBA"))
        return im.convert("RGB")
    if mode in _ALPHA_MODES:
        if mode == "La":
            im = im.convert("LA")
        return _composite_on_white(im)
    if mode in _DIRECT_MODES:
        return im.convert("RGB")
    if mode == "F" or mode == "I" or mode.startswith("I;16"):
        return _deep_to_rgb(im)
    try:
        return im.convert("RGB")
    except (ValueError, OSError) as exc:
        raise UnsupportedMedia(f"image colour mode {mode} is not supported") from exc


class PixelBudget:
    """Pixels (width x height) being decoded at once in this process, bounded by ``total``.

    Decoding takes about 4 bytes per pixel at its peak (more for images with alpha), so the
    budget bounds the memory concurrent decodes take together. A decode waits for room up to
    ``wait`` seconds, then gives up with ``Busy`` (503 with ``Retry-After``).
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.in_use = 0
        self._room = threading.Condition()

    @contextmanager
    def reserve(self, pixels: int, wait: float, name: str = "image") -> Iterator[None]:
        """Hold ``pixels`` of the budget for the ``with`` block."""
        if pixels > self.total:
            raise TooLarge(
                f"{name}: {pixels} pixels is over the decoding budget of {self.total} "
                "(CHILDGUARD_DECODE_PIXEL_BUDGET)"
            )
        deadline = time.monotonic() + wait
        with self._room:
            while self.in_use + pixels > self.total:
                left = deadline - time.monotonic()
                if left <= 0 or not self._room.wait(left):
                    if self.in_use + pixels <= self.total:
                        break
                    raise Busy(
                        f"{name}: the server is decoding other large images; retry shortly "
                        "(CHILDGUARD_DECODE_PIXEL_BUDGET)",
                        retry_after=max(1.0, wait),
                    )
            self.in_use += pixels
        try:
            yield
        finally:
            if pixels >= TRIM_AFTER_PIXELS:
                trim_heap()  # before the next decode may start: this thread's arena is free
            with self._room:
                self.in_use -= pixels
                self._room.notify_all()


#: Decodes at least this large give their freed memory back to the system when done.
TRIM_AFTER_PIXELS = 8_000_000

_budgets: dict[int, PixelBudget] = {}
_budgets_lock = threading.Lock()


def pixel_budget(settings: Settings) -> PixelBudget:
    """The process's budget for ``settings.decode_pixel_budget`` (shared by every decode)."""
    with _budgets_lock:
        budget = _budgets.get(settings.decode_pixel_budget)
        if budget is None:
            budget = _budgets[settings.decode_pixel_budget] = PixelBudget(
                settings.decode_pixel_budget
            )
        return budget


@contextmanager
def decoding(
    source: Path | MediaFile, settings: Settings, *, draft: tuple[int, int] | None = None
) -> Iterator[DecodedImage]:
    """``decode_image`` holding the image's share of the pixel budget until the block ends.

    Use it when the pixels are processed after decoding (hashing), so the budget covers them;
    the image is closed (its pixels freed) when the block ends.
    """
    path = source if isinstance(source, Path) else source.path
    im = _open_checked(source, settings)
    pixels = im.size[0] * im.size[1]
    im.close()
    with pixel_budget(settings).reserve(pixels, settings.decode_wait_seconds, path.name):
        decoded = _decode(source, settings, draft)
        try:
            yield decoded
        finally:
            decoded.image.close()  # the pixels go before the budget makes room for others


def decode_image(
    source: Path | MediaFile, settings: Settings, *, draft: tuple[int, int] | None = None
) -> DecodedImage:
    """Decode the first frame of an image (a path, or a sniffed file on disk or in memory).

    Pixels are 8-bit RGB as stored. Raises ``TooLarge`` before decoding when width x height
    exceeds ``settings.max_pixels``, ``HashingError`` for truncated or corrupt files,
    ``UnsupportedMedia`` when no decoder reads it. ``draft`` asks JPEG decoding for a reduced
    size of at least that (width, height): faster, but the pixels differ slightly from a full
    decode (never use it for reference-exact hashes). The decode waits for its share of the
    process's pixel budget (``Busy`` when none frees up in time).
    """
    path = source if isinstance(source, Path) else source.path
    im = _open_checked(source, settings)
    pixels = im.size[0] * im.size[1]
    im.close()
    with pixel_budget(settings).reserve(pixels, settings.decode_wait_seconds, path.name):
        return _decode(source, settings, draft)


def _decode(
    source: Path | MediaFile, settings: Settings, draft: tuple[int, int] | None
) -> DecodedImage:
    path = source if isinstance(source, Path) else source.path
    im = _open_checked(source, settings)
    rgb: Image.Image | None = None
    try:
        stored_size = im.size
        fmt = im.format
        if draft is not None and fmt in ("JPEG", "MPO"):
            im.draft("RGB", draft)
        _load_complete(im, path)
        source_mode = im.mode
        orientation = read_orientation(im)
        rgb = to_rgb(im)
        if rgb is im and getattr(im, "fp", None) is not None:
            # Multi-frame files (and files read from memory) keep their file open, and closing
            # the image would also drop these pixels: close only the file (no copy of the
            # pixels, which would double the memory of a huge image). Only frame 0 is used.
            _close_file(im)
        return DecodedImage(rgb, orientation, fmt, source_mode, stored_size)
    except MemoryError as exc:
        raise HashingError(f"{path.name}: not enough memory to decode this image") from exc
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise HashingError(f"{path.name}: corrupt or truncated image ({_reason(exc)})") from exc
    finally:
        if rgb is not im:
            im.close()


def _close_file(im: ImageFile.ImageFile) -> None:
    """Close the file ``im`` reads from, keeping its loaded pixels."""
    fp = im.fp
    im.fp = None
    if fp is not None and getattr(im, "_exclusive_fp", False):
        fp.close()


def _load_complete(im: ImageFile.ImageFile, path: Path) -> None:
    """Load the pixels, refusing truncated data even if Pillow is set to tolerate it."""
    im.load()
    # With ImageFile.LOAD_TRUNCATED_IMAGES set (by some other library), Pillow pads a truncated
    # JPEG with grey and marks it with ``_ended``; a hash of that padding would be meaningless.
    if getattr(im, "_ended", False):
        raise HashingError(
            f"{path.name}: corrupt or truncated image (data ends before the last pixel)"
        )


_ORIENTATION_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def orientation_transpose(orientation: int) -> Image.Transpose | None:
    """The Pillow transpose that shows an image upright for EXIF ``orientation`` (None for 1)."""
    return _ORIENTATION_TRANSPOSE.get(orientation)


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """``image`` turned the way its EXIF ``orientation`` says a viewer shows it."""
    method = orientation_transpose(orientation)
    return image if method is None else image.transpose(method)
