"""Thresholds calibrated per label and language, the language key of a conversation, and the
settings that override them."""

from __future__ import annotations

import numpy as np

from childguard.config import Settings
from childguard.textrisk.engine import RiskEngine, analyze_conversation
from childguard.textrisk.model import TextModel
from childguard.textrisk.recognizers import LABELS
from childguard.textrisk.scoring import language_key, threshold_for
from childguard.textrisk.training import MIN_CELL_POSITIVES, calibrate_thresholds


def test_language_key_is_the_commonest_language_or_mixed() -> None:
    assert language_key(["km", "km", "und", "km"]) == "km"
    assert language_key(["vi", "vi", "vi", "vi", "vi", "en"]) == "vi"  # one in six: not mixed
    assert language_key(["km", "en", "km", "en"]) == "mixed"
    assert language_key(["und", "und"]) == "en"


def test_each_language_gets_its_own_threshold_when_it_has_enough_examples() -> None:
    rng = np.random.default_rng(0)
    n = 400
    keys = ["km"] * (n // 2) + ["en"] * (n // 2)
    truth = np.zeros((n, len(LABELS)), dtype=np.int64)
    truth[::4, 0] = 1
    risk = np.zeros((n, len(LABELS)))
    # Khmer positives score around 0.3, English ones around 0.8; negatives around 0.1 / 0.5.
    for i, key in enumerate(keys):
        pos = truth[i, 0] == 1
        centre = (0.3 if pos else 0.1) if key == "km" else (0.8 if pos else 0.5)
        risk[i, 0] = centre + rng.normal(0, 0.02)
    thresholds = calibrate_thresholds(truth, risk, keys)
    km, en = thresholds["GROOMING"]["km"], thresholds["GROOMING"]["en"]
    assert km < en
    # Each language's threshold separates its own positives from its negatives better than the
    # other language's threshold would.
    km_mask = np.asarray(keys) == "km"
    assert np.all((risk[km_mask, 0] >= km) == (truth[km_mask, 0] == 1))
    assert not np.all((risk[km_mask, 0] >= en) == (truth[km_mask, 0] == 1))
    # A label without positives keeps the neutral threshold.
    assert thresholds["SEXTORTION"] == {"*": 0.5}


def test_a_language_with_few_positives_falls_back_to_the_label_threshold() -> None:
    n = 200
    keys = ["en"] * 150 + ["vi"] * 50
    truth = np.zeros((n, len(LABELS)), dtype=np.int64)
    truth[:60:2, 0] = 1
    truth[150 : 150 + MIN_CELL_POSITIVES - 1, 0] = 1
    risk = truth.astype(float) * 0.7 + 0.1
    thresholds = calibrate_thresholds(truth, risk, keys)
    assert "vi" not in thresholds["GROOMING"]
    assert threshold_for(thresholds, "GROOMING", "vi") == thresholds["GROOMING"]["*"]
    assert threshold_for({}, "GROOMING", "vi") == 0.5


def _model_with_thresholds(tiny: TextModel, thresholds: dict[str, dict[str, float]]) -> TextModel:
    tiny.metadata = {"thresholds": thresholds}
    return tiny


def test_engine_uses_the_models_threshold_for_the_conversations_language(
    tiny_model: TextModel,
) -> None:
    # The tiny scorer gives GROOMING 0.5 with 1/3 of the stages: flagged where the threshold is
    # 0.4 (Khmer here), not where it is 0.6 (English).
    model = _model_with_thresholds(tiny_model, {"GROOMING": {"*": 0.6, "km": 0.4}})
    engine = RiskEngine(Settings(), model)
    en = ["don't tell your parents", "are your parents home?", "send me a private pic"]
    km = ["កុំប្រាប់ប៉ាម៉ាក់ណា", "ឪពុកម្តាយនៅផ្ទះទេ?", "ផ្ញើរូបមកបងមើល"]
    en_result = analyze_conversation([{"sender": "A", "text": t} for t in en], engine)
    km_result = analyze_conversation([{"sender": "A", "text": t} for t in km], engine)
    assert en_result["risk"]["GROOMING"] < 0.6
    assert "GROOMING" not in en_result["flagged"]
    assert km_result["risk"]["GROOMING"] >= 0.4
    assert "GROOMING" in km_result["flagged"]


def test_a_threshold_setting_overrides_every_language(tiny_model: TextModel) -> None:
    model = _model_with_thresholds(tiny_model, {"GROOMING": {"*": 0.6, "km": 0.4}})
    engine = RiskEngine(Settings(textrisk_threshold_grooming=0.9), model)
    assert engine.thresholds["GROOMING"] == {"*": 0.9}
    km = ["កុំប្រាប់ប៉ាម៉ាក់ណា", "ឪពុកម្តាយនៅផ្ទះទេ?", "ផ្ញើរូបមកបងមើល"]
    result = analyze_conversation([{"sender": "A", "text": t} for t in km], engine)
    assert "GROOMING" not in result["flagged"]
