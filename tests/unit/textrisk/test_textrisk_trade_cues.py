"""Abuse-material trade needs a content cue: sale, payment and contact cues alone (what any shop
chat has) add no CSAM_TRADE evidence until the chat names the content."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import LABELS, STAGES, default_recognizers
from childguard.textrisk.scoring import (
    FEATURE_NAMES,
    MessageEvidence,
    message_evidence,
    prefix_features,
)

TRADE = LABELS.index("CSAM_TRADE")
COUNTS = [len(STAGES[label]) for label in LABELS]
RECOGNIZERS = default_recognizers()
MAX_REC = FEATURE_NAMES.index("max_recognizer_score")
REC_SHARE = FEATURE_NAMES.index("recognizer_stage_share_in_window")


def evidence(text: str) -> MessageEvidence:
    art = build_artifacts(text)
    found = [f for r in RECOGNIZERS if r.applies_to(art) for f in r.analyze(art)]
    return message_evidence(found, [0.0] * len(LABELS), {}, LABELS, 0.5)


def trade_rows(*texts: str) -> list[tuple[float, float]]:
    rows = prefix_features([evidence(t) for t in texts], COUNTS, 10)
    return [(float(r[TRADE, MAX_REC]), float(r[TRADE, REC_SHARE])) for r in rows]


def test_a_sales_chat_adds_no_trade_evidence() -> None:
    rows = trade_rows("iphone 12, like new, dm me for price", "$300, pay via ABA", "deal")
    assert rows == [(0.0, 0.0)] * 3


def test_sale_cues_count_once_the_content_is_named() -> None:
    rows = trade_rows("dm me for price", "pay via ABA", "selling cp links, new folders")
    assert rows[1] == (0.0, 0.0)
    score, share = rows[2]
    assert score >= 0.8
    # advertising, offering and payment_contact: the held stages joined the content cue's
    assert share == pytest.approx(3 / COUNTS[TRADE])


@pytest.mark.parametrize(
    "text",
    ["selling kids stuff, size 4-6", "got a new cpu for sale", "pizza menu in the group",
     "selling girls stuff and shoes"],
)  # fmt: skip
def test_shop_words_are_no_coded_terms(text: str) -> None:
    art = build_artifacts(text)
    assert not [
        f for r in RECOGNIZERS if r.applies_to(art) for f in r.analyze(art)
        if f.label == "CSAM_TRADE"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text", ["he sells vids of local kids", "young girls video, who wants", "có clip nhí không"]
)
def test_content_named_without_coded_terms_is_a_content_cue(text: str) -> None:
    art = build_artifacts(text)
    stages = {
        f.stage for r in RECOGNIZERS if r.applies_to(art) for f in r.analyze(art)
        if f.label == "CSAM_TRADE"
    }  # fmt: skip
    assert stages & {"advertising", "requesting"}


def test_a_question_particle_is_no_content_cue() -> None:
    art = build_artifacts("ảnh này đẹp nhỉ, clip hay nhỉ")
    assert not [
        f for r in RECOGNIZERS if r.applies_to(art) for f in r.analyze(art)
        if f.label == "CSAM_TRADE"
    ]  # fmt: skip
