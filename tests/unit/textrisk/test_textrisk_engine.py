"""The conversation scorer and the engine's output contract, with a hand-built model."""

from __future__ import annotations

from typing import Any

import pytest

from childguard.config import Settings
from childguard.errors import InvalidInput, TooLarge
from childguard.textrisk.engine import RiskEngine, analyze_conversation
from childguard.textrisk.recognizers import LABELS, STAGES
from childguard.textrisk.scoring import MessageEvidence, prefix_features

GROOMING_STEPS = [
    ("A", "hey, how old are you?"),  # access_profiling
    ("B", "13"),
    ("A", "you're so mature, i love talking to you"),  # flattery_romance
    ("A", "are your parents home?"),  # risk_assessment
    ("A", "don't tell anyone about us, it's our secret"),  # secrecy_isolation
    ("A", "send me a private pic, just for me"),  # image_request
]


def conv(messages: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    return {"id": "c1", "messages": [{"sender": s, "text": t} for s, t in messages], **extra}


def test_result_has_the_documented_shape(engine: RiskEngine) -> None:
    result = analyze_conversation(conv(GROOMING_STEPS), engine)
    assert set(result) >= {
        "id", "languages", "risk", "flagged", "first_flagged_message", "findings", "entities",
        "intervention",
    }  # fmt: skip
    assert set(result["risk"]) == set(LABELS)
    assert all(0.0 <= p <= 1.0 for p in result["risk"].values())
    assert result["languages"] == ["en"]
    assert result["message_languages"] == ["en", "und", "en", "en", "en", "en"]


def test_grooming_stages_accumulate_and_first_flag_is_where_the_threshold_is_crossed(
    engine: RiskEngine,
) -> None:
    # The tiny model's scorer crosses 0.5 once 1/3 of the 9 grooming stages are seen: the third
    # distinct stage arrives with message 3.
    result = analyze_conversation(conv(GROOMING_STEPS), engine)
    assert result["flagged"] == ["GROOMING"]
    assert result["first_flagged_message"] == 3
    after = {
        f["message"]: f["explanation"]["score_after_context"]
        for f in result["findings"]
        if f["label"] == "GROOMING"
    }
    assert after[0] < after[2] < after[3] <= after[5]


def test_one_stage_repeated_does_not_accumulate(engine: RiskEngine) -> None:
    repeated = [("A", "don't tell anyone")] * 8
    result = analyze_conversation(conv(repeated), engine)
    assert result["flagged"] == []
    assert result["first_flagged_message"] is None


def test_stages_outside_the_window_stop_counting() -> None:
    def ev(stage: str | None) -> MessageEvidence:
        stages: list[set[str]] = [set() for _ in LABELS]
        if stage:
            stages[0].add(stage)
        return MessageEvidence([0.0] * 4, [0.0] * 4, stages)

    evidence = [ev("meeting"), ev("image_request"), ev(None), ev(None), ev("secrecy_isolation")]
    counts = [len(STAGES[label]) for label in LABELS]
    wide = prefix_features(evidence, counts, window=10)
    narrow = prefix_features(evidence, counts, window=2)
    assert wide[-1, 0, 3] == pytest.approx(3 / 9)
    assert narrow[-1, 0, 3] == pytest.approx(1 / 9)


def test_every_finding_explains_itself(engine: RiskEngine) -> None:
    result = analyze_conversation(conv(GROOMING_STEPS), engine)
    assert result["findings"]
    for f in result["findings"]:
        exp = f["explanation"]
        assert exp["source"] in {"recognizer", "model"}
        assert exp["name"] and exp["words"]
        assert exp["score_before_context"] == pytest.approx(f["score"], abs=1e-3)
        if f["label"] != "CONTEXT":
            assert exp["score_after_context"] is not None


def test_participants_mark_the_minor_and_pick_the_intervention_language(
    engine: RiskEngine,
) -> None:
    messages = [
        ("A", "em bao nhiêu tuổi?"),
        ("B", "em 13 tuổi ạ"),
        ("A", "bố mẹ em có ở nhà không?"),
        ("A", "đừng nói với ai nhé, bí mật của hai anh em"),
        ("A", "gửi anh hình riêng tư đi"),
    ]
    result = analyze_conversation(conv(messages, participants={"B": {"age": 13}}), engine)
    assert "GROOMING" in result["flagged"]
    assert result["intervention"]["language"] == "vi"
    assert any(h["contact"] == "111" for h in result["intervention"]["helplines"])


def test_bare_list_of_messages_is_accepted(engine: RiskEngine) -> None:
    result = analyze_conversation([{"sender": "A", "text": "hi"}], engine)
    assert result["id"] is None and result["flagged"] == []


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (42, "must be an object"),
        ({"id": "x"}, "no 'messages'"),
        ({"messages": "hello"}, "must be a list"),
        ({"messages": [7]}, "messages[0] must be an object"),
        ({"messages": [{"sender": "A"}]}, "messages[0] has no 'text'"),
        ({"messages": [{"text": 5}]}, "messages[0].text must be a string"),
        ({"messages": [], "participants": []}, "'participants' must be an object"),
        ({"messages": [], "participants": {"A": {"age": "old"}}}, "age must be a number"),
    ],
)
def test_wrong_shapes_are_clear_errors(engine: RiskEngine, payload: Any, fragment: str) -> None:
    with pytest.raises(InvalidInput) as info:
        analyze_conversation(payload, engine)
    assert fragment in info.value.message


