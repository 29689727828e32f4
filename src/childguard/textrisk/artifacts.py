"""``TextArtifacts``: everything recognizers and the model read about a message, computed once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from childguard.textrisk.langid import LanguageGuess, identify
from childguard.textrisk.normalize import (
    KHMER_RANGE,
    fold_diacritics,
    norm_form,
    surface_form,
)

#: Khmer orthographic syllable: a base letter with its subscripts (coeng + letter) and signs.
KHMER_SYLLABLE = (
    "[\u1780-\u17b3](?:\u17d2[\u1780-\u17b3]|[\u17b6-\u17d1\u17d3\u17dd])*"
    "(?:[\u1780-\u17a2][\u17cb\u17cd])?"
)
_TOKEN = re.compile(f"{KHMER_SYLLABLE}|[0-9a-z]+|[^\\W_{KHMER_RANGE}]+")
_LATIN_TOKEN = re.compile(r"[a-z]+")
_SPACES = re.compile(r"\s+")

#: Vietnamese teencode (diacritic-free) spelled out; applied only where Vietnamese is present.
TEENCODE = {
    "ko": "khong", "k": "khong", "kh": "khong", "hok": "khong", "khum": "khong", "hong": "khong",
    "kg": "khong", "dc": "duoc", "dk": "duoc", "j": "gi", "gj": "gi", "bit": "biet",
    "mk": "minh", "mik": "minh", "ny": "nguoi yeu", "vs": "voi", "ns": "noi", "nt": "nhan tin",
    "ck": "chong", "vk": "vo", "r": "roi", "wa": "qua", "z": "vay", "v": "vay", "bn": "bao nhieu",
    "bnh": "bao nhieu", "t": "tao", "m": "may", "ib": "nhan tin", "kb": "ket ban", "trc": "truoc",
    "ng": "nguoi", "cj": "chi", "a": "anh", "e": "em", "hk": "khong", "hem": "khong",
    "iu": "yeu", "thik": "thich", "bik": "biet", "sn": "sinh nhat", "nhìu": "nhieu",
    "nhiu": "nhieu", "cx": "cung", "ntn": "nhu the nao", "lm": "lam", "bh": "bay gio",
    "bjo": "bay gio", "h": "gio", "pm": "nhan tin", "vid": "video",
}  # fmt: skip
_TEENCODE_RE = re.compile(r"\b(" + "|".join(sorted(TEENCODE, key=len, reverse=True)) + r")\b")
#: Shorthand that is also English chat ("r u", "a pic", "ok k", "9 pm", "vs", "vid", "bit").
_ENGLISH_TOO = {"r", "a", "k", "e", "t", "m", "h", "v", "z", "u", "pm", "vs", "ns", "ny", "bit",
                "ng", "vid", "wa", "sn", "bn", "j", "kh", "hong", "ck", "vk", "nt"}  # fmt: skip
_TEENCODE_NOT_ENGLISH_RE = re.compile(
    r"\b(" + "|".join(sorted(set(TEENCODE) - _ENGLISH_TOO, key=len, reverse=True)) + r")\b"
)
#: Handles, phone numbers and links are replaced by placeholders in ``folded``: which handle or
#: number appears says nothing about risk (and made-up training handles must not become features).
_PLACEHOLDERS = (
    (
        re.compile(r"\b(?:https?://|www\.)\S+|\b[a-z0-9\-]+\.(?:com|net|org|me|io|gg|ly|xyz)/\S*"),
        " xurl ",
    ),
    (re.compile(r"(?<![\w@])@[\w.]{2,}"), " xhandle "),
    (re.compile(r"\+?\d[\d .\-]{6,}\d"), " xphone "),
)
_COENG_DA, _COENG_TA = "\u17d2\u178a", "\u17d2\u178f"
_KHMER_DIGITS = str.maketrans({chr(0x17E0 + i): str(i) for i in range(10)})


@dataclass(frozen=True, slots=True)
class TextArtifacts:
    """One message, normalised once and shared by every recognizer and the model.

    ``surface``/``norm``/``folded`` are the layers described in :mod:`normalize`; ``khmer`` is
    ``folded`` without spaces (Khmer lexicons match across word separators); ``tokens`` are words
    of ``folded`` (Khmer split into syllables). ``truncated`` says the message was longer than the
    analysed length and only its head was analysed.
    """

    length: int
    truncated: bool
    surface: str
    norm: str
    folded: str
    khmer: str
    tokens: tuple[str, ...]
    language: str
    languages: tuple[str, ...]
    evasions: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        """True when nothing analysable remains (empty or whitespace-only message)."""
        return not self.tokens and not self.surface.strip()


def _expand_teencode(match: re.Match[str]) -> str:
    return TEENCODE[match.group(1)]


def build_artifacts(text: str, analysed_chars: int = 4000) -> TextArtifacts:
    """Normalise ``text`` (its first ``analysed_chars`` characters) into ``TextArtifacts``."""
    length = len(text)
    truncated = length > analysed_chars
    if truncated:
        text = text[:analysed_chars]
    surface, evasions = surface_form(text.translate(_KHMER_DIGITS))
    norm, leet = norm_form(surface)
    if leet:
        evasions.append("leetspeak")
    folded = fold_diacritics(norm)
    for pattern, placeholder in _PLACEHOLDERS:
        folded = pattern.sub(placeholder, folded)
    folded = _SPACES.sub(" ", folded).strip()
    guess: LanguageGuess = identify(surface, _LATIN_TOKEN.findall(folded))
    if "vi" in guess.languages:
        # In a message read as English with a Vietnamese word or two ("dang", "chào em"), "r",
        # "a", "k" are English ("ur parents r asleep k?", "im a nurse"): only the shorthand no
        # English writer uses is expanded there.
        teencode = _TEENCODE_NOT_ENGLISH_RE if guess.primary == "en" else _TEENCODE_RE
        folded = teencode.sub(_expand_teencode, folded)
    tokens = tuple(_TOKEN.findall(folded))
    return TextArtifacts(
        length=length,
        truncated=truncated,
        surface=surface,
        norm=norm,
        folded=folded,
        khmer=folded.replace(" ", "").replace(_COENG_DA, _COENG_TA)
        if "km" in guess.languages
        else "",
        tokens=tokens,
        language=guess.primary,
        languages=guess.languages,
        evasions=tuple(evasions),
    )
