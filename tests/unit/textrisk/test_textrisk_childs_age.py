"""Ages that are not the speaker's: a parent's child's age asked and answered, ages swapped and
echoed, and the common ways of stating one's own age ("im only 15", "em mới 13", "anh 28 rồi")
set apart from counts and prices; adults' work and study as adult cues."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import CONTEXT, RiskRecognizer, default_recognizers, en, vi
from childguard.textrisk.recognizers.answers import with_answers
from childguard.textrisk.recognizers.generic import GenericAgeRecognizer

RECOGNIZERS = default_recognizers()
AGE = GenericAgeRecognizer()


def chat_stages(*lines: str) -> list[set[str]]:
    """Per "A:text" line, the CONTEXT age stages and grooming profiling after the conversation
    passes."""
    arts = [build_artifacts(line[2:]) for line in lines]
    senders = [line[0] for line in lines]
    found = [[f for r in RECOGNIZERS if r.applies_to(a) for f in r.analyze(a)] for a in arts]
    keep = {"stated_minor_age", "stated_adult_age", "minor_cue", "access_profiling"}
    return [{f.stage for f in per if f.stage in keep} for per in with_answers(arts, senders, found)]


def own(recognizer: RiskRecognizer, text: str) -> set[str | None]:
    art = build_artifacts(text)
    return {f.stage for f in recognizer.analyze(art) if f.label == CONTEXT}


@pytest.mark.parametrize(
    "lines",
    [("A:sorry for the late reply, my daughter just fell asleep", "B:aww how old is she?", "A:6"),
     ("A:ok how old is your son?", "B:11, he loves robots"),
     ("A:សុំទោស កូនប្រុសខ្ញុំទើបដេក", "B:ឪពុកល្អម្នាក់ កូនអាយុប៉ុន្មានហើយ?", "A:៦ឆ្នាំ"),
     ("A:chị muốn làm hộ chiếu cho bé nhà chị", "B:dạ bé nhà chị mấy tuổi ạ?", "A:11 tuổi em")],
)  # fmt: skip
def test_a_parents_answer_about_their_child_states_no_minors_age(lines: tuple[str, ...]) -> None:
    stages = chat_stages(*lines)
    assert "stated_minor_age" not in stages[-1]
    assert "access_profiling" not in stages[-2]


def test_child_alone_may_be_said_to_a_child_and_then_the_answer_is_theirs() -> None:
    """ "កូនអាយុប៉ុន្មាន" (child, how old are you) to somebody who never spoke of a child of
    their own is a question to a child: the answer is their age."""
    stages = chat_stages("A:សួស្តីកូន", "A:កូនអាយុប៉ុន្មាន?", "B:14 ឆ្នាំ")
    assert "stated_minor_age" in stages[-1]
    asked = chat_stages("A:how old r u", "B:14")
    assert asked[-1] == {"stated_minor_age"}


def test_ages_swapped_count_and_echoes_do_not() -> None:
    assert "stated_adult_age" in chat_stages("A:fair warning I'm 31", "B:33 and same")[-1]
    assert "stated_minor_age" in chat_stages("A:im 17 wbu", "B:14")[-1]
    # the asker's number said back, and a child's age after a parent's own
    assert chat_stages("A:im 14", "B:14?? wow u seem older")[-1] == set()
    assert chat_stages("A:i'm 17. well actually 22", "B:22?? thats old")[-1] == set()
    assert chat_stages("A:lol 36 here", "B:6, grade 1 na siya")[-1] == set()


@pytest.mark.parametrize(
    ("text", "stage"),
    [("im only 15 i dont want my dad to find out", "stated_minor_age"),
     ("but im 15 tho is that bad", "stated_minor_age"),
     ("i'm literally 14", "stated_minor_age"),
     ("nhưng em mới 13 mà anh", "stated_minor_age"),
     ("e chỉ 12 thôi", "stated_minor_age"),
     ("im thirteen", "stated_minor_age"),
     ("អូនរៀនអនុវិទ្យាល័យណា? មើលទៅអាយុ ១៤-១៥ មែនអត់", "stated_minor_age"),
     ("i'm only fourteen lol", "stated_minor_age"),
     ("Anh 29 rồi, già rồi", "stated_adult_age"),
     ("im twenty", "stated_adult_age"),
     ("em 26 thì hơn gì anh", "stated_adult_age")],
)  # fmt: skip
def test_ones_own_age_with_a_hedge_or_a_tag(text: str, stage: str) -> None:
    assert own(AGE, text) == {stage}


@pytest.mark.parametrize(
    "text",
    ["em chỉ 5 điểm thôi", "còn 7 thẻ. tối nay k đủ", "muốn anh xóa thì gửi thêm cho anh 5 tấm",
     "im only 5 mins away", "i'm at the 15th floor", "nhom minh 5 nguoi thoi",
     "$200 in gift cards", "im ten minutes away", "im fifteen bucks short",
     # a range of ages is nobody's own: puberty advice, a club's age group
     "ខ្លួនប្រាណម្នាក់ៗខុសគ្នា ចន្លោះអាយុ ៩ ដល់ ១៥ ធម្មតាទាំងអស់", "U13 ទទួលអាយុ ១០ ដល់ ១២",
     "សម្រាប់ក្មេងអាយុ ៨-១៤ឆ្នាំ"],
)  # fmt: skip
def test_counts_scores_and_prices_are_no_age(text: str) -> None:
    assert own(AGE, text) == set()


@pytest.mark.parametrize(
    ("recognizer", "text", "adult"),
    [(en.EnContextRecognizer(), "31. i work in accounting, super boring", True),
     (en.EnContextRecognizer(), "im in my last semester of nursing", True),
     (en.EnContextRecognizer(), "the dorm guest policy is a crime", True),
     (en.EnContextRecognizer(), "dont tell my roommate", True),
     (en.EnContextRecognizer(), "i work at it every day", False),
     (vi.ViContextRecognizer(), "hôm nay sếp bắt họp tới 7h", True),
     (vi.ViContextRecognizer(), "tháng này chạy KPI mệt", True),
     (vi.ViContextRecognizer(), "chị bên phòng marketing", True),
     (vi.ViContextRecognizer(), "vừa chấm xong 40 bài kiểm tra", True),
     (vi.ViContextRecognizer(), "bài tiểu luận của e xong chưa", True),
     (vi.ViContextRecognizer(), "mới tan ca nè", True),
     (vi.ViContextRecognizer(), "mẹ em tan ca lúc 10h", False),
     (vi.ViContextRecognizer(), "mẹ em làm ca đêm", False),
     (vi.ViContextRecognizer(), "mẹ em ở công ty", False),
     (vi.ViContextRecognizer(), "em muốn làm thực tập sinh idol", False)],
)  # fmt: skip
def test_work_and_university_are_adult_cues(
    recognizer: RiskRecognizer, text: str, adult: bool
) -> None:
    assert ("stated_adult_age" in own(recognizer, text)) is adult
