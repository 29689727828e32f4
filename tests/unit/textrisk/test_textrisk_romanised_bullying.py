"""Bullying in romanised Khmer, exclusion said as "we're full", and a parent or relative
addressed with an emoji after the word."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import (
    CONTEXT,
    RiskRecognizer,
    default_recognizers,
    en,
    generic,
    vi,
)

ROMANISED = generic.GenericRomanisedKhmerRecognizer()
KIN = generic.GenericKinRecognizer()


def stages(recognizer: RiskRecognizer, text: str, label: str) -> set[str | None]:
    art = build_artifacts(text)
    return {f.stage for f in recognizer.analyze(art) if f.label == label}


@pytest.mark.parametrize(
    ("text", "stage"),
    [("merl rup ah ng mean muk dauch chkae 😂😂", "insult"),
     ("lag ey, a lngong, leng ot chesh kom leng", "insult"),
     ("haha kteuy dance", "identity_hate"),
     ("bye mi khmao", "identity_hate"),
     ("ah kmas ke, sa-ek kom mok sala tiet", "exclusion")],
)  # fmt: skip
def test_romanised_khmer_bullying(text: str, stage: str) -> None:
    assert stage in stages(ROMANISED, text, "BULLYING")


@pytest.mark.parametrize(
    "text", ["nham bay chrouk ot?", "lngach nis tov sala ot", "oun mok sala sa-ek te?"]
)
def test_romanised_khmer_without_an_insult(text: str) -> None:
    assert stages(ROMANISED, text, "BULLYING") == set()


@pytest.mark.parametrize(
    ("recognizer", "text", "excluded"),
    [(en.EnBullyingRecognizer(), "ya we're full sorry dara", True),
     (en.EnBullyingRecognizer(), "server's full again lol", True),
     (en.EnBullyingRecognizer(), "sorry we're full tonight, try tomorrow", False),
     (en.EnBullyingRecognizer(), "the team is full of good players", False),
     (vi.ViBullyingRecognizer(), "à server full rồi Khang ơi, sorry nha", True),
     (vi.ViBullyingRecognizer(), "à xe hết chỗ rồi á", True)],
)  # fmt: skip
def test_full_said_to_the_one_who_asks_to_join_is_exclusion(
    recognizer: RiskRecognizer, text: str, excluded: bool
) -> None:
    assert ("exclusion" in stages(recognizer, text, "BULLYING")) is excluded


@pytest.mark.parametrize(
    ("text", "kin"),
    [("ok mum 🤐", True), ("thanks mom ❤️", True),
     ("so fast. send auntie a pic with your cake", True), ("ok babe 🤫", False),
     ("send me a pic 🤫", False), ("dont tell ur mom 🤐", False)],
)  # fmt: skip
def test_a_parent_addressed_before_an_emoji_and_a_relative_speaking_of_themself(
    text: str, kin: bool
) -> None:
    assert ("kin" in stages(KIN, text, CONTEXT)) is kin


def test_the_default_set_reads_romanised_bullying_in_any_language() -> None:
    art = build_artifacts("ah khteuy rom ey nis")
    found = [f for r in default_recognizers() if r.applies_to(art) for f in r.analyze(art)]
    assert any(f.label == "BULLYING" and f.stage == "identity_hate" for f in found)
