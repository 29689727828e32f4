"""Offline language identification (issue 5 §3)."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts


@pytest.mark.parametrize(
    ("text", "primary"),
    [
        ("អូនរៀនថ្នាក់ទីប៉ុន្មានហើយ", "km"),
        ("Em đang làm gì đó?", "vi"),
        ("em dang lam gi do, toi nay di choi khong", "vi"),
        ("ko bit nua, mk hok dc di", "vi"),
        ("what are you doing after school?", "en"),
        ("kys", "en"),
        ("stfu ngl", "en"),
        ("zzqx vbbn", "und"),
        ("", "und"),
        ("12345 !!!", "und"),
    ],
)
def test_primary_language(text: str, primary: str) -> None:
    assert build_artifacts(text).language == primary


def test_code_mixed_khmer_english_reports_both() -> None:
    art = build_artifacts("បងចង់ជួបអូន ok send me your photo please")
    assert set(art.languages) == {"km", "en"}


def test_code_mixed_vietnamese_english_reports_both() -> None:
    art = build_artifacts("em oi gui anh cai hinh di, just for me okay, please")
    assert set(art.languages) == {"vi", "en"}


def test_one_shared_short_word_does_not_make_english_vietnamese() -> None:
    art = build_artifacts("send me a pic of the homework please")
    assert art.languages == ("en",)
