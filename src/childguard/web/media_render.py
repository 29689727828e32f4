"""Server-side rendering of media for review: blurred, greyscale and drawing-like previews.

The console never sends an item's pixels unprotected before it is revealed: previews are made
here, at most ``PREVIEW_SIDE`` pixels on their long side, with the reviewer's rendering.
Videos are shown as a strip of keyframes made the same way (ffmpeg, never played automatically).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from childguard.errors import UnsupportedMedia
from childguard.people.wellness import BLUR_RADII, Rendering

PREVIEW_SIDE = 480
KEYFRAMES = 6


def _drawing_like(image: Image.Image) -> Image.Image:
    """Edges over flat colours: a drawing-like rendering that keeps the scene's layout."""
    flat = image.filter(ImageFilter.ModeFilter(7)).quantize(colors=8).convert("RGB")
    edges = ImageOps.invert(image.convert("L").filter(ImageFilter.FIND_EDGES))
    edges = edges.point(lambda v: 0 if v < 200 else 255)
    flat.paste((30, 30, 30), mask=ImageOps.invert(edges))
    return flat


def render_image(image: Image.Image, rendering: Rendering) -> bytes:
    """``image`` as a PNG preview with ``rendering`` applied."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    if rendering.drawing:
        image = _drawing_like(image)
    if rendering.greyscale:
        image = ImageOps.grayscale(image).convert("RGB")
    radius = BLUR_RADII[max(0, min(rendering.blur_level, len(BLUR_RADII) - 1))]
    if radius:
        image = image.filter(ImageFilter.GaussianBlur(radius))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def render_bytes(data: bytes, rendering: Rendering) -> bytes:
    """A rendered preview of an image given as bytes; ``UnsupportedMedia`` when not an image."""
    from childguard.media.decode import open_image

    try:
        with open_image(io.BytesIO(data)) as image:
            image.load()
            return render_image(image, rendering)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnsupportedMedia("this item cannot be shown as an image") from exc


def keyframe_strip(video: bytes, rendering: Rendering) -> bytes:
    """Up to ``KEYFRAMES`` keyframes of a video side by side, rendered, as one PNG."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise UnsupportedMedia("ffmpeg is not installed: video keyframes cannot be shown")
    with tempfile.TemporaryDirectory(prefix="cg-frames-") as tmp:
        source = Path(tmp) / "video"
        source.write_bytes(video)
        subprocess.run(
            [
                ffmpeg,
                "-v",
                "error",
                "-skip_frame",
                "nokey",
                "-i",
                str(source),
                "-vsync",
                "vfr",
                "-frames:v",
                str(KEYFRAMES),
                "-vf",
                "scale=160:-2",
                str(Path(tmp) / "f%02d.png"),
            ],
            check=False,
            capture_output=True,
            timeout=60,
        )
        frames = sorted(Path(tmp).glob("f*.png"))
        if not frames:
            raise UnsupportedMedia("no keyframe could be read from this video")
        images = [Image.open(f).convert("RGB") for f in frames]
    height = max(i.height for i in images)
    strip = Image.new("RGB", (sum(i.width for i in images), height), (0, 0, 0))
    x = 0
    for image in images:
        strip.paste(image, (x, 0))
        x += image.width
    out = io.BytesIO()
    processed = render_image(strip, rendering)
    out.write(processed)
    return out.getvalue()
