"""Text detection, OCR into the text-risk engine, nudity score, faces, priority (issue 20)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from childguard.config import Settings
from childguard.media.intel.analyze import IntelEngine, IntelReport, analyze_image_text
from childguard.media.intel.metadata import Metadata
from childguard.media.intel.priority import band, review_priority
from childguard.media.intel.textdetect import detect_text
from childguard.media.sniff import sniff_file
from childguard.textrisk.engine import RiskEngine

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
#: A non-graphic advertisement showing trade intent, with a handle and a phone number.
AD_LINES = (
    "New videos of young kids for sale",
    "Contact telegram @kidvids_shop",
    "or call 012 345 678",
)


def text_image(lines: tuple[str, ...], size: tuple[int, int] = (1000, 320)) -> Image.Image:
    font = ImageFont.truetype(str(FONT), 32) if FONT.exists() else ImageFont.load_default(32)
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 70 * i), line, fill="black", font=font)
    return img


def smooth_image(size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A benign smooth colour gradient: no text, no face, no skin."""
    x = np.linspace(0, 255, size[0], dtype=np.float32)
    y = np.linspace(0, 255, size[1], dtype=np.float32)
    r = np.add.outer(y * 0.2, x * 0.8).astype(np.uint8)
    g = np.add.outer(y * 0.7, x * 0.1).astype(np.uint8)
    b = np.full_like(r, 180)
    return Image.fromarray(np.dstack([r, g, b]))


@pytest.fixture(scope="module")
def risk_engine() -> RiskEngine:
    return RiskEngine.load(Settings())


def test_text_detector_separates_text_from_smooth_images() -> None:
    grey_text = np.asarray(text_image(AD_LINES).convert("L").resize((640, 205)))
    grey_plain = np.asarray(smooth_image().convert("L"))
    assert detect_text(grey_text).likely is True
    plain = detect_text(grey_plain)
    assert plain.likely is False and plain.regions < 3


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr not installed")
def test_ocr_of_an_advertisement_raises_csam_trade_with_entities(
    tmp_path: Path, risk_engine: RiskEngine
) -> None:
    path = tmp_path / "ad.png"
    text_image(AD_LINES).save(path)
    settings = Settings(data_dir=tmp_path, intel_nudity=False, intel_faces=False)
    report = IntelEngine(settings, lambda: risk_engine).analyze(sniff_file(path, settings))
    text = report.to_public()["text"]
    assert text["likely"] is True
    assert "telegram" in text["text"].lower()
    assert "CSAM_TRADE" in text["flagged"]
    types = {e["type"] for e in text["entities"]}
    assert {"phone", "handle"} <= types
    assert report.text_risk >= 0.5
    assert review_priority(settings, matched=False, report=report)["parts"]["text"] >= 10


def test_benign_text_is_not_flagged(risk_engine: RiskEngine) -> None:
    verdict = analyze_image_text("Fresh bread and coffee, open daily from 7 am", risk_engine)
    assert verdict["flagged"] == []


def test_nudity_and_faces_on_benign_images(tmp_path: Path) -> None:
    path = tmp_path / "plain.jpg"
    smooth_image().save(path, quality=90)
    settings = Settings(data_dir=tmp_path, intel_ocr=False)
    engine = IntelEngine(settings, lambda: RiskEngine.load(settings))
    report = engine.analyze(sniff_file(path, settings))
    assert report.faces == 0
    assert report.nudity is not None and 0.0 <= report.nudity["score"] < 0.2
    assert report.nudity["exposed"] == {}
    assert report.errors == {}
    public = report.to_public()
    assert public["metadata"]["stripped"] is True and "text" not in public


def test_signals_can_be_switched_off(tmp_path: Path) -> None:
    path = tmp_path / "plain.png"
    smooth_image((200, 100)).save(path)
    settings = Settings(data_dir=tmp_path, intel_ocr=False, intel_nudity=False, intel_faces=False)
    engine = IntelEngine(settings, lambda: RiskEngine.load(settings))
    public = engine.analyze(sniff_file(path, settings)).to_public()
    assert set(public) == {"metadata", "milliseconds"}


def test_priority_combines_signals_with_configurable_weights() -> None:
    report = IntelReport(Metadata(), faces=5, nudity={"score": 0.5}, text={"risk": {"X": 0.8}})
    default = review_priority(Settings(), matched=True, report=report)
    assert default["parts"] == {"match": 60.0, "text": 16.0, "nudity": 7.5, "faces": 5.0}
    assert default["score"] == 88.5 and default["band"] == "urgent"
    custom = review_priority(
        Settings(priority_weight_match=10, priority_weight_nudity=0), matched=True, report=report
    )
    assert custom["parts"]["match"] == 10.0 and custom["parts"]["nudity"] == 0.0
    assert review_priority(Settings(), matched=False, report=None)["score"] == 0.0
    assert [band(s) for s in (0, 10, 30, 60, 100)] == ["low", "normal", "high", "urgent", "urgent"]
