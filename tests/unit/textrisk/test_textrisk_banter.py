"""Banter among friends against a one-sided attack: the banter recognizer, the scorer features that
read it (banter, reciprocity, distress, other labels' evidence) and the evidence scorer that only
speaks once a recognizer found evidence of its label."""

from __future__ import annotations

import numpy as np
import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import CONTEXT, LABELS, STAGES, default_recognizers, generic
from childguard.textrisk.scoring import (
    FEATURE_NAMES,
    N_FEATURES,
    RECOGNIZER_SCORE,
    MessageEvidence,
    evidence_probabilities,
    prefix_features,
)

BULLYING = LABELS.index("BULLYING")
COUNTS = [len(STAGES[label]) for label in LABELS]


def column(name: str) -> int:
    return FEATURE_NAMES.index(name)


@pytest.mark.parametrize(
    "text",
    ["lol ur so bad 😂", "just kidding", "đùa thôi =))", "kkk", "ហាហា", "និយាយលេងទេ", "gg ez",
     "rematch tomorrow", "haha aeng noob"],
)  # fmt: skip
def test_banter_markers_in_every_language(text: str) -> None:
    found = generic.GenericBanterRecognizer().analyze(build_artifacts(text))
    assert [(f.label, f.stage) for f in found] == [(CONTEXT, "banter")]


@pytest.mark.parametrize("text", ["you are stupid", "the hat is red", "ha", "i'm going home"])
def test_no_banter_marker_in_plain_text(text: str) -> None:
    assert generic.GenericBanterRecognizer().analyze(build_artifacts(text)) == []


def test_khmer_wait_for_you_is_not_a_threat() -> None:
    art = build_artifacts("ok ចាំអូនមកយកល្ងាចនេះ")
    found = [f for r in default_recognizers() if r.applies_to(art) for f in r.analyze(art)]
    assert [f for f in found if f.label == "BULLYING"] == []


def _ev(rec: float = 0.0, banter: bool = False, distress: bool = False) -> MessageEvidence:
    recognizer = [0.0] * len(LABELS)
    recognizer[BULLYING] = rec
    return MessageEvidence([0.0] * len(LABELS), recognizer, banter=banter, distress=distress)


def test_one_sided_attack_and_traded_insults_get_different_features() -> None:
    attack = [_ev(0.7), _ev(distress=True), _ev(0.7)]
    trade = [_ev(0.7, banter=True), _ev(0.7, banter=True), _ev()]
    a = prefix_features(attack, COUNTS, 10, senders=["A", "B", "A"])[-1, BULLYING]
    t = prefix_features(trade, COUNTS, 10, senders=["A", "B", "A"])[-1, BULLYING]
    assert a[column("recognizer_evidence_one_sided")] == pytest.approx(0.7)
    assert t[column("recognizer_evidence_one_sided")] == 0.0
    assert (a[column("reciprocal")], t[column("reciprocal")]) == (0.0, 1.0)
    assert (a[column("distress")], t[column("distress")]) == (1.0, 0.0)
    assert a[column("evidence_times_banter_share")] == 0.0
    assert t[column("evidence_times_banter_share")] == pytest.approx(0.7 * 2 / 3)
    assert t[column("recognizer_evidence_times_banter_share")] == pytest.approx(0.7 * 2 / 3)


def test_banter_without_evidence_adds_nothing() -> None:
    """Laughs alone are common in any teenage chat: the banter features are interactions with the
    evidence, so a laugh cannot raise a label's features on its own."""
    rows = prefix_features([_ev(banter=True), _ev(banter=True)], COUNTS, 10)
    assert np.count_nonzero(rows) == 0


def test_other_labels_evidence_is_seen() -> None:
    ev = MessageEvidence([0.0, 0.9, 0.0, 0.0], [0.0, 0.8, 0.3, 0.0])
    row = prefix_features([ev], COUNTS, 10)[0, BULLYING]
    assert row[column("other_label_evidence")] == pytest.approx(0.9)
    assert row[column("recognizer_other_label_evidence")] == pytest.approx(0.8)


def test_the_evidence_scorer_is_silent_until_a_recognizer_finds_its_label() -> None:
    features = np.zeros((3, len(LABELS), N_FEATURES))
    features[2, BULLYING, RECOGNIZER_SCORE] = 0.6
    weights = np.zeros((len(LABELS), N_FEATURES))
    p = evidence_probabilities(features, weights, np.full(len(LABELS), 2.0))
    assert np.all(p[:2] == 0.0)
    assert p[2, BULLYING] == pytest.approx(1 / (1 + np.exp(-2.0)))
    assert p[2, 0] == 0.0


def test_a_pile_on_is_told_from_insults_traded_by_everyone() -> None:
    """Two classmates attack a third who sends nothing of it: a pile-on. Three friends who all
    trade insults, or one attacker alone, are not."""
    pile = [_ev(0.7), _ev(0.7), _ev(), _ev(0.7)]
    traded = [_ev(0.7), _ev(0.7), _ev(0.7)]
    alone = [_ev(0.7), _ev(), _ev(0.7)]
    p = prefix_features(pile, COUNTS, 10, senders=["A", "B", "C", "A"])[:, BULLYING]
    t = prefix_features(traded, COUNTS, 10, senders=["A", "B", "C"])[-1, BULLYING]
    a = prefix_features(alone, COUNTS, 10, senders=["A", "C", "A"])[-1, BULLYING]
    # the target's silence is seen once the target has written something
    assert p[1, column("recognizer_evidence_in_pile_on")] == 0.0
    assert p[2, column("recognizer_evidence_in_pile_on")] == pytest.approx(0.7)
    assert p[-1, column("evidence_in_pile_on")] == pytest.approx(0.7)
    assert t[column("evidence_in_pile_on")] == 0.0
    assert a[column("evidence_in_pile_on")] == 0.0
