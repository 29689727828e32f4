"""Ages said as a birth year ("e 2k12", "born 2011", "anh 9x"), answers to an age question that
open with a filler or spell the number ("dạ 13", "almost 14", "thirteen"), and spans of years
that are not anybody's age ("married 15 years", "12 years ago", "9-14 chnam")."""

from __future__ import annotations

from datetime import date

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import CONTEXT, RiskRecognizer, en, generic, km, vi
from childguard.textrisk.recognizers.generic import birth_year_age

AGE = generic.GenericAgeRecognizer()
ROMANISED = generic.GenericRomanisedKhmerRecognizer()
THIS_YEAR = date.today().year


def age_stages(text: str) -> list[str | None]:
    return [f.stage for f in AGE.analyze(build_artifacts(text)) if f.label == CONTEXT]


@pytest.mark.parametrize(
    "text",
    [f"e 2k{THIS_YEAR - 2013:02d} a", f"sinh năm {THIS_YEAR - 14}",
     f"I was born in {THIS_YEAR - 12}", f"{THIS_YEAR - 13} ạ",
     f"em sinh 2k{THIS_YEAR - 2012:02d}", f"ខ្ញុំកើតឆ្នាំ{THIS_YEAR - 13}",
     f"im a {THIS_YEAR - 12} baby"],
)  # fmt: skip
def test_a_childs_birth_year_states_a_minor_age(text: str) -> None:
    assert age_stages(text) == ["stated_minor_age"]


@pytest.mark.parametrize(
    "text",
    ["anh 9x nè", "chị đời 8x rồi", f"born in {THIS_YEAR - 30}", f"បងកើតឆ្នាំ {THIS_YEAR - 28}"],
)
def test_an_adults_birth_year_or_decade_states_an_adult_age(text: str) -> None:
    assert age_stages(text) == ["stated_adult_age"]


@pytest.mark.parametrize(
    "text",
    [f"my son was born in {THIS_YEAR - 12}", f"em trai e sinh {THIS_YEAR - 9}",
     f"{THIS_YEAR - 12} was a good year", f"in {THIS_YEAR - 12} we moved", "mua 2k12 cái"],
)  # fmt: skip
def test_somebody_elses_birth_year_or_a_date_states_nothing(text: str) -> None:
    assert age_stages(text) == []


def test_birth_year_age_reads_years_two_k_and_decades() -> None:
    today = date(2026, 6, 1)
    assert birth_year_age("2012", today) == 14
    assert birth_year_age("2k11", today) == 15
    assert birth_year_age("9x", today) == 31


@pytest.mark.parametrize(
    "text",
    ["ive been a teacher for 12 years", "we've been married 15 years", "12 years ago i moved here",
     "i lived there 10 yrs", "my parents are 6 yrs apart", "ធ្វើការ ៥ឆ្នាំមុន",
     "kids dance class (9-14 chnam)", "sách cho bé 3-10 tuổi", "ជាទូទៅ 9 ដល់ 15ឆ្នាំ",
     "thường từ 10 đến 15 tuổi", "thường từ 10 tới 15 tuổi", "between 12 and 14 years old"],
)  # fmt: skip
def test_a_span_of_years_or_an_age_range_is_nobodys_age(text: str) -> None:
    assert age_stages(text) == []


@pytest.mark.parametrize(
    "text",
    ["im 13 years old", "13 yrs", "im 14 yrs", "ur more mature than most 11 yr olds",
     "ខ្ញុំទើបតែ ១៣ ឆ្នាំ", "thnak ti 7 bong, 13 chnam", "12 tuổi"],
)  # fmt: skip
def test_an_age_in_years_is_still_an_age(text: str) -> None:
    assert age_stages(text) == ["stated_minor_age"]


@pytest.mark.parametrize(
    ("recognizer", "text"),
    [(en.EnGroomingRecognizer(), "u look older than ur age"),
     (en.EnGroomingRecognizer(), "u dont look 12 at all"),
     (en.EnGroomingRecognizer(), "no way ur only 13"),
     (vi.ViGroomingRecognizer(), "13 mà nhìn trưởng thành ghê"),
     (vi.ViGroomingRecognizer(), "e nhìn ko giống 13 tuổi"),
     (km.KmGroomingRecognizer(), "អូនមើលទៅចាស់ជាងអាយុ")],
)  # fmt: skip
def test_telling_a_child_they_seem_older_is_flattery(recognizer: RiskRecognizer, text: str) -> None:
    found = recognizer.analyze(build_artifacts(text))
    assert "flattery_romance" in [f.stage for f in found if f.label == "GROOMING"]


@pytest.mark.parametrize(
    "text", ["my kid doesnt look 12", "he looks older than his age", "this laptop is older than 12"]
)
def test_age_talk_about_others_or_things_is_not_flattery(text: str) -> None:
    found = en.EnGroomingRecognizer().analyze(build_artifacts(text))
    assert [f.stage for f in found if f.label == "GROOMING"] == []


@pytest.mark.parametrize("text", ["i give robux to members", "i send u 500 diamonds now"])
def test_offering_game_currency_is_a_gift(text: str) -> None:
    found = en.EnGroomingRecognizer().analyze(build_artifacts(text))
    assert "trust_gifts" in [f.stage for f in found if f.label == "GROOMING"]


def test_a_photo_of_the_reader_asked_for_with_something_else_is_an_image_request() -> None:
    found = km.KmGroomingRecognizer().analyze(
        build_artifacts("ងាយទេ ផ្ញើទំហំ និងរូបប្អូនមួយមក ដើម្បីបងរើស size ឲ្យ")
    )
    assert "image_request" in [f.stage for f in found if f.label == "GROOMING"]
