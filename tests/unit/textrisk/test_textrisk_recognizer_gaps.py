"""Phrasings the recognizers missed in the training split's cross-validation (issue 15): an
adult's ride or wait for a Vietnamese child, and English bullying by weapons, addresses and polls;
with the ordinary sentences that share their words."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import default_recognizers

RECOGNIZERS = default_recognizers()


def stages_of(text: str, label: str) -> set[str]:
    art = build_artifacts(text)
    return {
        f.stage or "" for r in RECOGNIZERS if r.applies_to(art) for f in r.analyze(art)
        if f.label == label
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "stage"),
    [("Mai chú chở cháu về nhé", "meeting"),
     ("anh đợi ở cổng sau trường lúc 5h", "meeting"),
     ("thứ 6 em trốn tiết cuối đi", "meeting"),
     ("nhớ xoá thông báo kẻo mẹ thấy", "secrecy_isolation"),
     ("tan học lúc mấy giờ", "access_profiling")],
)  # fmt: skip
def test_vietnamese_grooming_cues(text: str, stage: str) -> None:
    assert stage in stages_of(text, "GROOMING")


@pytest.mark.parametrize(
    "text", ["tao đợi mày ở cổng sau", "mẹ chở con về nhé", "mai đi học lúc mấy giờ"]
)
def test_peers_and_parents_are_no_grooming_meeting(text: str) -> None:
    assert "meeting" not in stages_of(text, "GROOMING")


@pytest.mark.parametrize(
    ("text", "stage"),
    [("if you show up tomorrow i'll bring my brother's knife", "threat"),
     ("we know your route home", "threat"),
     ("keep talking and i'll swat ur house", "threat"),
     ("lol i have ur address from ur wishlist", "doxxing"),
     ("here her number, spam her", "doxxing"),
     ("POLL: who's the ugliest girl in 7C", "humiliation"),
     ("ur family came here on a boat", "identity_hate"),
     ("just ignore him and make him quit", "exclusion")],
)  # fmt: skip
def test_english_bullying_cues(text: str, stage: str) -> None:
    assert stage in stages_of(text, "BULLYING")


@pytest.mark.parametrize(
    "text", ["bring a bat and a ball to practice", "what's her number? i want to invite her"]
)
def test_ordinary_sentences_are_no_bullying(text: str) -> None:
    assert not stages_of(text, "BULLYING")
