"""``IntelEngine``: every intelligence signal for one file, each with its explanation.

Photos get metadata, a face count, a nudity score and, when the cheap detector says the image
likely holds text, OCR whose text goes through the text-risk engine (an advertisement with a
phone number or a messaging handle raises ``CSAM_TRADE`` with its entities). Videos get their
QuickTime metadata. The models are loaded once per engine, on first use; each signal can be
switched off in the settings. A signal that fails is reported as that signal's ``error`` and
never fails the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PIL import ImageOps

from childguard.config import Settings
from childguard.errors import ChildguardError
from childguard.media.decode import open_image
from childguard.media.intel.metadata import Metadata, photo_metadata, quicktime_metadata
from childguard.media.intel.shared_image import FACE_SIDE, SharedImage
from childguard.media.signals.base import ContentKind, MediaFile

if TYPE_CHECKING:
    from childguard.media.intel.faces import FaceCounter
    from childguard.media.intel.nudity import NudityScorer
    from childguard.textrisk.engine import RiskEngine

#: Characters of recognised text kept in the report.
MAX_TEXT_CHARS = 2000


@dataclass
class IntelReport:
    """The intelligence signals of one file."""

    metadata: Metadata
    faces: int | None = None
    nudity: dict[str, Any] | None = None
    text: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)
    milliseconds: float = 0.0

    @property
    def nudity_score(self) -> float:
        """NudeNet's score, 0 when not computed."""
        return float(self.nudity["score"]) if self.nudity else 0.0

    @property
    def text_risk(self) -> float:
        """The highest text-risk score of the text read in the image, 0 when none."""
        if not self.text or not self.text.get("risk"):
            return 0.0
        return float(max(self.text["risk"].values()))

    def to_public(self) -> dict[str, Any]:
        """JSON form with an explanation per signal."""
        out: dict[str, Any] = {"metadata": self.metadata.to_public()}
        if self.faces is not None:
            out["faces"] = {
                "count": self.faces,
                "explanation": "frontal faces from about 15 % of the long side, found by "
                "OpenCV's bundled Haar cascade (frontalface_alt2)",
            }
        if self.nudity is not None:
            out["nudity"] = {
                **self.nudity,
                "explanation": "highest confidence of an exposed body-part class; orders "
                "review only",
            }
        if self.text is not None:
            out["text"] = self.text
        if self.errors:
            out["errors"] = self.errors
        out["milliseconds"] = round(self.milliseconds, 1)
        return out


class IntelEngine:
    """Runs the intelligence signals enabled in ``settings``; one per process, reused."""

    def __init__(self, settings: Settings, risk_engine: Callable[[], RiskEngine]) -> None:
        self.settings = settings
        self._risk_engine = risk_engine
        self._faces: FaceCounter | None = None
        self._nudity: NudityScorer | None = None

    def faces(self) -> FaceCounter:
        """The face counter, loaded on first use."""
        if self._faces is None:
            from childguard.media.intel.faces import FaceCounter

            self._faces = FaceCounter()
        return self._faces

    def nudity(self) -> NudityScorer:
        """The nudity scorer, loaded on first use."""
        if self._nudity is None:
            from childguard.media.intel.nudity import NudityScorer

            self._nudity = NudityScorer()
        return self._nudity

    def analyze(self, media: MediaFile) -> IntelReport:
        """Every enabled signal of one sniffed file."""
        started = time.perf_counter()
        if media.kind == ContentKind.VIDEO:
            with media.open() as handle:
                report = IntelReport(quicktime_metadata(handle, media.size))
        elif media.kind == ContentKind.PHOTO:
            report = self._photo(media)
        else:
            report = IntelReport(Metadata())
        report.milliseconds = (time.perf_counter() - started) * 1000
        return report

    def _photo(self, media: MediaFile) -> IntelReport:
        settings = self.settings
        with media.open() as handle, open_image(handle) as image:
            report = IntelReport(photo_metadata(image))
            shared = SharedImage.decode(image)
        if settings.intel_faces:
            report.faces = self._guard(
                report, "faces", lambda: self.faces().count(shared.grey_at_most(FACE_SIDE))
            )
        if settings.intel_nudity:
            from childguard.media.intel.nudity import INPUT_SIZE

            report.nudity = self._guard(
                report, "nudity", lambda: self.nudity().score_square(shared.square(INPUT_SIZE))
            )
        if settings.intel_ocr:
            report.text = self._guard(report, "text", lambda: self._text(media, shared.grey))
        return report

    @staticmethod
    def _guard(report: IntelReport, name: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except ChildguardError as exc:
            report.errors[name] = exc.message
        except (OSError, ValueError, RuntimeError) as exc:
            report.errors[name] = f"{type(exc).__name__}: {exc}"[:300]
        return None

    def _text(self, media: MediaFile, grey: Any) -> dict[str, Any]:
        from childguard.media.intel.ocr import read_text
        from childguard.media.intel.textdetect import detect_text

        likely = detect_text(grey)
        out: dict[str, Any] = {"likely": likely.likely, "regions": likely.regions}
        if not likely.likely:
            out["explanation"] = "the text detector found no text lines; OCR skipped"
            return out
        with media.open() as handle, open_image(handle) as image:
            full = ImageOps.exif_transpose(image.convert("RGB"))
        text = read_text(full, self.settings.intel_ocr_languages)
        out["chars"] = len(text)
        out["text"] = text[:MAX_TEXT_CHARS]
        if not text:
            out["explanation"] = "text lines detected but Tesseract read nothing"
            return out
        out.update(analyze_image_text(text, self._risk_engine()))
        return out


def analyze_image_text(text: str, engine: RiskEngine) -> dict[str, Any]:
    """The text-risk verdict of text read in an image (analysed as a one-message conversation)."""
    from childguard.textrisk.engine import analyze_conversation

    result = analyze_conversation(
        {"id": "image-text", "messages": [{"sender": "image", "text": text}]}, engine
    )
    return {
        "languages": result["languages"],
        "flagged": result["flagged"],
        "risk": result["risk"],
        "entities": result["entities"],
        "findings": result["findings"],
        "explanation": "text read by Tesseract, analysed by the text-risk engine",
    }
