"""The model shipped in the package loads and flags clear examples written for this test (not
taken from the training data), in each language, and leaves clear benign chats alone."""

from __future__ import annotations

from typing import Any

import pytest

from childguard.config import Settings
from childguard.textrisk.engine import RiskEngine, analyze_conversation
from childguard.textrisk.model import shipped_model_path


@pytest.fixture(scope="module")
def shipped() -> RiskEngine:
    return RiskEngine.load(Settings())


def chat(*lines: str, minor: str | None = "B") -> dict[str, Any]:
    messages = [{"sender": "A" if i % 2 == 0 else "B", "text": t} for i, t in enumerate(lines)]
    participants = {minor: {"is_minor": True}} if minor else None
    return {"id": "t", "messages": messages, "participants": participants}


RISKY = {
    "GROOMING": [
        chat(
            "hey cutie how old are u",
            "14",
            "ur really mature for 14, i like talking to u",
            "thx",
            "are ur parents home? dont tell them we talk ok, our secret",
            "ok",
            "add me on telegram its safer there, send me a private pic just for me",
        ),
        chat(
            "em bao nhiêu tuổi rồi?",
            "em 13 ạ",
            "em xinh quá, anh thương em lắm",
            "dạ",
            "bố mẹ em có ở nhà không? đừng nói với ai chuyện mình nhé",
            "vâng",
            "kết bạn zalo với anh rồi gửi anh hình riêng tư nhé",
        ),
        chat(
            "អូនអាយុប៉ុន្មានហើយ?",
            "១៣ឆ្នាំ",
            "អូនស្អាតណាស់ បងស្រឡាញ់អូន",
            "អរគុណ",
            "កុំប្រាប់ប៉ាម៉ាក់ណា រឿងសម្ងាត់របស់យើង",
            "បាទ",
            "ផ្ញើរូបមកបងមើល តែបងម្នាក់ឃើញ",
        ),
    ],
    "SEXTORTION": [
        chat(
            "i have your pics",
            "please no",
            "pay me $300 in gift cards or i will send them to your school and your parents",
            "please stop",
            "you have 2 hours, last chance",
        ),
        chat(
            "tao có ảnh của mày",
            "xin đừng",
            "chuyển cho tao 2 triệu không thì tao gửi ảnh lên facebook cho cả trường biết",
            "em sợ",
            "trong 1 tiếng nữa",
        ),
        chat(
            "បងមានរូបឯង",
            "សុំកុំ",
            "បើមិនផ្ញើលុយ១០០ដុល្លារ បងនឹងបង្ហោះរូបឯងទៅឲ្យប៉ាម៉ាក់",
            "ខ្ញុំខ្លាច",
            "ក្នុងរយៈពេល១ម៉ោងទៀត",
        ),
    ],
    "BULLYING": [
        chat(
            "ur so ugly and stupid lol",
            "stop",
            "nobody likes u, everyone hates u",
            "leave me alone",
            "kill urself loser",
            minor=None,
        ),
        chat(
            "mày là đồ ngu",
            "thôi đi",
            "không ai chơi với mày đâu, cả lớp đang cười mày",
            "đừng",
            "tao sẽ đánh mày sau giờ học",
            minor=None,
        ),
        chat("អាល្ងង់", "ឈប់ទៅ", "គ្មាននរណាចូលចិត្តឯងទេ", "កុំ", "ចាំមើល ខ្ញុំនឹងវាយឯង", minor=None),
    ],
    "CSAM_TRADE": [
        chat(
            "selling young content, kids videos, 20$ per folder",
            "how to pay",
            "dm me on telegram for the links, pay with btc",
            minor=None,
        ),
        chat(
            "bán link clip trẻ em, 200k một link",
            "thanh toán sao",
            "inbox lấy link, chuyển khoản qua momo",
            minor=None,
        ),
        chat("លក់វីដេអូក្មេង ១០ដុល្លារមួយឃ្លីប", "បង់យ៉ាងម៉េច", "ឆាតតាមតេឡេក្រាម បង់តាម ABA", minor=None),
    ],
}

