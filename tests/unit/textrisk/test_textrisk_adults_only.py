"""A chat where every sender states an adult's age or an adult's life, and nobody a minor's age,
reads as adults talking: its grooming warning is withdrawn; the other's age said back ("u r 29")
does not make the speaker an adult."""

from __future__ import annotations

import numpy as np
import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import LABELS, default_recognizers
from childguard.textrisk.recognizers.answers import with_answers
from childguard.textrisk.scoring import (
    N_FEATURES,
    SIGNLESS_GROOMING_FACTOR,
    MessageEvidence,
    adults_only_chat,
    family_chat,
    message_evidence,
    withdraw_signless_grooming,
)

G = LABELS.index("GROOMING")
RECOGNIZERS = default_recognizers()


def evidence(*lines: str) -> tuple[list[MessageEvidence], list[str]]:
    """Each "A:text" line's evidence (recognizers and the answer pass, no message model)."""
    arts = [build_artifacts(line[2:]) for line in lines]
    senders = [line[0] for line in lines]
    found = [[f for r in RECOGNIZERS if r.applies_to(a) for f in r.analyze(a)] for a in arts]
    zero = [0.0] * len(LABELS)
    per_message = with_answers(arts, senders, found)
    return [message_evidence(f, zero, {}, LABELS, 0.5) for f in per_message], senders


@pytest.mark.parametrize(
    "lines",
    [("A:also fair warning I'm 31", "B:33 and same. send me a pic of ur outfit"),
     ("A:anh vừa đón con xong, vợ anh đi công tác", "B:em mới tan làm, sếp bắt họp tới 7h"),
     ("A:ខ្ញុំទើបចេញពីធ្វើការ", "B:ប្រពន្ធខ្ញុំទៅស្រុក អាយុ 35 ហើយនៅតែរាងស្អាត")],
)  # fmt: skip
def test_two_adults_of_their_own_saying(lines: tuple[str, ...]) -> None:
    ev, senders = evidence(*lines)
    assert all(e.speaker_adult for e in ev)
    assert adults_only_chat(ev, senders)


@pytest.mark.parametrize(
    "lines",
    [  # one of them never says, or says a minor's age, or only the other's age is given back
     ("A:I'm 31", "B:haha ok"),
     ("A:I'm 31", "B:im only 15 tho", "B:i'm 18 lol jk"),
     ("A:I'm 29", "B:u r 29 tho lol"),
     ("A:I'm 31", "A:my wife is away")],  # one sender, however adult
)  # fmt: skip
def test_not_adults_only(lines: tuple[str, ...]) -> None:
    ev, senders = evidence(*lines)
    assert not adults_only_chat(ev, senders)


def test_the_others_age_said_back_marks_no_speaker() -> None:
    ev, _ = evidence("B:u r 29 tho lol")
    assert ev[0].adult and not ev[0].speaker_adult


def test_a_minor_known_to_the_platform_keeps_the_chat_out() -> None:
    ev, senders = evidence("A:I'm 31", "B:I'm 30")
    assert adults_only_chat(ev, senders)
    assert not adults_only_chat(ev, senders, minor_known=True)


def test_adults_only_withdraws_grooming_alone() -> None:
    f = np.zeros((3, len(LABELS), N_FEATURES))
    probs = np.full((3, len(LABELS)), 0.9)
    out = withdraw_signless_grooming(f, probs, LABELS, minor_sign=True, adults_only=True)
    assert np.allclose(out[:, G], 0.9 * SIGNLESS_GROOMING_FACTOR)
    others = [k for k in range(len(LABELS)) if k != G]
    assert np.allclose(out[:, others], 0.9)
    assert withdraw_signless_grooming(f, probs, LABELS, minor_sign=True) is probs


@pytest.mark.parametrize(
    ("lines", "family"),
    [(("A:where r u? tuition finished", "B:at the bubble tea shop", "A:dont tell ur sister",
       "B:ok mum 🤐"), True),
     (("A:chau oi thi xong chua", "B:da xong r chu a", "A:noi me goi chu toi nay nhe"), True),
     (("A:dont tell ur mom we talk", "B:ok", "A:send me a pic"), False),
     (("A:just don't tell ya mum 😂", "B:lol ok"), False)],
)  # fmt: skip
def test_a_familys_chat(lines: tuple[str, ...], family: bool) -> None:
    ev, _ = evidence(*lines)
    assert family_chat(ev) is family


def test_a_familys_chat_withdraws_grooming_alone() -> None:
    f = np.zeros((2, len(LABELS), N_FEATURES))
    probs = np.full((2, len(LABELS)), 0.9)
    out = withdraw_signless_grooming(f, probs, LABELS, minor_sign=True, family=True)
    assert np.allclose(out[:, G], 0.9 * SIGNLESS_GROOMING_FACTOR)
    assert np.allclose(np.delete(out, G, axis=1), 0.9)
