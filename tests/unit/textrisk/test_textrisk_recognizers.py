"""Each recognizer emits its stages, with an explanation, and stays quiet on benign text."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import (
    CONTEXT,
    LABELS,
    STAGES,
    Finding,
    RiskRecognizer,
    default_recognizers,
    en,
    generic,
    km,
    vi,
)


def run(recognizer: RiskRecognizer, text: str) -> list[Finding]:
    art = build_artifacts(text)
    assert recognizer.applies_to(art), f"{recognizer.name} should read this message"
    return recognizer.analyze(art)


def stages_of(findings: list[Finding]) -> set[tuple[str, str | None]]:
    return {(f.label, f.stage) for f in findings}


CASES = [
    (en.EnGroomingRecognizer, "how old r u? and who reads ur phone", "access_profiling"),
    (
        en.EnGroomingRecognizer,
        "dont tell ur parents about us, its our little secret",
        "secrecy_isolation",
    ),
    (en.EnGroomingRecognizer, "are your parents home tonight?", "risk_assessment"),
    (en.EnGroomingRecognizer, "i can buy you robux, want me to get you a gift", "trust_gifts"),
    (en.EnGroomingRecognizer, "you're so mature for your age", "flattery_romance"),
    (en.EnGroomingRecognizer, "send me a private pic, only for me", "image_request"),
    (en.EnGroomingRecognizer, "lets meet after school, i'll pick you up", "meeting"),
    (en.EnGroomingRecognizer, "add me on s n a p c h a t its safer", "platform_migration"),
    (en.EnSextortionRecognizer, "i will send your pics to your school", "threat_to_expose"),
    (en.EnSextortionRecognizer, "pay me $200 in gift cards", "demand"),
    (en.EnSextortionRecognizer, "you have 2 hours", "deadline"),
    (en.EnCsamTradeRecognizer, "c . p links anyone?", "advertising"),
    (en.EnCsamTradeRecognizer, "new p . t . h . c folder just in", "advertising"),
    (en.EnCsamTradeRecognizer, "private live room tonight with a young one", "advertising"),
    (en.EnCsamTradeRecognizer, "i'll pay you if you film your little cousin", "requesting"),
    (en.EnBullyingRecognizer, "ur so stupid", "insult"),
    (en.EnBullyingRecognizer, "nobody likes u, everyone hates u", "exclusion"),
    (en.EnBullyingRecognizer, "i know where you live", "doxxing"),
    (en.EnBullyingRecognizer, "i'm gonna beat you up", "threat"),
    (en.EnBullyingRecognizer, "show up tomorrow and i'll bring my brother's knife", "threat"),
    (en.EnBullyingRecognizer, "we know your route home", "threat"),
    (en.EnBullyingRecognizer, "found her address on the school form lol", "doxxing"),
    (en.EnBullyingRecognizer, "everyone spam this girl", "doxxing"),
    (en.EnBullyingRecognizer, "go back to your own country", "identity_hate"),
    (en.EnBullyingRecognizer, "POLL: who's the ugliest girl in 7C", "humiliation"),
    (en.EnBullyingRecognizer, "make him quit the team", "exclusion"),
    (en.EnCsamTradeRecognizer, "anyone have young content links?", "requesting"),
    (en.EnCsamTradeRecognizer, "selling kids videos, 20$ per folder", "advertising"),
    (vi.ViGroomingRecognizer, "em bao nhiêu tuổi rồi?", "access_profiling"),
    (vi.ViGroomingRecognizer, "đừng nói với bố mẹ nhé", "secrecy_isolation"),
    (vi.ViGroomingRecognizer, "ko dc ke vs ai nha", "secrecy_isolation"),
    (vi.ViGroomingRecognizer, "gui anh hinh rieng tu di", "image_request"),
    (vi.ViGroomingRecognizer, "ket ban zalo voi anh nhe", "platform_migration"),
    (
        vi.ViSextortionRecognizer,
        "tao se gui clip cua may len facebook cho ca truong biet",
        "threat_to_expose",
    ),
    (vi.ViSextortionRecognizer, "trong 1 tieng nua", "deadline"),
    (vi.ViBullyingRecognizer, "may la do ngu", "insult"),
    (vi.ViCsamTradeRecognizer, "ai co link clip tre em khong", "requesting"),
    (km.KmGroomingRecognizer, "អូនអាយុប៉ុន្មានហើយ?", "access_profiling"),
    (km.KmGroomingRecognizer, "កុំប្រាប់ប៉ាម៉ាក់ណា", "secrecy_isolation"),
    (km.KmGroomingRecognizer, "ផ្ញើរូបមកបងមើល", "image_request"),
    (km.KmGroomingRecognizer, "ឪពុកម្ដាយនៅផ្ទះទេ?", "risk_assessment"),
    (km.KmSextortionRecognizer, "បើមិនផ្ញើលុយ បងនឹងបង្ហោះរូបឯងទៅឲ្យប៉ាម៉ាក់", "threat_to_expose"),
    (km.KmBullyingRecognizer, "អាល្ងង់", "insult"),
    (km.KmCsamTradeRecognizer, "អ្នកណាមានវីដេអូក្មេងទេ", "requesting"),
]


@pytest.mark.parametrize(("cls", "text", "stage"), CASES)
def test_recognizer_finds_stage(cls: type[RiskRecognizer], text: str, stage: str) -> None:
    found = run(cls(), text)
    assert stage in {f.stage for f in found}, f"{cls.name}: {stages_of(found)}"
    for f in found:
        assert f.label in cls.labels
        assert f.stage in STAGES[f.label]
        assert f.explanation.name == cls.name
        assert f.explanation.words and f.explanation.pattern
        assert 0 < f.score <= 1


BENIGN = [
    "gg that last round was insane, see you tomorrow",
    # game talk: threats between players, not to a child
    "i'm gonna kill you next round, watch your back",
    "next game i'm going to hunt you down and end you",
    "ur finished painting looks great, hang it in the hall",
    "bring a bat to softball practice",
    # money, photos and hours in ordinary chats
    "i still have the photos from the trip",
    "he has my photos from the wedding",
    "the photographer has my photos and wants the rest of the payment",
    "or it goes in the trash",
    "class starts 8h, see you at 5h",
    "we will pay you to film the wedding",
    "i'll pay you to babysit my little cousin",
    "kids under 12 eat free, the kids menu has cheese pizza",
    "the c.p.u. is hot after the update",
    "mom says dinner is at seven, bring your homework",
    "em đã làm bài tập chưa? mai kiểm tra đó",
    "ថ្ងៃនេះរៀនគណិតវិទ្យា",
]


@pytest.mark.parametrize("text", BENIGN)
def test_benign_messages_raise_no_risk_findings(text: str) -> None:
    art = build_artifacts(text)
    found = [f for r in default_recognizers() if r.applies_to(art) for f in r.analyze(art)]
    assert [f for f in found if f.label in LABELS] == []


def test_generic_recognizers_read_unknown_languages() -> None:
    art = build_artifacts("zzx telegram: @qqq_rrr cp mega xyz")
    assert art.language == "und"
    found = [f for r in default_recognizers() if r.applies_to(art) for f in r.analyze(art)]
    assert {f.label for f in found} >= {"GROOMING", "CSAM_TRADE"}
    assert {type(r).__module__ for r in default_recognizers() if r.applies_to(art)} == {
        generic.__name__
    }


@pytest.mark.parametrize(
    ("text", "stage"),
    [("im 13", "stated_minor_age"), ("em 14 tuổi", "stated_minor_age"),
     ("ខ្ញុំអាយុ១២ឆ្នាំ", "stated_minor_age"), ("i'm 34 years old", "stated_adult_age")],
)  # fmt: skip
def test_stated_ages(text: str, stage: str) -> None:
    found = run(generic.GenericAgeRecognizer(), text)
    assert [(f.label, f.stage) for f in found] == [(CONTEXT, stage)]


def test_time_and_money_are_not_ages() -> None:
    assert run(generic.GenericAgeRecognizer(), "im 20 mins away, it costs 15$") == []


@pytest.mark.parametrize(
    ("text", "stage"),
    [("14 f", "stated_minor_age"), ("asl? 13/f/ohio", "stated_minor_age"),
     ("f 15", "stated_minor_age"), ("13 f u?", "stated_minor_age"), ("14F", "stated_minor_age"),
     ("im 14 m", "stated_minor_age"), ("ur only 14", "stated_minor_age"),
     ("r u really 13?", "stated_minor_age"), ("u 13?", "stated_minor_age"),
     ("i&apos;m 13", "stated_minor_age"), ("i&#39;m 14 lol", "stated_minor_age"),
     ("i just turned 13", "stated_minor_age"), ("im turnin 14 next month", "stated_minor_age"),
     ("my bday is next week ill be 14", "stated_minor_age"), ("me 13", "stated_minor_age"),
     ("13 here", "stated_minor_age"), ("turning 30 was rough", "stated_adult_age"),
     ("22/f/cali", "stated_adult_age"), ("28 m", "stated_adult_age")],
)  # fmt: skip
def test_chat_room_ages(text: str, stage: str) -> None:
    """Chat-room "asl" answers and an age said back or asked are ages: the commonest way a
    minor's age comes up in chat rooms."""
    found = run(generic.GenericAgeRecognizer(), text)
    assert [(f.label, f.stage) for f in found] == [(CONTEXT, stage)]