def test_empty_conversation_and_empty_text(engine: RiskEngine) -> None:
    assert analyze_conversation([], engine)["languages"] == []
    result = analyze_conversation([{"text": ""}, {"text": "   "}], engine)
    assert result["findings"] == [] and result["languages"] == ["und"]


def test_one_megabyte_message_is_analysed_up_to_the_limit_and_marked(engine: RiskEngine) -> None:
    big = "don't tell anyone " + "x" * (1024 * 1024)
    result = analyze_conversation([{"text": big}], engine)
    assert result["truncated_messages"] == [0]
    assert any(f["stage"] == "secrecy_isolation" for f in result["findings"])


def test_over_the_character_limit_is_too_large(settings: Settings, engine: RiskEngine) -> None:
    engine.settings = settings.model_copy(update={"textrisk_max_message_chars": 10})
    with pytest.raises(TooLarge, match="MAX_MESSAGE_CHARS"):
        analyze_conversation([{"text": "x" * 11}], engine)


def test_binary_junk_is_analysed_without_error(engine: RiskEngine) -> None:
    junk = bytes(range(256)).decode("latin-1") + "\x00\ud800\uffff"
    result = analyze_conversation([{"text": junk}, {"text": b"\xff\xfe bad utf8"}], engine)
    assert result["messages"] == 2


@pytest.mark.slow
def test_ten_thousand_messages(engine: RiskEngine) -> None:
    messages = [
        {"sender": "AB"[i % 2], "text": f"message {i} about homework"} for i in range(10_000)
    ]
    result = analyze_conversation(messages, engine)
    assert result["messages"] == 10_000 and result["flagged"] == []


def test_more_messages_than_the_limit_is_too_large(engine: RiskEngine) -> None:
    with pytest.raises(TooLarge, match="MAX_MESSAGES"):
        analyze_conversation([{"text": "hi"}] * 10_001, engine)


def test_unknown_language_is_und_but_generic_recognizers_still_run(engine: RiskEngine) -> None:
    result = analyze_conversation([{"text": "qqq zzz telegram: @zzq_rrr"}], engine)
    assert result["languages"] == ["und"]
    assert [f["explanation"]["name"] for f in result["findings"]] == ["GenericPlatformRecognizer"]
    assert result["entities"][0]["platform"] == "telegram"


def test_findings_are_capped(settings: Settings, engine: RiskEngine) -> None:
    engine.settings = settings.model_copy(update={"textrisk_max_findings": 3})
    result = analyze_conversation(conv(GROOMING_STEPS), engine)
    assert len(result["findings"]) == 3


@pytest.mark.slow
def test_khmer_words_from_khmer_nltk_when_enabled() -> None:
    from childguard.textrisk.khmer_words import khmer_words

    words = khmer_words("កុំប្រាប់ឪពុកម្តាយ", ("ប្រា",))
    assert words and "ប្រា" in words[0] and len(words[0]) > len("ប្រា")
