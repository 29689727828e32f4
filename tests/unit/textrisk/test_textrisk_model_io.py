"""Model files: numpy arrays and JSON only (no pickle), clear errors for foreign files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from childguard.errors import InvalidInput, NotFound
from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.model import TextModel, feature_strings, hash_features

from .conftest import make_model


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = make_model()
    model.label_weights[5, 1] = 0.75
    path = model.save(tmp_path / "m.npz")
    assert path.with_suffix(".json").is_file()
    with np.load(path, allow_pickle=False) as arrays:
        assert "rows" in arrays.files
    loaded = TextModel.load(path)
    assert loaded.labels == model.labels
    assert loaded.label_weights[5, 1] == pytest.approx(0.75, abs=1e-3)
    np.testing.assert_allclose(loaded.conversation_weights, model.conversation_weights)


def test_missing_model_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        TextModel.load(tmp_path / "none.npz")


def test_foreign_json_is_refused(tmp_path: Path) -> None:
    path = make_model().save(tmp_path / "m.npz")
    path.with_suffix(".json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(InvalidInput, match="not a childguard-textrisk-model"):
        TextModel.load(path)


def test_corrupt_npz_is_refused(tmp_path: Path) -> None:
    path = make_model().save(tmp_path / "m.npz")
    path.write_bytes(b"not a zip")
    with pytest.raises(InvalidInput):
        TextModel.load(path)


def test_hashing_is_stable_and_normalised() -> None:
    strings = ["w:a", "w:b", "w:a"]
    idx, val = hash_features(strings, 1 << 10)
    again = hash_features(strings, 1 << 10)
    assert list(idx) == list(again[0])
    assert float(np.dot(val, val)) == pytest.approx(1.0)


def test_fast_feature_path_matches_the_training_path() -> None:
    model = make_model(1 << 12)
    for text in ["s3nd me a pic 👻 now", "em bao nhiêu tuổi", "អូនអាយុប៉ុន្មាន", "", "x" * 40]:
        art = build_artifacts(text)
        fast = model._features(art)
        slow = hash_features(feature_strings(art), 1 << 12)
        fast_order, slow_order = np.argsort(fast[0]), np.argsort(slow[0])
        assert list(fast[0][fast_order]) == list(slow[0][slow_order])
        np.testing.assert_allclose(fast[1][fast_order], slow[1][slow_order], rtol=1e-6)


def test_scores_are_probabilities() -> None:
    scores = make_model().score(build_artifacts("hello there"))
    assert all(0 < p < 0.01 for p in scores.probabilities.values())
