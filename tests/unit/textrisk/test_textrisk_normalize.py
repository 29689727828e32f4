"""Normalisation defeats evasion without corrupting what entities need (issue 5 §3)."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.normalize import fold_diacritics


def test_zero_width_characters_inside_latin_words_are_removed() -> None:
    art = build_artifacts("t\u200be\u200bl\u200ce\u2060gram")
    assert "telegram" in art.tokens
    assert "invisible_characters" in art.evasions


def test_zero_width_space_between_khmer_words_becomes_a_word_boundary() -> None:
    art = build_artifacts("ខ្ញុំ\u200bទៅ")
    assert art.surface == "ខ្ញុំ ទៅ"
    assert "invisible_characters" not in art.evasions
    assert art.khmer == "ខ្ញុំទៅ"


def test_homoglyphs_map_to_latin() -> None:
    art = build_artifacts("ѕеnd рiс")  # Cyrillic look-alikes
    assert art.tokens == ("send", "pic")
    assert "homoglyphs" in art.evasions


def test_leetspeak_is_undone_inside_words_but_ages_and_numbers_survive() -> None:
    art = build_artifacts("s3nd p1c, i am 13yo, call 012345678")
    assert "send" in art.tokens and "pic" in art.tokens
    assert "13yo" in art.folded
    assert "leetspeak" in art.evasions
    assert "012345678" in art.surface


def test_spaced_out_letters_are_joined() -> None:
    art = build_artifacts("add me on t e l e g r a m or s.n.a.p.c.h.a.t")
    assert "telegram" in art.tokens and "snapchat" in art.tokens
    assert "spaced_letters" in art.evasions
    # a separator with a space on either side; two or three letters alone stay as they are
    assert "pthc" in build_artifacts("new p . t . h . c folder").tokens
    assert build_artifacts("made in the u . s . a").surface == "made in the u . s . a"


def test_emoji_standing_for_words_become_words() -> None:
    art = build_artifacts("add my 👻 and send 📸 🤫")
    assert {"snapchat", "photo", "secret"} <= set(art.tokens)


def test_app_abbreviations_before_a_handle_are_spelled_out() -> None:
    assert "telegram" in build_artifacts("tele: @someone").tokens
    assert "telegram" in build_artifacts("tg @someone").tokens
    assert "whatsapp" in build_artifacts("wa: 012 345 678").tokens


def test_vietnamese_diacritics_and_teencode_meet_one_form() -> None:
    with_marks = build_artifacts("Không được nói với ai nhé")
    teencode = build_artifacts("ko dc noi vs ai nhe")
    assert with_marks.folded == teencode.folded == "khong duoc noi voi ai nhe"


@pytest.mark.parametrize(
    ("text", "folded"),
    [("dang. so how old r u?", "dang. so how old r u?"),
     ("also my parents r in town sat so dont text me weird stuff that day lol",
      "also my parents r in town sat so dont text me weird stuff that day lol"),
     ("co preview ko, so mua xong link die", "co preview khong, so mua xong link die")],
)  # fmt: skip
def test_english_with_a_vietnamese_word_keeps_its_english_shorthand(text: str, folded: str) -> None:
    """ "dang" reads as Vietnamese too, but "r", "a" and "k" stay English in an English message;
    shorthand no English writer uses ("ko") is still expanded."""
    art = build_artifacts(text)
    assert art.language == "en" and "vi" in art.languages
    assert art.folded == folded


def test_fold_diacritics_leaves_khmer_marks_alone() -> None:
    assert fold_diacritics("Đà Nẵng ខ្ញុំ") == "Da Nang ខ្ញុំ"


def test_handles_and_numbers_become_placeholders_for_the_model() -> None:
    art = build_artifacts("my telegram is @fake_abc, or call +855 12 345 678")
    assert "xhandle" in art.tokens and "xphone" in art.tokens
    assert "fake" not in art.tokens


def test_long_message_is_truncated_and_marked() -> None:
    art = build_artifacts("a" * 10_000, analysed_chars=100)
    assert art.truncated and art.length == 10_000
    assert len(art.surface) <= 100


def test_control_characters_and_junk_do_not_break_normalisation() -> None:
    junk = "".join(chr(c) for c in range(0, 0x250)) + "\ud800\ufffd"
    art = build_artifacts(junk)
    assert "\x00" not in art.surface


def test_character_references_of_exported_chat_logs_are_decoded() -> None:
    art = build_artifacts("i&apos;m 13 &amp; my mom&#39;s home &lt;3 &#x27;ok&#x27;")
    assert art.surface.startswith("i'm 13 & my mom's home <3 'ok'")


def test_only_complete_character_references_are_decoded() -> None:
    # A bare "&not" is an HTML legacy reference, but in chat it is the start of a word.
    art = build_artifacts("you &me &nothing; &notit tom&jerry &unknownthing;")
    assert "&me" in art.surface and "&notit" in art.surface and "tom&jerry" in art.surface
    assert "&nothing;" in art.surface and "&unknownthing;" in art.surface
