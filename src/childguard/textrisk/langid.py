"""Offline language identification for Khmer, Vietnamese and English (and code-mixing).

Khmer is recognised by its script. Latin-script text is Vietnamese when it carries Vietnamese
diacritics, or, when typed without them, when its words are frequent Vietnamese words or teencode;
it is English when its words are frequent English words. Anything else is ``und`` (undetermined),
which the engine still analyses with its language-independent recognizers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from childguard.textrisk.normalize import KHMER_RANGE

_KHMER = re.compile(f"[{KHMER_RANGE}]")
_LATIN_WORD = re.compile(r"[a-z\u00c0-\u024f\u1e00-\u1eff]+")
#: Letters only Vietnamese uses among our languages (the tone-marked vowels live in U+1EA0-1EF9).
_VI_LETTERS = re.compile("[ăâđêôơưẠ-ỹàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


VI_WORDS = _words(
    """
    khong ko k hok khum hong co la cua va em anh chi minh toi ban gi j nha nhe di roi r duoc
    dc lam voi vs nay thi oi ah uh dang se cho den ve nguoi hoc truong lop tao tui thay biet
    bit muon gui hinh nhan tin gap hen sao vay z lai nua het qua wa ne nho thuong yeu mk mik
    ny ck vk kb ib nhieu bao nhieu tuoi dau nhu nao duoc chua cung mot hai cai nguoi chuyen
    tien dep xinh lanh ngoan day toi nhe ha hic huhu nhau chung tao di choi bay gio nghe noi
    ai biet dung bi phai luon thoi vui buon khoc xau ngu oc mi bon
    """
)
EN_WORDS = _words(
    """
    the you to and is i it my me your ur u what do are this that for of in on with have just
    not dont don im can will be so if we they lol ok okay yes no yeah hey hi please send pic
    photo bro omg gg thanks how why where when who was get got like know want all at up out
    about one good love hate now here there would could should am our us he she her him his
    them tell go come see old age school home parents mom dad friend meet add money pay
    video call lmao haha did does its i'm youre really sure gonna wanna never ever pls plz
    thx thank sorry nice cool anyone nobody everyone talk chat app account free selling sell
    buy kids kid videos pics per folder link links new young content price dm text message
    phone number girl boy girls boys picture pictures secret private alone class teacher game
    play playing round team win lose stupid ugly fat dumb loser kill die dead beat fight laugh
    post share sent cash gift card hour hours minutes tonight tomorrow today yesterday time day
    night week then than because cause cuz but or as by from an has had were been which their
    these those some any more very much many too also only still even back over after before
    again off down into let make made take give say said think look need feel try keep leave
    ask help work house friends dude babe baby sweet cute pretty beautiful mature special trust
    wait stop guys man lets let's yours mine everything nothing something anything
    kys kms stfu wtf idk idc ngl fr rn tbh smh ikr bruh lmfao rofl wyd hbu hmu ttyl brb irl
    btw nvm ofc srsly dms snap insta
    """
)


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The main language of a message and every language present (code-mixed messages)."""

    primary: str
    languages: tuple[str, ...]


UNDETERMINED = LanguageGuess("und", ("und",))


def identify(surface: str, folded_words: list[str]) -> LanguageGuess:
    """Identify the languages of a message.

    ``surface`` is the case-folded text with diacritics; ``folded_words`` its Latin words without
    diacritics. Returns ``und`` when no language has evidence.
    """
    khmer = len(_KHMER.findall(surface))
    vi_marked = len(_VI_LETTERS.findall(surface))
    vi = en = 0
    for word in folded_words:
        if word in VI_WORDS:
            vi += 1
        if word in EN_WORDS:
            en += 1
    if vi_marked:
        vi += 2 + vi_marked
    scores = {"km": khmer / 3.0, "vi": float(vi), "en": float(en)}
    # Words in both lexicons ("me", "do") cancel when the other language has stronger evidence.
    if vi and en:
        if vi >= 2 * en:
            scores["en"] = 0.0 if en <= 1 else scores["en"]
        elif en >= 2 * vi:
            scores["vi"] = 0.0 if vi <= 1 and not vi_marked else scores["vi"]
    ranked = sorted(scores, key=lambda lang: -scores[lang])
    if scores[ranked[0]] < 1.0:
        return UNDETERMINED
    # A second language needs two words of evidence (or script), so that one shared short word
    # does not make a message code-mixed.
    present = [ranked[0]] + [
        lang for lang in ranked[1:] if scores[lang] >= 2.0 or (lang == "km" and khmer)
    ]
    return LanguageGuess(present[0], tuple(present))
