"""Conversation-level scoring: risk accumulates over messages, grooming as a sequence of stages.

For every prefix of a conversation (messages 0..i) and every label, seven features summarise the
evidence so far; a logistic regression per label, trained on whole conversations, turns them into
a calibrated probability. Evaluating every prefix gives the earliest message at which the
conversation crossed its threshold.

Features (in order): the highest message probability so far; the mean of the three highest; the
highest recognizer score so far; the share of the label's stages seen within the stage window
(distinct stages, not repeated words: grooming is a sequence); a minor is involved (stated age or
participant data); an adult and a minor are both involved; log10(1 + number of risky messages).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

N_FEATURES = 7
FEATURE_NAMES = (
    "max_message_probability",
    "top3_mean_probability",
    "max_recognizer_score",
    "stage_share_in_window",
    "minor_involved",
    "adult_and_minor",
    "log_risky_messages",
)
RISKY = 0.5


@dataclass
class MessageEvidence:
    """What the engine learnt about one message, as input to the conversation scorer."""

    model: list[float]
    recognizer: list[float]
    stages: list[set[str]] = field(default_factory=list)
    minor: bool = False
    adult: bool = False


def prefix_features(
    evidence: list[MessageEvidence],
    stage_counts: list[int],
    window: int,
    minor_known: bool = False,
    adult_known: bool = False,
) -> NDArray[np.float64]:
    """Feature array of shape (messages, labels, N_FEATURES): one row per conversation prefix."""
    n = len(evidence)
    n_labels = len(stage_counts)
    out = np.zeros((n, n_labels, N_FEATURES), dtype=np.float64)
    best = [0.0] * n_labels
    top3: list[list[float]] = [[0.0, 0.0, 0.0] for _ in range(n_labels)]
    best_rec = [0.0] * n_labels
    last_seen: list[dict[str, int]] = [{} for _ in range(n_labels)]
    risky = [0] * n_labels
    minor, adult = minor_known, adult_known
    for i, ev in enumerate(evidence):
        minor = minor or ev.minor
        adult = adult or ev.adult
        for k in range(n_labels):
            p = ev.model[k]
            r = ev.recognizer[k]
            if p > best[k]:
                best[k] = p
            t = top3[k]
            if p > t[2]:
                t[2] = p
                t.sort(reverse=True)
            if r > best_rec[k]:
                best_rec[k] = r
            seen = last_seen[k]
            for stage in ev.stages[k] if ev.stages else ():
                seen[stage] = i
            if max(p, r) >= RISKY:
                risky[k] += 1
            in_window = sum(1 for j in seen.values() if i - j < window)
            row = out[i, k]
            row[0] = best[k]
            row[1] = (t[0] + t[1] + t[2]) / 3.0
            row[2] = best_rec[k]
            row[3] = in_window / stage_counts[k] if stage_counts[k] else 0.0
            row[4] = 1.0 if minor else 0.0
            row[5] = 1.0 if (minor and adult) else 0.0
            row[6] = math.log10(1 + risky[k])
    return out


def prefix_probabilities(
    features: NDArray[np.float64], weights: NDArray[np.float64], bias: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Probability per prefix and label, shape (messages, labels)."""
    logits = np.einsum("nlf,lf->nl", features, weights) + bias
    return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float64)