@pytest.mark.parametrize(
    "text",
    ["15 m away", "10 m from here", "im 15 minutes late", "r u 5 min away", "you are 20 mins late",
     "ur 100% right", "u r 2 cute", "lol 15f", "ill be 20 min late", "i'll be there in 15",
     "it turned 5 pm", "me 2"],
)  # fmt: skip
def test_distances_and_times_are_not_chat_room_ages(text: str) -> None:
    assert run(generic.GenericAgeRecognizer(), text) == []


@pytest.mark.parametrize(
    ("text", "stage"),
    [("i have school tmrw", "minor_cue"), ("its a school nite", "minor_cue"),
     ("my mom is yelling brb", "minor_cue"), ("my dad took my phone", "minor_cue"),
     ("i gotta do hw", "minor_cue"), ("im not 18 lol", "stated_minor_age"),
     ("im a 7th grader", "stated_minor_age"), ("im only in 7th", "stated_minor_age"),
     ("i hate going to jr high", "stated_minor_age"), ("i cant drive yet", "minor_cue"),
     ("i have a curfew", "minor_cue"), ("ur just a kid", "minor_cue"),
     ("u r so young", "minor_cue")],
)  # fmt: skip
def test_informal_english_minor_cues(text: str, stage: str) -> None:
    found = [f for f in run(en.EnContextRecognizer(), text) if f.stage != "banter"]
    assert [(f.label, f.stage) for f in found] == [(CONTEXT, stage)]


