"""Whose age a message states: a bare number answering "how old are you?", a school year said
alone, and the ages and grades adults speak of (their child's, their pupils') that are not
theirs."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.engine import RiskEngine, analyze_conversation
from childguard.textrisk.recognizers import CONTEXT, RiskRecognizer, en, generic, km, vi
from childguard.textrisk.recognizers.answers import answer_findings


def context(recognizer: RiskRecognizer, text: str) -> list[str | None]:
    art = build_artifacts(text)
    if not recognizer.applies_to(art):
        return []
    return [f.stage for f in recognizer.analyze(art) if f.label == CONTEXT and f.stage != "banter"]


def answers(*lines: str) -> list[list[str | None]]:
    """The stages the answer pass adds per message of a chat given as "A:text" lines."""
    arts = [build_artifacts(line[2:]) for line in lines]
    senders = [line[0] for line in lines]
    found = [[f for r in (generic.GenericAgeRecognizer(),) for f in r.analyze(a)] for a in arts]
    return [[f.stage for f in extra] for extra in answer_findings(arts, senders, found)]


@pytest.mark.parametrize(
    ("question", "reply", "stage"),
    [("how old r u", "14", "stated_minor_age"), ("how old?", "11 but i put 13 on my acc",
      "stated_minor_age"), ("em mấy tuổi", "15, lớp 9 ạ", "stated_minor_age"),
     ("អូនអាយុប៉ុន្មានហើយ?", "១២", "stated_minor_age"), ("asl?", "25", "stated_adult_age"),
     ("what grade r u in", "grade 8", "stated_minor_age"), ("lop may r", "8", "stated_minor_age"),
     ("oun rean thnak ti ponman?", "7 bong", "stated_minor_age"),
     ("u r in which class?", "class 8 sir", "stated_minor_age")],
)  # fmt: skip
def test_a_bare_number_answering_an_age_or_grade_question_states_an_age(
    question: str, reply: str, stage: str
) -> None:
    assert answers(f"A:{question}", f"B:{reply}") == [[], [stage]]


def test_only_the_other_senders_first_reply_within_the_window_answers() -> None:
    # the asker's own number, a reply about a third person, and a number far later say nothing
    assert answers("A:how old r u", "A:12 is my lucky number", "B:lol") == [[], [], []]
    assert answers("A:how old is he", "B:10 going on 40 lol") == [[], []]
    late = answers("A:how old r u", "B:lol", "A:?", "A:??", "B:14")
    assert late == [[], [], [], [], []]
    assert answers("A:how old r u", "B:5 mins away") == [[], []]


def test_a_stated_age_is_not_stated_twice() -> None:
    assert answers("A:how old r u", "B:13 yo") == [[], []]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("my 13 yr old is driving me nuts", ["stated_adult_age"]),
     ("my 13 yo son has exams", ["stated_adult_age"]),
     ("my 16 yr old sister took my charger", []),
     ("a 13 year old girl was reported missing", []),
     ("im 13", ["stated_minor_age"])],
)  # fmt: skip
def test_an_age_someone_speaks_of_is_not_their_own(text: str, expected: list[str]) -> None:
    assert context(generic.GenericAgeRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("i teach 6th grade", {"stated_adult_age"}),
     ("my daughter is in 8th grade", {"stated_adult_age"}),
     ("ugh homework for my stats class", set()),
     ("i have homework", {"minor_cue"}), ("im in 7th grade", {"stated_minor_age"}),
     ("cant talk my dad is in the room", {"minor_cue"})],
)  # fmt: skip
def test_english_grades_and_homework_are_the_speakers_only(text: str, expected: set[str]) -> None:
    assert set(context(en.EnContextRecognizer(), text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("lop 8", ["minor_cue"]), ("em học thcs ngo quyen", ["minor_cue"]),
     ("hồi lớp 8 tui cũng vậy", []), ("con em lớp 8, em phải nói chuyện với nó", [])],
)  # fmt: skip
def test_a_vietnamese_school_year_is_a_childs_cue_unless_remembered_or_a_parents(
    text: str, expected: list[str]
) -> None:
    assert context(vi.ViContextRecognizer(), text) == expected


def test_the_engine_lists_the_answer_as_a_finding_and_reads_it_as_a_minor(
    engine: RiskEngine,
) -> None:
    chat = {"id": "a", "messages": [{"sender": "A", "text": "how old r u"},
                                   {"sender": "B", "text": "14"}]}  # fmt: skip
    result = analyze_conversation(chat, engine)
    found = [f for f in result["findings"] if f["explanation"]["name"] == "AnswerToAgeQuestion"]
    assert [(f["message"], f["stage"]) for f in found] == [(1, "stated_minor_age")]
    assert "age question of message 0" in found[0]["explanation"]["pattern"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("grade 7 bong", ["stated_minor_age"]), ("gr 8 lol", ["stated_minor_age"]),
     ("lớp 9 ạ", ["stated_minor_age"]), ("grade 7 students are loud today", []),
     ("we got a grade 7 in the exam", [])],
)  # fmt: skip
def test_a_school_year_given_as_a_short_answer_in_any_language(
    text: str, expected: list[str]
) -> None:
    assert context(generic.GenericSchoolYearRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ថ្នាក់ទី៨បង", {"stated_minor_age"}), ("ខ្ញុំរៀនថ្នាក់ទី៧", {"stated_minor_age", "minor_cue"}),
     ("កូនខ្ញុំរៀនថ្នាក់ទី៨", {"minor_cue", "stated_adult_age"}), ("ឯងរៀនអនុវិទ្យាល័យ", {"minor_cue"}),
     # a teacher speaks of her pupils; a tutor's "I saw you in the grade 9 group" is the reader's
     ("ទើបតែឆែកសៀវភៅសិស្សថ្នាក់ទី4 ហត់ណាស់", {"stated_adult_age"}),
     ("គ្រូឃើញប្អូនក្នុង group គណិតវិទ្យាថ្នាក់ទី៩", {"stated_minor_age"}),
     # an adult's life: a spouse, work, one's own child, university
     ("ប្រពន្ធបងមិនដឹងទេ", {"stated_adult_age"}), ("ចាំបងចេញពីធ្វើការសិន", {"stated_adult_age"}),
     ("កូនស្រីខ្ញុំកំពុងធ្វើលំហាត់", {"stated_adult_age"}), ("នៅសរសេរ thesis ទៀត", {"stated_adult_age"}),
     ("បងបង្រៀនអូនគណិតវិទ្យា", set())],
)  # fmt: skip
def test_a_khmer_school_year_is_the_speakers_unless_a_parent_or_teacher_speaks_of_a_child(
    text: str, expected: set[str]
) -> None:
    assert set(context(km.KmContextRecognizer(), text)) == expected


def test_vietnamese_pitch_black_is_an_insult_only_with_its_diacritics() -> None:
    bullying = vi.ViBullyingRecognizer()
    assert "identity_hate" in {f.stage for f in bullying.analyze(build_artifacts("da đen thui"))}
    assert not bullying.analyze(build_artifacts("chủ nhật đến thui, vắng người"))
