"""Whose age a message states: a bare number answering "how old are you?", a school year said
alone, and the ages and grades adults speak of (their child's, their pupils') that are not
theirs."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.engine import RiskEngine, analyze_conversation
from childguard.textrisk.recognizers import CONTEXT, RiskRecognizer, en, generic, km, vi
from childguard.textrisk.recognizers.answers import answer_findings

AGE = generic.GenericAgeRecognizer()
ROMANISED = generic.GenericRomanisedKhmerRecognizer()


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
    assert answers(f"A:{question}", f"B:{reply}")[1] == [stage]


@pytest.mark.parametrize(
    ("question", "reply"),
    [("how old r u", "10 mins away"), ("how old r u", "just 5 mins"), ("how old u", "haha why"),
     ("what grade", "ok 3pm")],
)  # fmt: skip
def test_replies_that_are_no_age_add_nothing(question: str, reply: str) -> None:
    assert answers(f"A:{question}", f"B:{reply}")[1] == []


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
    assert context(recognizer, text) == expected


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
    assert "minor_cue" in context(recognizer, text)


@pytest.mark.parametrize(
    "text", ["grade 7 students are loud", "my son is in grade 7", "6, grade 1 na siya, time flies"]
)
def test_a_grade_that_is_somebody_elses_is_no_minor_cue(text: str) -> None:
    assert "minor_cue" not in context(en.EnContextRecognizer(), text)


def test_form_how_many_is_a_school_year_question() -> None:
    found = answers("A:haha strict abah. form how many u?", "B:form 1")
    assert found[1] == ["stated_minor_age"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("đôi, với bé nhà em, bé 9 tuổi mà smash còn mạnh hơn mẹ", ["stated_adult_age"]),
     ("thằng nhỏ nhà anh 8 tuổi", ["stated_adult_age"]),
     ("my son just turned 9", ["stated_adult_age"]),
     ("ហាហា កូនស្រីខ្ញុំក៏ចឹង អាយុ ៩ ហើយ", ["stated_adult_age"]),
     ("my baby sister is 5 and im 12", ["stated_minor_age"]),
     ("he is 9 years old and loves lego", []),
     ("nó mới 11 tuổi", []),
     ("ខ្ញុំនឹងប្រាប់ប្អូនស្រីខ្ញុំ គាត់ទើបអាយុ ១៥", []),
     ("he's 16 and im 12", ["stated_minor_age"]),
     ("no im 14 lol", ["stated_minor_age"]),
     ("e 13 tuoi", ["stated_minor_age"])],
)  # fmt: skip
def test_an_age_after_a_third_person_or_the_speakers_child_is_not_the_speakers(
    text: str, expected: list[str]
) -> None:
    """The ages of "he is 9", "nó 11 tuổi", "វាអាយុ ៧" are somebody else's; "my son just
    turned 9", "bé nhà em, bé 9 tuổi" say a parent speaks; a later age of the speaker's own still
    counts, and "no" before "im 14" is not the Vietnamese "nó"."""
    assert context(AGE, text) == expected


@pytest.mark.parametrize(
    ("recognizer", "text"),
    [(en.EnContextRecognizer(), "hehe my mom made me join choir since grade 4"),
     (en.EnContextRecognizer(), "i want but its 1500, mama said maybe"),
     (en.EnContextRecognizer(), "yes mama at work til 8, papa is abroad"),
     (en.EnContextRecognizer(), "should i ask my mum first"),
     (km.KmContextRecognizer(), "ខ្ញុំមិនសូវចេញក្រៅទេ ម៉ាក់មិនឲ្យ"),
     (km.KmContextRecognizer(), "ចាំខ្ញុំសុំម៉ាក់សិន"),
     (km.KmContextRecognizer(), "ម៉ោង 3 ខ្ញុំចេញពីរៀនគួរហើយ"),
     (vi.ViContextRecognizer(), "mẹ ko cho e đi đâu sau 8h"),
     (vi.ViContextRecognizer(), "10h me thu dien thoai roi"),
     (vi.ViContextRecognizer(), "để e xin mẹ đã")],
)  # fmt: skip
def test_a_parents_say_over_the_day_is_a_minor_cue(recognizer: RiskRecognizer, text: str) -> None:
    """Permission asked of a parent, a parent's "no", the phone taken at night and the tutoring
    class after school are how a child shows their age without stating it."""
    assert "minor_cue" in context(recognizer, text)


@pytest.mark.parametrize(
    ("recognizer", "text"),
    [(en.EnContextRecognizer(), "your mom said no sugar on weeknights"),
     (en.EnContextRecognizer(), "my mom made me dinner"),
     (km.KmContextRecognizer(), "ម៉ាក់មិនដឹងទេ"),
     (vi.ViContextRecognizer(), "cho e xin mã đơn ạ"),
     (vi.ViContextRecognizer(), "đăng story mà ko cho a xem")],
)  # fmt: skip
def test_what_only_looks_like_a_parents_say_is_no_minor_cue(
    recognizer: RiskRecognizer, text: str
) -> None:
    assert "minor_cue" not in context(recognizer, text)


def test_an_age_doubted_is_an_age_question_and_ok_15_its_answer() -> None:
    assert answers("A:wait ur not 18 r u lol", "B:ok 15. jv team lol") == [[], ["stated_minor_age"]]
    assert answers("A:are u even 18", "B:17") == [[], ["stated_minor_age"]]


@pytest.mark.parametrize(
    ("text", "cue"),
    [("i cant weeknights, my mom makes me be home by 9", True),
     ("lol not yet. i have my permit", True),
     ("my mom drives me evrywhere its embarassing", True),
     ("ok 15. jv team lol", True),
     ("my mom drives me crazy", False),
     ("your mom drives me to school? nice", False)],
)  # fmt: skip
def test_too_young_to_drive_and_a_high_school_team_are_minor_cues(text: str, cue: bool) -> None:
    assert ("minor_cue" in context(en.EnContextRecognizer(), text)) is cue


@pytest.mark.parametrize(
    ("text", "adult"),
    [("hôm nay anh đón con xong chưa", True),
     ("vợ anh đi công tác rồi", True),
     ("ok, a mới nhận lương a mời. 7h a qua đón", True),
     ("Thằng bé nhà em cũng mê FF", True),
     ("dc, ma dung ke dong nghiep e vu tinder nha", True),
     ("ở trọ với 1 đứa bạn thân, cuối tháng đóng tiền nhà muốn xỉu", True),
     ("nói sai à, lần sau đừng đứng vô ảnh lớp nữa", False),
     ("còn nha em, 85k free ship", False),
     ("ngủ ngon cô bé của anh", False),
     ("mẹ em đi làm về muộn", False),
     ("ong bam cung luc nut nguon voi nut giam am luong a", False)],
)  # fmt: skip
def test_vietnamese_adult_life_is_an_adult_cue(text: str, adult: bool) -> None:
    """A spouse, one's own child, work, a salary, rent, as the English and Khmer rules read them;
    not the words that fold into them ("vô ảnh", "còn nha em", "âm lượng") nor a parent's work a
    child tells of."""
    found = context(vi.ViContextRecognizer(), text)
    assert ("stated_adult_age" in found) is adult