BENIGN = [
    chat(
        "gg that last round was insane, you carried",
        "lol thanks",
        "again tomorrow after school?",
        "yes, same time",
        minor=None,
    ),
    chat(
        "mom can you pick me up at 5?",
        "yes sweetie, did you finish your homework?",
        "almost, see you",
        minor=None,
    ),
    chat("em đã làm bài tập về nhà chưa?", "dạ rồi cô ạ", "tốt lắm, mai nộp bài nhé", minor=None),
    chat("ថ្ងៃស្អែកយើងរៀនគណិតវិទ្យា", "បាទ លោកគ្រូ", "កុំភ្លេចយកសៀវភៅមក", minor=None),
]


def test_shipped_model_is_inside_the_package_and_small() -> None:
    path = shipped_model_path()
    assert path.stat().st_size <= 50 * 1024 * 1024
    assert path.with_suffix(".json").is_file()


@pytest.mark.parametrize(
    ("label", "index"), [(label, i) for label, convs in RISKY.items() for i in range(len(convs))]
)
def test_clear_risky_examples_are_flagged(shipped: RiskEngine, label: str, index: int) -> None:
    result = analyze_conversation(RISKY[label][index], shipped)
    assert label in result["flagged"], result["risk"]
    assert result["first_flagged_message"] is not None
    assert result["intervention"] is not None


@pytest.mark.parametrize("index", range(len(BENIGN)))
def test_clear_benign_examples_are_not_flagged(shipped: RiskEngine, index: int) -> None:
    result = analyze_conversation(BENIGN[index], shipped)
    assert result["flagged"] == [], result["risk"]
    assert result["intervention"] is None


