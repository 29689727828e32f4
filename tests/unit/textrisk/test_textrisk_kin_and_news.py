"""A parent and their child talking, talk about abuse in the news and safety advice: the kin,
news and advice recognizers, the scorer features that read them, and the sign rule that keeps
them from ever raising a label."""

from __future__ import annotations

import numpy as np
import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import CONTEXT, LABELS, STAGES, PatternRecognizer, generic
from childguard.textrisk.scoring import (
    EVIDENCE_FEATURES,
    FEATURE_NAMES,
    MessageEvidence,
    message_evidence,
    prefix_features,
)
from childguard.textrisk.training import NON_POSITIVE_FEATURES, _scorer

GROOMING = LABELS.index("GROOMING")
COUNTS = [len(STAGES[label]) for label in LABELS]
WITH_KIN = FEATURE_NAMES.index("evidence_with_kin")
RECOGNIZER_WITH_KIN = FEATURE_NAMES.index("recognizer_evidence_with_kin")


def marks(recognizer: PatternRecognizer, stage: str, text: str) -> bool:
    """Whether ``recognizer`` marks ``text``; every finding must be ``CONTEXT/stage``."""
    found = recognizer.analyze(build_artifacts(text))
    assert all((f.label, f.stage) == (CONTEXT, stage) for f in found)
    return bool(found)


def kin(text: str) -> bool:
    return marks(generic.GenericKinRecognizer(), "kin", text)


@pytest.mark.parametrize(
    "text",
    ["ok mom", "Mom!", "mom, can u pick me up", "love u mum ❤️", "see you later mom", "thanks dad",
     "Dạ mẹ, con về rồi ạ", "con chào bố ạ", "con về rồi mẹ", "ចាស ម៉ាក់ 🥰", "នេះណាម៉ាក់",
     "ម៉ាក់ស្រលាញ់កូន", "អរគុណប៉ា", "yes mom [photo]", "ថតរូបផ្ញើម៉ាក់មួយមក", "ផ្ញើរូបមកម៉ាក់មើល",
     "គ្រាន់តែមិត្តលេងហ្គេមទេម៉ាក់", "ម៉ាក់កុំផ្ញើចូល group គ្រួសារណា", "cha mak", "đây nè mẹ, có cả mẹ bạn",
     "chụp mẹ tấm hình coi", "da nhan r ba", "thank u grandma!!", "ok auntie i'll send it",
     "dạ bà ngoại, cháu nhận được rồi", "cháu cảm ơn dì", "ចាស យាយ",
     "omg mom 🙄 fine [photo]", "thank u grandma ❤️"],
)  # fmt: skip
def test_a_child_addressing_a_parent_is_kin(text: str) -> None:
    assert kin(text)


@pytest.mark.parametrize(
    "text",
    [
        # someone else's parents, as a groomer asks after them or the child answers
        "don't tell ur mom", "is your mom home?", "dont tell mom about us", "ah so no dad at home",
        "my mom said no", "go ask ur dad", "i'm a single mom", "bố mẹ em có nhà k",
        "dạ bố mẹ em ngủ rồi", "dạ mẹ e đi làm r", "mẹ không cho con ra ngoài buổi tối",
        "dạ, mẹ bảo thi xong mới trả đt", "my grandma is asleep", "dạ chú", "cháu cảm ơn chú",
        "dạ con cảm ơn chú, mà để con hỏi mẹ đã", "កុំប្រាប់ម៉ាក់ណា", "ម៉ាក់ឯងនៅផ្ទះអត់",
        "ឆ្នាំ 2012 បាទ ប៉ាធ្វើការនៅកូរ៉េ", "កូនជាក្មេងល្អ។ ចុះម៉ាក់មើល chat កូនអត់?",
        "ស្អែកពូមកយកកូនពីសាលាជំនួសម៉ាក់", "ម៉ាក់ប៉ាកូនធ្វើការអីដែរ",
        # what groomers call themselves or ask to be called
        "yes daddy", "call me daddy", "ok daddy 😘", "mẹ nuôi nè con", "ពូជាមិត្តម៉ាក់កូន",
        "ផ្ញើរូបកូនពេញខ្លួនមកម៉ាក់ធម៌មើលសិន",
        # a sextortionist's threat and a victim's plea; a groomer's "mom won't see"
        "បើមិនអញ្ចឹង ផ្ញើទៅប៉ាម៉ាក់ និងបងប្អូនឯង", "សូមកុំផ្ញើទៅម៉ាក់ខ្ញុំ 🙏",
        "ផ្ញើតាម telegram មក ម៉ាក់អត់ឃើញទេ", "ot te mak ot ches prae fb phng",
        # an insult, a word that starts like "dad" in Khmer
        "ទៅប្រាប់ទៅ អាកូនម៉ាក់ 🤡", "ប៉ាន់ស្មាន",
    ],
)  # fmt: skip
def test_other_peoples_parents_and_groomers_covers_are_not_kin(text: str) -> None:
    assert not kin(text)


