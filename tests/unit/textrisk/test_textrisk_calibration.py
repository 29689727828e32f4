"""Thresholds calibrated per label and language, the language key of a conversation, and the
settings that override them."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from childguard.config import Settings
from childguard.textrisk import training
from childguard.textrisk.engine import RiskEngine, analyze_conversation
from childguard.textrisk.model import TextModel
from childguard.textrisk.recognizers import LABELS
from childguard.textrisk.scoring import (
    EVIDENCE_FEATURES,
    N_FEATURES,
    combined_probabilities,
    language_key,
    threshold_for,
    threshold_key,
)
from childguard.textrisk.training import (
    MIN_CELL_POSITIVES,
    THRESHOLD_FLOOR,
    THRESHOLD_SPREAD,
    add_one_message_thresholds,
    calibrate_thresholds,
)


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
    # Khmer positives score around 0.8, English ones around 0.95; negatives around 0.4 / 0.85.
    for i, key in enumerate(keys):
        pos = truth[i, 0] == 1
        centre = (0.8 if pos else 0.4) if key == "km" else (0.95 if pos else 0.85)
        risk[i, 0] = centre + rng.normal(0, 0.01)
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


def test_no_threshold_goes_under_the_floor() -> None:
    # A cell whose F1-best cut is low (positives ~0.3, negatives ~0.1) still gets the floor.
    n = 200
    keys = ["en"] * n
    truth = np.zeros((n, len(LABELS)), dtype=np.int64)
    truth[::3, 2] = 1
    risk = np.where(truth == 1, 0.3, 0.1).astype(float)
    thresholds = calibrate_thresholds(truth, risk, keys)
    assert thresholds["BULLYING"]["*"] == THRESHOLD_FLOOR
    assert thresholds["BULLYING"]["en"] == THRESHOLD_FLOOR


def test_a_language_threshold_stays_near_the_labels() -> None:
    # Khmer's own cut would be about 0.2 (positives ~0.3); it is kept within THRESHOLD_SPREAD
    # of the label's overall threshold (English dominates it at about 0.9).
    n = 600
    keys = ["km"] * 100 + ["en"] * 500
    truth = np.zeros((n, len(LABELS)), dtype=np.int64)
    truth[::4, 0] = 1
    risk = np.zeros((n, len(LABELS)))
    for i, key in enumerate(keys):
        pos = truth[i, 0] == 1
        risk[i, 0] = (0.3 if pos else 0.1) if key == "km" else (0.95 if pos else 0.85)
    thresholds = calibrate_thresholds(truth, risk, keys)
    overall = thresholds["GROOMING"]["*"]
    assert overall > 0.85
    assert thresholds["GROOMING"]["km"] == round(overall - THRESHOLD_SPREAD, 4)


def test_weights_decide_how_much_each_conversation_moves_the_threshold() -> None:
    # 20 positives at 0.9; 20 positives and 20 hard negatives tied at 0.6; 40 negatives at 0.1.
    # Cutting under 0.6 gains 20 positives for 20 hard negatives: worth it while the hard
    # negatives weigh 1 (F1 0.8 against 0.67), not when each weighs 10 (F1 0.29).
    n = 100
    keys = ["en"] * n
    truth = np.zeros((n, len(LABELS)), dtype=np.int64)
    truth[:40, 0] = 1
    risk = np.zeros((n, len(LABELS)))
    risk[:20, 0] = 0.9
    risk[20:60, 0] = 0.6
    risk[60:, 0] = 0.1
    heavy = np.ones(n)
    heavy[40:60] = 10.0
    low = calibrate_thresholds(truth, risk, keys)["GROOMING"]["*"]
    high = calibrate_thresholds(truth, risk, keys, heavy)["GROOMING"]["*"]
    assert low <= 0.6 < high < 0.9
    # Unweighted equals weight 1 everywhere.
    assert calibrate_thresholds(truth, risk, keys) == calibrate_thresholds(
        truth, risk, keys, np.ones(n)
    )


def test_the_evidence_scorer_ignores_the_message_model_and_the_higher_score_wins() -> None:
    rng = np.random.default_rng(1)
    features = rng.uniform(0, 1, size=(4, len(LABELS), N_FEATURES))
    weights = np.zeros((len(LABELS), N_FEATURES))
    evidence_w = np.zeros((len(LABELS), N_FEATURES))
    evidence_w[:, list(EVIDENCE_FEATURES)] = 3.0
    bias, evidence_b = np.full(len(LABELS), -5.0), np.full(len(LABELS), -2.0)
    both = combined_probabilities(features, weights, bias, evidence_w, evidence_b)
    alone = combined_probabilities(features, weights, bias, None, None)
    assert np.all(both >= alone) and np.any(both > alone)
    # Changing the features that come from the message model leaves the evidence score alone.
    model_columns = [i for i in range(N_FEATURES) if i not in EVIDENCE_FEATURES]
    other = features.copy()
    other[:, :, model_columns] = 0.0
    assert np.allclose(combined_probabilities(other, weights, bias, evidence_w, evidence_b), both)


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


def test_an_early_warning_objective_lowers_the_cut_that_only_finished_chats_cross(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 20 grooming chats end at 0.95, but 10 of them reach only 0.7 within the early window;
    # 3 hard negatives at 0.8, 60 negatives at 0.1. F1 alone cuts above 0.8 (every finished
    # chat, no false alarm); weighing early warning, a cut under 0.7 warns early on all 20 for 3
    # false alarms.
    monkeypatch.setattr(training, "EARLY_CALIBRATION_WEIGHT", 0.5)
    n = 83
    keys = ["en"] * n
    truth = np.zeros((n, len(LABELS)), dtype=np.int64)
    truth[:20, 0] = 1
    risk = np.full((n, len(LABELS)), 0.1)
    risk[:20, 0] = 0.95
    risk[20:23, 0] = 0.8
    early = risk[:, 0].copy()
    early[10:20] = 0.7
    plain = calibrate_thresholds(truth, risk, keys)["GROOMING"]["*"]
    weighed = calibrate_thresholds(truth, risk, keys, None, {0: early})["GROOMING"]["*"]
    assert 0.8 < plain < 0.95
    assert THRESHOLD_FLOOR <= weighed <= 0.7
    # Other labels keep their F1-best thresholds.
    assert (
        calibrate_thresholds(truth, risk, keys, None, {0: early})["SEXTORTION"]
        == calibrate_thresholds(truth, risk, keys)["SEXTORTION"]
    )


def _slow_f1(
    y: NDArray[np.int64], weight: NDArray[np.float64], values: NDArray[np.float64], cut: float
) -> float:
    hit = values >= cut
    positives = float(weight[y == 1].sum()) or 1e-9
    return float(2 * weight[hit & (y == 1)].sum() / (weight[hit].sum() + positives))


def test_the_early_warning_threshold_is_the_best_cut_by_brute_force() -> None:
    # Ties, weights and cuts that only the early risk reaches: every candidate cut is scored
    # the slow way and the fast search must land on the same one (the middle of the cuts that
    # come within the plateau tolerance of the best).
    rng = np.random.default_rng(3)
    for _ in range(50):
        n = int(rng.integers(5, 120))
        y = (rng.random(n) < 0.3).astype(np.int64)
        score = np.round(rng.random(n), 1)
        early = np.minimum(score, np.round(rng.random(n), 2))
        weight = rng.choice([1.0, 0.2], n)
        cuts = np.unique(np.concatenate([score, early]))[::-1]
        objective = [
            _slow_f1(y, weight, score, float(c))
            + training.EARLY_CALIBRATION_WEIGHT * _slow_f1(y, weight, early, float(c))
            for c in cuts
        ]
        top = max(objective)
        scale = 1.0 + training.EARLY_CALIBRATION_WEIGHT
        near = [i for i, o in enumerate(objective) if o >= top - training.PLATEAU_TOLERANCE * scale]
        best = near[len(near) // 2]
        below = cuts[best + 1] if best + 1 < cuts.size else 0.0
        expected = float(np.clip((cuts[best] + below) / 2.0, 0.05, 0.95))
        got = training._best_early_f1_threshold(y, score, early, weight)
        assert got == pytest.approx(expected)


def test_a_one_message_input_has_its_own_threshold_key_falling_back_to_its_languages() -> None:
    assert threshold_key("vi", 1) == "vi/1"
    assert threshold_key("vi", 2) == "vi"
    thresholds = {"BULLYING": {"*": 0.8, "vi": 0.85, "vi/1": 0.55}}
    assert threshold_for(thresholds, "BULLYING", "vi/1") == 0.55
    assert threshold_for(thresholds, "BULLYING", "vi") == 0.85
    assert threshold_for(thresholds, "BULLYING", "km/1") == 0.8  # no km ones: the label's
    assert threshold_for({"BULLYING": {"*": 0.8, "en": 0.7}}, "BULLYING", "en/1") == 0.7


def test_one_message_thresholds_are_set_on_one_message_inputs_only() -> None:
    # Toxic comments score around 0.6, harmless ones around 0.2; conversations sit higher
    # (positives 0.95, banter 0.85) and keep the threshold set for them.
    rng = np.random.default_rng(1)
    comments, chats = 200, 120
    keys = ["vi/1"] * comments + ["vi"] * chats + ["km/1"] * 10
    n = len(keys)
    truth = np.zeros((n, len(LABELS)), dtype=np.int64)
    bullying = LABELS.index("BULLYING")
    truth[0:comments:2, bullying] = 1
    truth[comments : comments + chats : 3, bullying] = 1
    truth[comments + chats :: 2, bullying] = 1
    risk = np.zeros((n, len(LABELS)))
    for i in range(n):
        pos = truth[i, bullying] == 1
        centre = (0.6 if pos else 0.2) if keys[i].endswith("/1") else (0.95 if pos else 0.85)
        risk[i, bullying] = centre + rng.normal(0, 0.02)
    chats_only = [k for k in keys if not k.endswith("/1")]
    span = slice(comments, comments + chats)
    thresholds = calibrate_thresholds(truth[span], risk[span], chats_only)
    before = {label: dict(per) for label, per in thresholds.items()}
    add_one_message_thresholds(thresholds, truth, risk, keys)
    one = thresholds["BULLYING"]["vi/1"]
    assert THRESHOLD_FLOOR <= one < thresholds["BULLYING"]["vi"]
    mask = np.asarray(keys) == "vi/1"
    flagged = risk[mask, bullying] >= one
    assert flagged.sum() > 0.9 * truth[mask, bullying].sum()
    # Too few Khmer comments for a cut of their own; nothing else moved.
    assert "km/1" not in thresholds["BULLYING"]
    thresholds["BULLYING"].pop("vi/1")
    assert thresholds == before


def test_the_engine_reads_one_message_inputs_with_their_own_threshold(
    tiny_model: TextModel,
) -> None:
    # The same line alone crosses a one-message cut of 0.05; in a two-message chat it meets the
    # conversation threshold of 0.99 and is not flagged.
    model = _model_with_thresholds(tiny_model, {"GROOMING": {"*": 0.99, "en/1": 0.05}})
    engine = RiskEngine(Settings(), model)
    line = {"sender": "A", "text": "are your parents home?"}
    alone = analyze_conversation([line], engine)
    in_chat = analyze_conversation([line, {"sender": "B", "text": "ok"}], engine)
    assert alone["risk"]["GROOMING"] >= 0.05
    assert "GROOMING" in alone["flagged"]
    assert "GROOMING" not in in_chat["flagged"]


def test_the_early_warning_threshold_is_the_middle_of_a_flat_best_not_its_noisiest_peak(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Positives and negatives that overlap widely make the objective flat, and which single cut
    wins moves with one example: leaving out any one positive moves the single best cut by more
    than the middle of the near-best cuts moves."""
    rng = np.random.default_rng(23)
    pos, neg = rng.uniform(0.5, 0.95, 40), rng.uniform(0.2, 0.85, 80)
    y = np.concatenate([np.ones(40), np.zeros(80)]).astype(np.int64)
    score = np.concatenate([pos, neg])
    early = score.copy()
    weight = np.ones(y.size)

    def largest_move() -> float:
        with_all = training._best_early_f1_threshold(y, score, early, weight)
        moves = []
        for left_out in range(40):
            keep = np.arange(y.size) != left_out
            cut = training._best_early_f1_threshold(y[keep], score[keep], early[keep], weight[keep])
            moves.append(abs(cut - with_all))
        return max(moves)

    plateau = largest_move()
    monkeypatch.setattr(training, "PLATEAU_TOLERANCE", 0.0)
    single = largest_move()
    assert plateau < 0.05 < single
