"""Ages said as a birth year ("e 2k12", "born 2011", "anh 9x"), answers to an age question that
open with a filler or spell the number ("dạ 13", "almost 14", "thirteen"), and spans of years
that are not anybody's age ("married 15 years", "12 years ago", "9-14 chnam")."""

from __future__ import annotations

from datetime import date

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import CONTEXT, RiskRecognizer, en, generic, km, vi
from childguard.textrisk.recognizers.answers import answer_findings
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


def answer(question: str, reply: str) -> list[str | None]:
    arts = [build_artifacts(question), build_artifacts(reply)]
    found = [AGE.analyze(a) for a in arts]
    return [f.stage for f in answer_findings(arts, ["A", "B"], found)[1]]


@pytest.mark.parametrize(
    ("question", "reply", "stage"),
    [("how old u?", "12 po, grade 6", "stated_minor_age"),
     ("how old you", "13", "stated_minor_age"),
     ("how old r u", "thirteen", "stated_minor_age"),
     ("how old r u", "almost 14", "stated_minor_age"),
     ("what grade r u in", "form 1", "stated_minor_age"),
     ("em mấy tuổi?", "dạ 13", "stated_minor_age"),
     ("em học lớp mấy", "dạ lớp 7", "stated_minor_age"),
     ("how old r u", "lol 27 u?", "stated_adult_age")],
)  # fmt: skip
def test_answers_with_fillers_spelled_numbers_and_short_questions(
    question: str, reply: str, stage: str
) -> None:
    assert answer(question, reply) == [stage]


@pytest.mark.parametrize(
    ("question", "reply"),
    [("how old r u", "10 mins away"), ("how old r u", "just 5 mins"), ("how old u", "haha why"),
     ("what grade", "ok 3pm")],
)  # fmt: skip
def test_replies_that_are_no_age_add_nothing(question: str, reply: str) -> None:
    assert answer(question, reply) == []


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


def context_stages(recognizer: RiskRecognizer, text: str) -> list[str | None]:
    art = build_artifacts(text)
    if not recognizer.applies_to(art):
        return []
    return [f.stage for f in recognizer.analyze(art) if f.label == CONTEXT and f.stage != "banter"]


@pytest.mark.parametrize(
    ("recognizer", "text", "expected"),
    [(AGE, "dc a, ma e phai don con di hoc ve da, e co 1 be 5t", ["stated_adult_age"]),
     (AGE, "a 31, làm kỹ sư, có 1 bé trai 6 tuổi", ["stated_adult_age"]),
     (AGE, "bé 12 tuổi ạ", ["stated_minor_age"]),
     (AGE, "សម្រាប់កូនខ្ញុំអាយុ ៨ ឆ្នាំ ត្រូវការអីបន្ថែមទេ?", ["stated_adult_age"]),
     (AGE, "កូនអាយុ១២ហើយម៉ាក់", ["stated_minor_age"]),
     (AGE, "con 12 tuổi", ["stated_minor_age"]),
     (ROMANISED, "kpong kae kechkar kmeng thnak ti 3, 40 nak", []),
     (ROMANISED, "oun jea kmeng thnak ti 8 te", ["stated_minor_age"]),
     (ROMANISED, "koun oun sart dauch mak vea, vea ayu ponman hz?", []),
     (ROMANISED, "oun ayu ponman?", ["minor_cue"]),
     (km.KmContextRecognizer(), "ខ្ញុំប៉ារបស់ដារ៉ា ដែលអង្គុយក្បែរកូនបងក្នុងថ្នាក់ទី៤", ["stated_adult_age"]),
     (vi.ViContextRecognizer(), "Mệt xỉu, 40 đứa lớp 5 quậy như giặc", []),
     (vi.ViContextRecognizer(), "em lop 7", ["minor_cue"]),
     (en.EnContextRecognizer(), "omg is this THE danny from 10th grade", []),
     (en.EnContextRecognizer(), "i'm in 8th grade lol", ["stated_minor_age"])],
)  # fmt: skip
def test_whose_age_or_grade_a_message_gives(
    recognizer: RiskRecognizer, text: str, expected: list[str]
) -> None:
    """A parent's child's age, a teacher's pupils' grade, a question about somebody else's child
    and a remembered school year are not the speaker's; a child's own still are."""
    assert context_stages(recognizer, text) == expected


@pytest.mark.parametrize(
    ("recognizer", "text"),
    [(en.EnContextRecognizer(), "cant long, mama said i need to finish my module first"),
     (en.EnContextRecognizer(), "grade 7 is so hard"),
     (en.EnContextRecognizer(), "only weekend, weekday my abah keep my phone after 9"),
     (en.EnContextRecognizer(), "ya shes strict -_- phone goes in the kitchen at 10"),
     (en.EnContextRecognizer(), "hehe. g2g soon gotta finish my science hw b4 mom checks"),
     (ROMANISED, "hahaha chhab tver hz, mak ot oy leng phone huos mong 9"),
     (ROMANISED, "tver homework math, krou oy lohat 30 ot deng sa te"),
     (ROMANISED, "tae mong 9 mak yok phone oun"),
     (ROMANISED, "rean nv anuvityealai... pteah nv jit wat"),
     (ROMANISED, "send rup oun pak ao sala mouy mk merl"),
     (ROMANISED, "kpong tver kechkar phteah math")],
)  # fmt: skip
def test_a_childs_day_said_in_passing_is_a_minor_cue(recognizer: RiskRecognizer, text: str) -> None:
    """The oblique signs of a minor in long chats: homework, a parent's rule, the phone taken at
    night, secondary school, the school uniform."""
    assert "minor_cue" in context_stages(recognizer, text)


@pytest.mark.parametrize(
    "text", ["grade 7 students are loud", "my son is in grade 7", "6, grade 1 na siya, time flies"]
)
def test_a_grade_that_is_somebody_elses_is_no_minor_cue(text: str) -> None:
    assert "minor_cue" not in context_stages(en.EnContextRecognizer(), text)


def test_form_how_many_is_a_school_year_question() -> None:
    assert answer("haha strict abah. form how many u?", "form 1") == ["stated_minor_age"]


def test_a_photo_of_the_reader_asked_for_with_something_else_is_an_image_request() -> None:
    found = km.KmGroomingRecognizer().analyze(
        build_artifacts("ងាយទេ ផ្ញើទំហំ និងរូបប្អូនមួយមក ដើម្បីបងរើស size ឲ្យ")
    )
    assert "image_request" in [f.stage for f in found if f.label == "GROOMING"]