def _ev(rec: float = 0.0, model: float = 0.0, is_kin: bool = False) -> MessageEvidence:
    recognizer = [0.0] * len(LABELS)
    recognizer[GROOMING] = rec
    probabilities = [0.0] * len(LABELS)
    probabilities[GROOMING] = model
    return MessageEvidence(probabilities, recognizer, kin=is_kin)


def test_kin_features_carry_the_evidence_from_the_first_kin_marker_on() -> None:
    rows = prefix_features([_ev(0.6, 0.8), _ev(is_kin=True), _ev()], COUNTS, 10)[:, GROOMING]
    assert rows[0, WITH_KIN] == 0.0 and rows[0, RECOGNIZER_WITH_KIN] == 0.0
    assert rows[1, WITH_KIN] == pytest.approx(0.8)
    assert rows[2, RECOGNIZER_WITH_KIN] == pytest.approx(0.6)
    assert RECOGNIZER_WITH_KIN in EVIDENCE_FEATURES and WITH_KIN not in EVIDENCE_FEATURES


def test_kin_without_evidence_adds_nothing() -> None:
    rows = prefix_features([_ev(is_kin=True), _ev(is_kin=True)], COUNTS, 10)
    assert np.count_nonzero(rows) == 0


def test_the_scorer_never_lets_kin_raise_a_label() -> None:
    """Training data where a parent's chats happen to be the risky ones: fitted freely the kin
    feature would get a positive weight; the sign rule leaves it out instead."""
    rng = np.random.default_rng(0)
    x = rng.random((200, len(FEATURE_NAMES)))
    y = (x[:, WITH_KIN] > 0.5).astype(np.int64)
    for label in LABELS:
        assert {WITH_KIN, RECOGNIZER_WITH_KIN} <= NON_POSITIVE_FEATURES[label]
        w, _ = _scorer(x, y, np.ones(200), None, label)
        assert w[WITH_KIN] <= 0.0


@pytest.mark.parametrize(
    "text",
    ["did u see the news about that guy", "police arrested two men in Siem Reap", "he was arrested",
     "doc bao thay cong an vua bat nhom nay", "bị bắt giữ hôm qua", "ឃើញព័ត៌មានទេ",
     "ប៉ូលិសចាប់ខ្លួនជនសង្ស័យ"],
)  # fmt: skip
def test_talk_about_abuse_in_the_news_is_marked(text: str) -> None:
    found = generic.GenericNewsRecognizer().analyze(build_artifacts(text))
    assert [(f.label, f.stage) for f in found] == [(CONTEXT, "news")]


@pytest.mark.parametrize(
    "text",
    ["if u go to the police i'll post it everywhere", "you will be arrested if you dont pay",
     "សូមលុប post ហ្នឹង វាជាព័ត៌មានផ្ទាល់ខ្លួនខ្ញុំ", "mẹ cậu có hay xem tin nhắn ko",
     "admin ត្រូវការព័ត៌មានបន្តិច អូនអាយុប៉ុន្មាន"],
)  # fmt: skip
def test_threats_and_personal_information_are_not_news(text: str) -> None:
    assert generic.GenericNewsRecognizer().analyze(build_artifacts(text)) == []


def advice(text: str) -> bool:
    return marks(generic.GenericSafetyAdviceRecognizer(), "advice", text)