def test_an_age_question_is_grooming_profiling_not_a_childs_cue() -> None:
    found = [
        (f.label, f.stage)
        for r in default_recognizers()
        for f in r.analyze(build_artifacts("how old r u"))
        if r.applies_to(build_artifacts("how old r u"))
    ]
    assert ("GROOMING", "access_profiling") in found
    assert (CONTEXT, "minor_cue") not in found
    assert [(f.label, f.stage) for f in run(en.EnContextRecognizer(), "wat grade r u in")] == [
        (CONTEXT, "minor_cue")
    ]


def test_an_adult_talking_about_a_parent_is_not_a_minor_cue() -> None:
    assert run(en.EnContextRecognizer(), "my mom is coming to visit me next month") == []


def test_recognizer_names_follow_the_convention_and_are_unique() -> None:
    names = [r.name for r in default_recognizers()]
    assert len(names) == len(set(names))
    for r in default_recognizers():
        assert r.name == type(r).__name__ and r.name.endswith("Recognizer")
        assert r.language in {"*", "en", "vi", "km"}


def test_required_strings_gate_never_changes_a_result() -> None:
    import re

    from childguard.textrisk.recognizers import PatternRecognizer

    texts = [text for _, text, _ in CASES] + BENIGN
    texts += [
        "how old are you", "u r so pretty", "send me a private video", "dont tell ur mom",
        "em 13 tuoi", "ai co link clip tre em", "ផ្ញើរូបមក", "១០ដុល្លារ", "a/s/l?",
    ]  # fmt: skip
    layers = [build_artifacts(t) for t in texts]
    checked = 0
    for recognizer in default_recognizers():
        if not isinstance(recognizer, PatternRecognizer):
            continue
        for compiled in recognizer._compiled:
            plain = re.compile(compiled.rule.pattern)
            for art in layers:
                text = getattr(art, compiled.rule.layer)
                gated = compiled.search(text)
                assert (gated is None) == (plain.search(text) is None), compiled.rule.name
                checked += 1
    assert checked > 1000


