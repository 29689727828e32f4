"""A small hand-built model, so engine tests do not depend on what the shipped model learnt."""

from __future__ import annotations

import numpy as np
import pytest

from childguard.config import Settings
from childguard.textrisk.engine import RiskEngine
from childguard.textrisk.model import TextModel
from childguard.textrisk.recognizers import LABELS
from childguard.textrisk.scoring import N_FEATURES

STAGE_SHARE = 3  # index of the stage-share feature in scoring.FEATURE_NAMES


def make_model(n_features: int = 1 << 10) -> TextModel:
    """Message heads that always say 'not risky'; a conversation scorer driven only by the share
    of a label's stages seen: p = sigmoid(12 * share - 4), i.e. over 0.5 from 1/3 of the stages."""
    n_labels = len(LABELS)
    conv_w = np.zeros((n_labels, N_FEATURES))
    conv_w[:, STAGE_SHARE] = 12.0
    return TextModel(
        labels=LABELS,
        stages=("secrecy_isolation",),
        stage_labels=("GROOMING",),
        n_features=n_features,
        label_weights=np.zeros((n_features, n_labels), dtype=np.float32),
        label_bias=np.full(n_labels, -6.0, dtype=np.float32),
        platt=np.tile([1.0, 0.0], (n_labels, 1)),
        stage_weights=np.zeros((n_features, 1), dtype=np.float32),
        stage_bias=np.zeros(1, dtype=np.float32),
        conversation_weights=conv_w,
        conversation_bias=np.full(n_labels, -4.0),
        name="tiny",
    )


@pytest.fixture
def tiny_model() -> TextModel:
    return make_model()


@pytest.fixture
def engine(settings: Settings, tiny_model: TextModel) -> RiskEngine:
    return RiskEngine(settings, tiny_model)