@pytest.mark.parametrize(
    "text",
    ["what should i do if someone online asks for pics?",
     "if a stranger asks u for a private photo, tell me",
     "never send photos to people you don't know",
     "tell a teacher if anyone makes you feel weird", "what if my boyfriend keeps asking for a pic",
     "block and report them", "talk to a trusted adult",
     "nếu có người lạ xin ảnh riêng tư thì em làm sao ạ", "phải làm sao nếu bị dọa",
     "đừng bao giờ gửi ảnh cho người lạ", "gọi tổng đài 111 nhé",
     "បើមាននរណាម្នាក់សុំរូបអូន ប្រាប់មនុស្សធំភ្លាម", "កុំផ្ញើរូបឲ្យអ្នកមិនស្គាល់", "ហៅលេខ ១២៨០",
     "bae mean nak som rub private online?"],
)  # fmt: skip
def test_safety_advice_is_marked(text: str) -> None:
    assert advice(text)


@pytest.mark.parametrize(
    "text",
    [
        # a groomer's cover story and secrecy, and a child quoting a parent's rule to a groomer
        "if anyone asks, say im ur cousin", "dont tell anyone about our pics", "kom prab mak",
        "my mom said dont send pics to people online", "កុំប្រាប់មនុស្សធំណា", "ម៉ាក់ថាកុំផ្ញើរូបឲ្យមនុស្សចម្លែក",
        "what do you do when not at work", "đừng kể với bố mẹ nha", "nhiều bé kể sớm là mất suất",
        "send me a pic, nobody will know",
    ],
)  # fmt: skip
def test_secrecy_and_cover_stories_are_not_advice(text: str) -> None:
    assert not advice(text)


def test_advice_feeds_the_news_talk_features() -> None:
    """Advice is talk about abuse from the outside, as news is: the same discount features."""
    found = generic.GenericSafetyAdviceRecognizer().analyze(
        build_artifacts("never send pics to strangers online")
    )
    assert message_evidence(found, [0.0] * len(LABELS), {}, LABELS, 0.5).news


@pytest.mark.parametrize(
    "text",
    ["actually next month for my moms birthday", "we're planning a surprise for ur dad",
     "nay bố về sớm mua bánh kem sinh nhật mẹ, con đừng nói mẹ nha, bí mật 🤫",
     "ល្អ។ ស្អែកខួបកំណើតប៉ា កុំប្រាប់គាត់ណា យើងធ្វើ surprise 🤫",
     "saek khuop kamnaet mae oun. kom prab mae na, surprise"],
)  # fmt: skip
def test_a_family_members_birthday_being_planned_is_a_kin_marker(text: str) -> None:
    assert kin(text)


@pytest.mark.parametrize(
    "text",
    ["nói mẹ đi sinh nhật bạn là được", "dont tell ur mom, its our secret", "i got a gift for u",
     "say ur at ur friends birthday party"],
)  # fmt: skip
def test_a_groomers_cover_story_or_gift_is_no_kin_marker(text: str) -> None:
    assert not kin(text)


@pytest.mark.parametrize(
    "text",
    ["aunty sent $20 to your mum's ABA for you, buy something nice",
     "is your mum home? tell her to call me on messenger tonight",
     "and send aunty a photo in your new uniform, I want to show grandma here",
     "Bin oi, chu gui li xi 500k qua Momo cua me con roi nha 🧧",
     "nho ngoan, nghe loi bo me. noi me goi chu toi nay nhe",
     "មីងផ្ទេរលុយ 50$ តាម ABA ទៅម៉ាក់ហើយ សម្រាប់ថ្លៃរៀនគួរក្មួយ"],
)  # fmt: skip
def test_a_relative_who_keeps_the_parent_in_the_loop_is_a_kin_marker(text: str) -> None:
    """Money sent through the child's parent, the parent asked to call back, a photo for
    grandma: a relative's way, never a groomer's, who keeps the parent out."""
    assert kin(text)


@pytest.mark.parametrize(
    "text",
    ["បើមិនផ្ញើ ខ្ញុំផ្ញើរូបទៅប៉ាម៉ាក់ឯង", "ហើយលុបសារទាំងអស់ផងណា កុំឲ្យយាយមើលឃើញ",
     "i'll send it to your mom's number if u dont pay", "dont tell ur mom i sent u money"],
)  # fmt: skip
def test_a_threat_to_tell_the_parent_or_hiding_from_grandma_is_no_kin_marker(text: str) -> None:
    assert not kin(text)