#: Trash talk among friends (insults traded both ways, laughs, a rematch) against a one-sided
#: attack on a distressed child, written for issue 15 (not from any dataset).
BANTER_AND_ATTACK = [
    (
        ["you're so trash at this lol", "says the one who died first 😂",
         "rematch tonight, loser buys drinks", "deal, gg"],
        ["you're so trash, nobody wants you here", "please stop",
         "everyone hates you, leave the group", "i'm scared"],
    ),
    (
        ["ហាហា ឯងលេងខ្សោយណាស់", "ឯងក៏ noob ដែរ 😂", "game ក្រោយខ្ញុំ carry", "ok GG"],
        ["ឯងល្ងង់ណាស់ គ្មាននរណាចូលចិត្តឯងទេ", "សុំឈប់ទៅ", "ចេញពី group ទៅ ស្អែកចាំមើល",
         "ខ្ញុំខ្លាចណាស់"],
    ),
    (
        ["m ngu vl, thua hoài =))", "t thua tại lag thôi, m gà hơn t",
         "gg, tối nay đấu lại, thua bao trà sữa", "ok chốt =))"],
        ["m ngu vl, ko ai muốn chơi với m đâu", "xin đừng nói nữa",
         "cả lớp ghét m, cút khỏi nhóm đi", "t sợ lắm"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("banter", "attack"), BANTER_AND_ATTACK)
def test_banter_among_friends_is_not_bullying_but_a_one_sided_attack_is(
    shipped: RiskEngine, banter: list[str], attack: list[str]
) -> None:
    friendly = analyze_conversation(chat(*banter, minor=None), shipped)
    hostile = analyze_conversation(chat(*attack, minor=None), shipped)
    assert "BULLYING" not in friendly["flagged"], friendly["risk"]
    assert "BULLYING" in hostile["flagged"], hostile["risk"]
    assert hostile["risk"]["BULLYING"] > friendly["risk"]["BULLYING"] + 0.3


#: Long chat-room talk, written for this test: the filler that fills most of any real chat.
FILLER = (
    "hey", "hi", "r u there?", "ya", "wat u up to", "nm u", "u still there?", "lol", "brb",
    "back", "wat time is it there", "like 10", "wat music u like", "idk everything", "cool",
    "so wat do u like to do", "watch movies mostly", "nice to meet u", "u too", "ok",
)  # fmt: skip


def test_long_chit_chat_is_not_grooming(shipped: RiskEngine) -> None:
    """A long chat of greetings and "u there?" is nothing: such lines must not add up, however
    often they recur (the shipped model once flagged such chats for their "u there")."""
    result = analyze_conversation(chat(*(FILLER * 4), minor=None), shipped)
    assert result["flagged"] == []
    assert result["risk"]["GROOMING"] < 0.3


def flirting(*cue: str) -> dict[str, Any]:
    """A long chat-room chat with an adult's advances, and ``cue`` lines after the first one."""
    advances = ("ur really cute", "i really like u, u r so pretty", "send me a pic of u")
    lines = [*FILLER, *cue, *FILLER[:16]]
    for i, line in enumerate(advances):
        lines.insert(12 + 4 * i, line)
    return chat(*lines, minor=None)


def test_a_chat_room_age_turns_long_flirting_into_grooming(shipped: RiskEngine) -> None:
    """The long chat with an adult's advances reads as grooming once the other says "asl? 14 f":
    the age said the chat-room way is the minor's cue."""
    with_age = analyze_conversation(flirting("asl?", "14 f ohio"), shipped)
    assert "GROOMING" in with_age["flagged"]
    ages = [f for f in with_age["findings"] if f["stage"] == "stated_minor_age"]
    assert ages and ages[0]["explanation"]["name"] == "GenericAgeRecognizer"


def test_long_flirting_with_no_cue_of_a_minor_is_not_grooming(shipped: RiskEngine) -> None:
    """Without any cue of a minor, twenty messages past the first advance, the same chat reads as
    adults flirting: a grooming warning given early is withdrawn."""
    result = analyze_conversation(flirting("asl?", "24 f ohio"), shipped)
    assert "GROOMING" not in result["flagged"]
    assert result["risk"]["GROOMING"] < 0.5
    # Asking an age or a place is no sign of a minor: adults ask it too.
    asked = analyze_conversation(flirting("how old r u", "24, where u from?", "ohio"), shipped)
    assert "GROOMING" not in asked["flagged"]
    # A minor known to the platform keeps it grooming, with no cue in the text.
    known = flirting("asl?", "24 f ohio")
    known["participants"] = {"B": {"is_minor": True}}
    assert "GROOMING" in analyze_conversation(known, shipped)["flagged"]


def adults_date(*other_says: str) -> dict[str, Any]:
    """A short chat with advances, a photo request and a secret, where A gives an adult's age and
    B says ``other_says`` (after "how old r u")."""
    return chat(
        "so u teach year 4? do they call u miss",
        "lol yes. at home im just priya",
        "well just priya, are u free saturday? night market by the river",
        "maybe 😏 how old r u btw",
        "im 31, i work in accounting",
        *other_says,
        "send me a pic of ur outfit before so i dont lose u in the crowd",
        "haha ok. dont tell my flatmate i said yes this fast",
        "our secret 🤐 see u sat",
        minor=None,
    )


def test_adults_who_both_give_an_adults_age_are_not_grooming(shipped: RiskEngine) -> None:
    """Every sender states an adult's age or life: the chat reads as adults dating, however
    forward; the same chat with "im 14" from the other is grooming."""
    adults = analyze_conversation(adults_date("33 and same lol"), shipped)
    assert "GROOMING" not in adults["flagged"]
    child = analyze_conversation(adults_date("im only 14 tho"), shipped)
    assert "GROOMING" in child["flagged"]
    assert child["risk"]["GROOMING"] > adults["risk"]["GROOMING"]


def test_a_parents_surprise_and_photo_request_is_not_grooming(shipped: RiskEngine) -> None:
    """A mother asks where her child is, for a photo, whether anyone is home and to keep a
    present secret: every move of a groomer, and the child's "ok mum" says what the chat is."""
    lines = (
        "where are u? tuition finished 20 min ago",
        "at the bubble tea shop w Rithy",
        "send me a pic so i know where",
        "[photo] see",
        "ok. is anyone home when u get back? dad is late tonight",
        "grandma is home",
        "good. dont tell your sister i got you the new football boots, our secret",
    )
    family = analyze_conversation(chat(*lines, "ok mum 🤐", minor=None), shipped)
    assert "GROOMING" not in family["flagged"]
    stranger = analyze_conversation(chat(*lines, "ok 🤐", minor=None), shipped)
    assert stranger["risk"]["GROOMING"] > family["risk"]["GROOMING"]