def test_rule_names_are_unique_within_a_recognizer() -> None:
    from childguard.textrisk.recognizers import PatternRecognizer

    for recognizer in default_recognizers():
        if isinstance(recognizer, PatternRecognizer):
            names = [c.rule.name for c in recognizer._compiled]
            assert len(names) == len(set(names)), recognizer.name


def test_duplicate_recognizer_names_fail_at_start_up() -> None:
    from childguard.errors import ConfigurationError
    from childguard.textrisk.recognizers import load_recognizers, unique_by_name

    assert {r.name for r in load_recognizers()} >= {r.name for r in default_recognizers()}
    with pytest.raises(ConfigurationError, match="registered twice"):
        unique_by_name([en.EnGroomingRecognizer(), en.EnGroomingRecognizer()])


@pytest.mark.parametrize(
    ("text", "stage"),
    [("u got a cam?", "image_request"), ("do u have a webcam", "image_request"),
     ("get on cam for me", "image_request"), ("wanna c2c", "image_request"),
     ("can u sneak out tonight", "meeting")],
)  # fmt: skip
def test_chat_room_webcam_and_sneaking_out(text: str, stage: str) -> None:
    found = run(en.EnGroomingRecognizer(), text)
    assert [(f.label, f.stage) for f in found] == [("GROOMING", stage)]


@pytest.mark.parametrize(
    "text", ["i got a new camera", "my cam is broken lol", "we have cameras at work"]
)
def test_cameras_are_not_webcam_requests(text: str) -> None:
    assert run(en.EnGroomingRecognizer(), text) == []


@pytest.mark.parametrize("text", ["i'm in 7th place lol", "u r still a baby lol", "im in 8th row"])
def test_a_rank_or_a_tease_is_not_a_childs_cue(text: str) -> None:
    found = [f for f in run(en.EnContextRecognizer(), text) if f.stage != "banter"]
    assert found == []


@pytest.mark.parametrize(
    "text", ["when do ur parents go to work", "do u live w ur parents", "do u have ur own room"]
)
def test_who_is_home_and_where_they_sleep_are_grooming_questions(text: str) -> None:
    stages = {f.stage for f in run(en.EnGroomingRecognizer(), text)}
    assert stages & {"risk_assessment", "access_profiling"}


@pytest.mark.parametrize(
    ("text", "stage"),
    [("1 s3nt ur p1c to ur bestie already", "threat_to_expose"),
     ("bro they said they'll send my pics to my mom", "threat_to_expose"),
     ("300$ or they go on a public site with your school name", "threat_to_expose"),
     ("if u dont pay its 100% going out", "threat_to_expose"),
     ("i made a group with ur mom and ur coach", "threat_to_expose"),
     ("job is cancelled. but i still have the photos.", "threat_to_expose"),
     ("we have the pic u sent to leo", "threat_to_expose"),
     ("I found your LinkedIn", "threat_to_expose"),
     ("1500 USD in BTC. 48h", "demand")],
)  # fmt: skip
def test_english_sextortion_threats_told_many_ways(text: str, stage: str) -> None:
    assert ("SEXTORTION", stage) in stages_of(run(en.EnSextortionRecognizer(), text))


@pytest.mark.parametrize(
    "text",
    ["i still have the photos from the trip lol", "we got the photos from the wedding",
     "i have the pics from saturday, sending now", "i found your school on the map",
     "its going out tonight, the newsletter", "or they go to the park"],
)  # fmt: skip
def test_photos_kept_and_things_going_out_are_not_threats(text: str) -> None:
    assert run(en.EnSextortionRecognizer(), text) == []
