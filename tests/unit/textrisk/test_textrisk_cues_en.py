"""English cues for early grooming moves, chat-room bullying, sextortion and coded trade."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import RiskRecognizer, en


def stages(recognizer: RiskRecognizer, text: str) -> set[str | None]:
    art = build_artifacts(text)
    if not recognizer.applies_to(art):
        return set()
    return {f.stage for f in recognizer.analyze(art)}


G = en.EnGroomingRecognizer()
S = en.EnSextortionRecognizer()
B = en.EnBullyingRecognizer()
C = en.EnCsamTradeRecognizer()

POSITIVE = [
    (G, "did u tell ur mom about us??", "secrecy_isolation"),
    (B, "nobody here wants ur opinion", "exclusion"),
    (B, "nobody is sitting with the new kid. rule of 9C", "exclusion"),
    (B, "heard she'll send pics to anyone who asks", "sexual_harassment"),
    (B, "everyone knows what shes like", "sexual_harassment"),
    (B, "he talks like a farmer", "identity_hate"),
    (B, "nobody will ever sit with you, just accept it", "exclusion"),
    (B, "everyone unfollow her rn", "exclusion"),
    (B, "why do u even come to school tbh", "insult"),
    (B, "your whole existence is embarrassing", "insult"),
    (B, "nobody would even notice if u left", "insult"),
    (B, "everyone in our class laughs at you", "humiliation"),
    (B, "posting it in the grade chat lol", "humiliation"),
    (B, "made it a sticker already", "humiliation"),
    (B, "ur dead tomorrow, wait and see", "threat"),
    (B, "tell the teacher and it gets worse", "threat"),
    (B, "go eat that in your own country", "identity_hate"),
    (B, "she can't even speak english lol", "identity_hate"),
    (S, "if u block me they go to all ur friends list", "threat_to_expose"),
    (S, "or your whole class sees it tonight", "threat_to_expose"),
    (S, "use your moms card, i dont care", "demand"),
    (S, "then pay and nobody finds out", "demand"),
    (S, "you have until midnight", "deadline"),
    (S, "2 hours left", "deadline"),
    (G, "send a few photos first, no makeup", "image_request"),
    (G, "send me a couple pics", "image_request"),
    (G, "show me what u look like", "image_request"),
    (G, "come by yourself, it's more professional", "meeting"),
    (G, "better alone. trust me", "meeting"),
    (G, "could walk u home sometime", "meeting"),
    (G, "what time do u usually walk home?", "access_profiling"),
    (G, "no need to involve her yet, a lot of parents overreact", "secrecy_isolation"),
    (C, "new files, ages 8-12, dm for details", "offering"),
    (C, "wanna swap? i have lots", "offering"),
    (C, "pay in monero, no other way", "payment_contact"),
    (C, "anyone has the school pack?", "requesting"),
]

NEGATIVE = [
    (B, "nobody wants the last slice? mine then"),
    (B, "nobody is sitting with me at lunch today, everyone's on the trip"),
    (B, "bush camping is a strategy cry more"),
    (B, "loser buys pizza friday"),
    (B, "my backhand is illegal now"),
    (B, "i'll crush that exam by friday"),
    (G, "come alone or bring a friend, either way"),
    (G, "we took a couple of pics at the beach"),
    (S, "you have a dentist appointment at 3"),
    (S, "sent it to the group chat for the project"),
    (C, "kids under 12 get in free at the museum"),
    (C, "trading cards for sale, price list in the shop window"),
    (C, "we swapped seats on the bus"),
]


@pytest.mark.parametrize(("recognizer", "text", "stage"), POSITIVE)
def test_english_cue_found(recognizer: RiskRecognizer, text: str, stage: str) -> None:
    assert stage in stages(recognizer, text), f"{recognizer.name} missed {stage}: {text!r}"


@pytest.mark.parametrize(("recognizer", "text"), NEGATIVE)
def test_english_cue_quiet_on_benign(recognizer: RiskRecognizer, text: str) -> None:
    assert not stages(recognizer, text), f"{recognizer.name} fired on benign: {text!r}"


@pytest.mark.parametrize(
    ("text", "excludes"),
    [("just leave the clan na ronald, we need real players", True),
     ("let's make a new gc without her", True),
     ("i think better u ask teacher put u in other group", True),
     ("no fatties in this squad. kicking u", True),
     ("made a new gc for the trip, check ur invites", False),
     ("i might leave the team after this season", False)],
)  # fmt: skip
def test_exclusion_without_a_cruel_word(text: str, excludes: bool) -> None:
    """Pushing one person out of a group needs no insult: "just leave the clan", "a new gc
    without her"; a new group chat or leaving a team oneself is not that."""
    art = build_artifacts(text)
    found = [f.stage for f in en.EnBullyingRecognizer().analyze(art)]
    assert ("exclusion" in found) is excludes
