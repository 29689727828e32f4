"""The shipped model treats Khmer, English and Vietnamese alike: the same chat, translated
literally, gets risk scores within 0.15 of each other in the three languages and the same
decision; the Khmer chat of issue 15 (parents home? / I'm 12 / send a photo) is flagged; and only
the cues of a minor separate grooming from flirting between adults."""

from __future__ import annotations

from typing import Any

import pytest

from childguard.config import Settings
from childguard.textrisk.engine import RiskEngine, analyze_conversation
from childguard.textrisk.recognizers import LABELS

TOLERANCE = 0.15


@pytest.fixture(scope="module")
def shipped() -> RiskEngine:
    return RiskEngine.load(Settings())


def chat(*lines: str) -> dict[str, Any]:
    messages = [{"sender": "A" if i % 2 == 0 else "B", "text": t} for i, t in enumerate(lines)]
    return {"id": "t", "messages": messages}


#: (expected label or None, {language: messages}); translations simple and literal.
TRIPLES: list[tuple[str | None, dict[str, list[str]]]] = [
    (
        "GROOMING",  # the chat of issue 15, item 2 (the documentation's own example phrases)
        {
            "en": ["are your parents home?", "I'm 12", "send a photo"],
            "km": ["ឪពុកម្តាយនៅផ្ទះទេ?", "ខ្ញុំអាយុ១២ឆ្នាំ", "ផ្ញើរូបមកបងមើល"],
            "vi": ["bố mẹ em có ở nhà không?", "em 12 tuổi", "gửi ảnh cho anh xem"],
        },
    ),
    (
        "GROOMING",
        {
            "en": [
                "how old are you?", "13", "you're so pretty, I love you",
                "don't tell anyone, it's our secret", "send me a photo, only I will see it",
            ],
            "km": [
                "អូនអាយុប៉ុន្មានហើយ?", "១៣ឆ្នាំ", "អូនស្អាតណាស់ បងស្រឡាញ់អូន",
                "កុំប្រាប់អ្នកណា រឿងសម្ងាត់របស់យើង", "ផ្ញើរូបមកបងមើល តែបងម្នាក់ឃើញ",
            ],
            "vi": [
                "em bao nhiêu tuổi?", "13", "em xinh quá, anh thương em lắm",
                "đừng nói với ai nhé, bí mật của hai đứa mình",
                "gửi ảnh cho anh xem, chỉ mình anh thấy thôi",
            ],
        },
    ),
    (
        "SEXTORTION",
        {
            "en": [
                "I have your photos", "please don't",
                "send $100 or I will post your photos to your parents", "within 1 hour",
            ],
            "km": [
                "បងមានរូបឯង", "សុំកុំ", "បើមិនផ្ញើលុយ១០០ដុល្លារ បងនឹងបង្ហោះរូបឯងទៅឲ្យប៉ាម៉ាក់",
                "ក្នុងរយៈពេល១ម៉ោងទៀត",
            ],
            "vi": [
                "tao có ảnh của mày", "xin đừng",
                "chuyển 100 đô không thì tao gửi ảnh cho bố mẹ mày", "trong 1 tiếng nữa",
            ],
        },
    ),
    (
        "BULLYING",
        {
            "en": ["idiot", "stop", "nobody likes you", "don't", "just wait, I will hit you"],
            "km": ["អាល្ងង់", "ឈប់ទៅ", "គ្មាននរណាចូលចិត្តឯងទេ", "កុំ", "ចាំមើល ខ្ញុំនឹងវាយឯង"],
            "vi": [
                "đồ ngu", "thôi đi", "không ai thích mày đâu", "đừng", "đợi đấy, tao sẽ đánh mày",
            ],
        },
    ),
    (
        "CSAM_TRADE",
        {
            "en": [
                "selling kids videos, $10 per clip", "how do I pay?",
                "chat on telegram, pay via ABA",
            ],
            "km": ["លក់វីដេអូក្មេង ១០ដុល្លារមួយឃ្លីប", "បង់យ៉ាងម៉េច", "ឆាតតាមតេឡេក្រាម បង់តាម ABA"],
            "vi": [
                "bán clip trẻ em, 10 đô một clip", "thanh toán sao?",
                "nhắn telegram, chuyển khoản qua ABA",
            ],
        },
    ),
    (
        None,
        {
            "en": ["tomorrow we study math", "yes teacher", "don't forget to bring your book"],
            "km": ["ថ្ងៃស្អែកយើងរៀនគណិតវិទ្យា", "បាទ លោកគ្រូ", "កុំភ្លេចយកសៀវភៅមក"],
            "vi": ["ngày mai chúng ta học toán", "vâng thưa thầy", "nhớ mang sách nhé"],
        },
    ),
]  # fmt: skip


@pytest.mark.parametrize(("expected", "versions"), TRIPLES)
def test_translations_score_alike_and_get_the_same_decision(
    shipped: RiskEngine, expected: str | None, versions: dict[str, list[str]]
) -> None:
    results = {lang: analyze_conversation(chat(*msgs), shipped) for lang, msgs in versions.items()}
    for label in LABELS:
        scores = {lang: r["risk"][label] for lang, r in results.items()}
        assert max(scores.values()) - min(scores.values()) <= TOLERANCE, (label, scores)
    for lang, r in results.items():
        assert r["flagged"] == ([expected] if expected else []), (lang, r["risk"])


def test_the_khmer_chat_of_the_issue_is_flagged_early(shipped: RiskEngine) -> None:
    result = analyze_conversation(chat(*TRIPLES[0][1]["km"]), shipped)
    assert "GROOMING" in result["flagged"], result["risk"]
    assert result["first_flagged_message"] is not None and result["first_flagged_message"] <= 2


ADULT_FLIRT = chat(
    "hey gorgeous, long day at the office?",
    "yes my boss is so annoying lol",
    "you're so hot, send me a pic babe",
    "haha ok 😘",
    "come to my place tonight",
    "see you at 9",
)
SAME_WITH_A_CHILD = chat(
    "hey gorgeous, how old are you?",
    "im 13, i just got home from school",
    "you're so hot, send me a pic babe",
    "haha ok",
    "come to my place tonight, don't tell your parents",
    "ok",
)


def test_only_the_cues_of_a_minor_make_flirting_grooming(shipped: RiskEngine) -> None:
    adults = analyze_conversation(ADULT_FLIRT, shipped)
    child = analyze_conversation(SAME_WITH_A_CHILD, shipped)
    assert "GROOMING" not in adults["flagged"], adults["risk"]
    assert "GROOMING" in child["flagged"], child["risk"]
    assert child["risk"]["GROOMING"] - adults["risk"]["GROOMING"] >= 0.3
