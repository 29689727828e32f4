"""A grooming warning is withdrawn from a long chat with no sign of a minor, and only then."""

from __future__ import annotations

import numpy as np
import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import (
    CONTEXT,
    LABELS,
    Explanation,
    Finding,
    default_recognizers,
)
from childguard.textrisk.scoring import (
    FEATURE_NAMES,
    N_FEATURES,
    SIGNLESS_GROOMING_FACTOR,
    SIGNLESS_GROOMING_MESSAGES,
    message_evidence,
    signless_grooming,
    withdraw_signless_grooming,
)

G = LABELS.index("GROOMING")
MAX_P = FEATURE_NAMES.index("max_message_probability")
MINOR = FEATURE_NAMES.index("minor_involved")
CUE = FEATURE_NAMES.index("minor_cue")


def features(messages: int, first_evidence: int | None, cue_at: int | None = None) -> np.ndarray:
    """Prefix features of a chat whose grooming evidence starts at ``first_evidence`` and whose
    scorer cue of a minor (if any) comes at ``cue_at``; cumulative, as in scoring."""
    out = np.zeros((messages, len(LABELS), N_FEATURES))
    if first_evidence is not None:
        out[first_evidence:, G, MAX_P] = 0.9
    if cue_at is not None:
        out[cue_at:, G, CUE] = 1.0
    return out


def test_long_chat_without_a_cue_is_withdrawn() -> None:
    f = features(SIGNLESS_GROOMING_MESSAGES + 3, first_evidence=2)
    assert signless_grooming(f, G, minor_sign=False)
    probs = np.full((f.shape[0], len(LABELS)), 0.8)
    out = withdraw_signless_grooming(f, probs, LABELS, False)
    assert np.allclose(out[:, G], 0.8 * SIGNLESS_GROOMING_FACTOR)
    others = [k for k in range(len(LABELS)) if k != G]
    assert np.allclose(out[:, others], 0.8)
    assert np.allclose(probs, 0.8)  # the input is left alone


@pytest.mark.parametrize(
    ("messages", "first", "sign"),
    [(SIGNLESS_GROOMING_MESSAGES, 0, False),  # one message short of the wait
     (SIGNLESS_GROOMING_MESSAGES + 5, 6, False),  # the evidence came late: still early days
     (SIGNLESS_GROOMING_MESSAGES + 5, 0, True),  # a sign of a minor came, however late
     (SIGNLESS_GROOMING_MESSAGES + 5, None, False)],  # no grooming evidence at all
)  # fmt: skip
def test_short_chats_and_chats_with_a_sign_keep_their_warning(
    messages: int, first: int | None, sign: bool
) -> None:
    f = features(messages, first)
    assert not signless_grooming(f, G, sign)
    probs = np.full((messages, len(LABELS)), 0.8)
    assert withdraw_signless_grooming(f, probs, LABELS, sign) is probs


def test_the_sign_of_a_minor_decides_over_the_broader_cue() -> None:
    """An age or place question is a scorer cue (``minor_cue``) but no sign of a minor: adults
    ask it too. Only the messages' ``minor_sign`` counts."""
    f = features(SIGNLESS_GROOMING_MESSAGES + 5, first_evidence=0, cue_at=3)
    assert signless_grooming(f, G, minor_sign=False)
    assert not signless_grooming(f, G, minor_sign=True)
    probs = np.full((f.shape[0], len(LABELS)), 0.8)
    assert np.allclose(withdraw_signless_grooming(f, probs, LABELS, False)[:, G], 0.4)


def test_minor_sign_of_a_message() -> None:
    def sign(*found: tuple[str, str]) -> bool:
        findings = [
            Finding(label, stage, 0.7, Explanation("recognizer", "T", "", (), 0.7))
            for label, stage in found
        ]
        return message_evidence(findings, [0.0] * len(LABELS), {}, LABELS, 0.5).minor_sign

    assert sign((CONTEXT, "stated_minor_age"))
    assert sign((CONTEXT, "minor_cue"))
    assert sign(("GROOMING", "risk_assessment"))
    assert not sign(("GROOMING", "access_profiling"))  # "how old r u", "where u from"
    assert not sign((CONTEXT, "stated_adult_age"), ("GROOMING", "flattery_romance"))


def test_a_minor_known_to_the_platform_keeps_the_warning() -> None:
    f = features(SIGNLESS_GROOMING_MESSAGES + 5, first_evidence=0)
    f[:, G, MINOR] = 1.0
    assert not signless_grooming(f, G, minor_sign=False)


def test_an_empty_chat_and_a_model_without_grooming() -> None:
    assert not signless_grooming(np.zeros((0, len(LABELS), N_FEATURES)), G, minor_sign=False)
    f = features(SIGNLESS_GROOMING_MESSAGES + 3, first_evidence=0)
    probs = np.full((f.shape[0], 2), 0.8)
    assert withdraw_signless_grooming(f, probs, ("BULLYING", "CSAM_TRADE"), False) is probs


@pytest.mark.parametrize(
    ("text", "is_sign"),
    [("r u alone?", False), ("is anyone with u rn", False), ("are your parents home?", True),
     ("who reads ur phone", True), ("em ở nhà một mình hả", True), ("ឯងនៅផ្ទះម្នាក់ឯងពេលណាខ្លះ?", True),
     ("are u home alone", True)],
)  # fmt: skip
def test_asking_whether_someone_is_alone_is_no_sign_but_asking_after_parents_is(
    text: str, is_sign: bool
) -> None:
    """Adults flirting ask "r u alone" too; "are your parents home", a phone that parents check
    and being home alone speak of a child."""
    artifacts = build_artifacts(text)
    findings = [
        f for r in default_recognizers() if r.applies_to(artifacts) for f in r.analyze(artifacts)
    ]
    assert any(f.stage == "risk_assessment" for f in findings)
    evidence = message_evidence(findings, [0.0] * len(LABELS), {}, LABELS, 0.5)
    assert evidence.minor_sign is is_sign
