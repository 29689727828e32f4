"""Reading text in images with Tesseract (``khm``, ``vie``, ``eng`` by default) via pytesseract.

``read_text`` returns the recognised text of a PIL image, or raises ``ConfigurationError`` when
Tesseract or a language pack is missing (``make install`` installs them). The image is turned to
grey and bounded to ``MAX_OCR_SIDE`` pixels so that one huge image cannot take minutes.
"""

from __future__ import annotations

from PIL import Image

from childguard.errors import ConfigurationError

MAX_OCR_SIDE = 2400
#: Seconds one image may take in Tesseract.
OCR_TIMEOUT_SECONDS = 30


def read_text(image: Image.Image, languages: str) -> str:
    """The text Tesseract reads in ``image`` (languages ``+``-separated, e.g. ``khm+vie+eng``)."""
    import pytesseract

    grey = image.convert("L")
    if max(grey.size) > MAX_OCR_SIDE:
        grey.thumbnail((MAX_OCR_SIDE, MAX_OCR_SIDE))
    try:
        text: str = ""
        # One uniform block first: automatic layout (psm 3) finds no block in some short lines
        # of tall script (Khmer stacks consonants) and reads others out of order; it remains
        # the fallback for pages one block cannot read.
        for psm in (6, 3):
            text = pytesseract.image_to_string(
                grey, lang=languages, config=f"--psm {psm}", timeout=OCR_TIMEOUT_SECONDS
            )
            if len(text.strip()) >= 3:
                break
    except pytesseract.TesseractNotFoundError:
        raise ConfigurationError(
            "tesseract is not installed (run `make install` or set CHILDGUARD_INTEL_OCR=false)"
        ) from None
    except pytesseract.TesseractError as exc:
        raise ConfigurationError(
            f"tesseract failed for languages {languages!r} ({exc.message.strip()[:200]}); "
            "install the language packs or change CHILDGUARD_INTEL_OCR_LANGUAGES"
        ) from None
    except RuntimeError:  # pytesseract's timeout
        return ""
    return " ".join(text.split())
