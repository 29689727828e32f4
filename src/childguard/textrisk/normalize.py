"""Text normalisation that defeats common evasion, computed once per message.

Three layers are produced, each used by a different consumer:

``surface``  NFKC, invisible characters removed, homoglyphs mapped, case folded, spaced-out
             letters joined, emoji replaced by the word they stand for. Entities (phones, handles,
             ages) are read from it, because leetspeak undoing would corrupt digits.
``norm``     ``surface`` with leetspeak undone inside words ("s3nd p1c" -> "send pic") and app
             abbreviations spelled out ("tele: @x" -> "telegram: @x").
``folded``   ``norm`` with Latin diacritics removed ("không" -> "khong"), so Vietnamese written
             with or without diacritics meets the same lexicons and model features.

U+200B (zero-width space) is an evasion trick in Latin text but the word separator of Khmer
text; between Khmer characters it becomes a plain space, elsewhere it is dropped.
"""

from __future__ import annotations

import html
import html.entities
import re
import unicodedata
from functools import cache

KHMER_RANGE = "\u1780-\u17ff\u19e0-\u19ff"
_KHMER_CHAR = re.compile(f"[{KHMER_RANGE}]")

#: Invisible characters used to split words past filters (ZWSP handled separately).
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06"
    "\ufe07\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f\ufeff\uffa0"
)
_ZWSP_KHMER = re.compile(f"(?<=[{KHMER_RANGE}])\u200b+(?=[{KHMER_RANGE}])")
#: A complete character reference ("&apos;", "&#39;", "&#x27;"): chat logs exported as HTML or XML
#: carry them, and "i&apos;m 13" must read as "i'm 13". Only complete references are decoded
#: (html.unescape alone also decodes a bare "&not" inside "&nothing").
_CHAR_REFERENCE = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ud800-\udfff]")

#: Look-alike letters from other scripts mapped to the Latin letter they imitate (lower case).
_HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ɑ": "a", "ı": "i", "ȷ": "j", "ℓ": "l",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ѵ": "v", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d",
    "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n",
    "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y",
    "ᴢ": "z",
}  # fmt: skip

#: Emoji that stand for a word in risky chats; the word is inserted in their place.
EMOJI_WORDS = {
    "👻": "snapchat", "📸": "photo", "📷": "photo", "🤳": "selfie", "🎥": "video",
    "📹": "video", "📽": "video", "📞": "call", "☎": "call", "📲": "call", "🤫": "secret",
    "🤐": "secret", "🙊": "secret", "🎁": "gift", "💰": "money", "💵": "money", "💸": "money",
    "💲": "money", "🤑": "money", "💳": "card", "🔪": "knife", "🗡": "knife", "🔫": "gun",
    "🍆": "sexemoji", "🍑": "sexemoji", "💦": "sexemoji", "👅": "sexemoji", "🔞": "adultonly",
    "😘": "kiss", "💋": "kiss", "😍": "love", "🥰": "love", "❤": "love", "💕": "love",
    "💖": "love", "💗": "love", "😈": "devil", "🚗": "car", "🏨": "hotel", "🤡": "clown",
    "🐷": "pig", "🐖": "pig", "🐶": "dog", "🐕": "dog", "💩": "shit", "🖕": "fuck",
    "☠": "die", "💀": "dead", "🍭": "candy", "🍬": "candy", "🧸": "teddy", "🍕": "pizza",
    "👶": "kid", "🧒": "kid", "👧": "girl", "👦": "boy",
}  # fmt: skip
# Every key is one code point (variation selectors are stripped first), so a character class,
# much faster than an alternation, finds them.
_EMOJI_RE = re.compile("[" + "".join(EMOJI_WORDS) + "]")

#: Leetspeak inside a word that starts with a letter.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "@": "a", "$": "s", "!": "i", "|": "l", "9": "g"})  # fmt: skip
_LEET_WORD = re.compile(r"(?<![\w@#/.])([^\W\d_][\w@$!|]*[\d@$!|][\w@$!|]*)")

#: Four or more single letters separated by one space, dot, dash, underscore or star.
# Letters set apart by one separator, or by one with a space on either side ("p . t . h . c").
_SPACED = re.compile(
    r"(?<![^\s(\[\"'])((?:[^\W\d_](?: ?[.\-_*/] ?| )){3,}[^\W\d_])(?![^\s)\]\"'.,!?:;])"
)
_SPACED_SEP = re.compile(r"[ .\-_*/]")

#: App names written short or with separators, spelled out so one lexicon entry meets them all.
_APP_ALIASES = [
    (re.compile(r"(?<![\w.@/])(?:tele|tlgrm|telegr|telegrm|teleg|tgram)(?!\.?\w)"), "telegram"),
    (re.compile(r"(?<![\w.@/])(?:tg|tlg)(?=\s*[:@])"), "telegram"),
    (
        re.compile(r"(?<![\w.@/])(?:whats\s?app|watsapp|watsap|whatsap|wsp|whatapp)(?!\.?\w)"),
        "whatsapp",
    ),
    (re.compile(r"(?<![\w.@/])wa(?=\s*[:@])"), "whatsapp"),
    (re.compile(r"(?<![\w.@/])(?:snap|snapchap|snapchat)(?!\.?\w)"), "snapchat"),
    (re.compile(r"(?<![\w.@/])sc(?=\s*[:@])"), "snapchat"),
    (re.compile(r"(?<![\w.@/])(?:insta|instagr|instagram)(?!\.?\w)"), "instagram"),
    (re.compile(r"(?<![\w.@/])ig(?=\s*[:@])"), "instagram"),
    (re.compile(r"(?<![\w.@/])(?:za\s?lo|zl)(?=\s*[:@\d])"), "zalo"),
    (re.compile(r"(?<![\w.@/])(?:messenger|mess|fb\s?messenger)(?=\s*[:@])"), "messenger"),
    (re.compile(r"(?<![\w.@/])(?:disc|dc)(?=\s*[:@])"), "discord"),
    (re.compile(r"(?<![\w.@/])(?:tik\s?tok|tiktok|tt)(?=\s*[:@])"), "tiktok"),
    (re.compile(r"(?<![\w.@/])signal(?=\s*[:@])"), "signal"),
]


#: Substrings one of which every alias contains; texts without any skip the alias pass.
_ALIAS_HINTS = ("tel", "tg", "tlg", "wha", "wat", "wsp", "snap", "insta", "za", "zl", ":", "@")


@cache
def _alias_regex() -> re.Pattern[str]:
    """All app aliases in one alternation (one pass over the text instead of one per app)."""
    return re.compile("|".join(f"(?P<a{i}>{p.pattern})" for i, (p, _) in enumerate(_APP_ALIASES)))


def _has_alias_hint(text: str) -> bool:
    return any(hint in text for hint in _ALIAS_HINTS)


def _alias(match: re.Match[str]) -> str:
    return _APP_ALIASES[int(str(match.lastgroup)[1:])][1]


def _strip_invisible(text: str) -> str:
    text = _ZWSP_KHMER.sub(" ", text)
    text = text.replace("\u200b", "")
    return text.translate(_invisible_table())


@cache
def _invisible_table() -> dict[int, None]:
    return dict.fromkeys(map(ord, _INVISIBLE))


@cache
def _fold_table() -> dict[int, str]:
    """Latin letters with diacritics mapped to their base letter (Vietnamese, French, ...)."""
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    for start, end in ((0x00C0, 0x024F), (0x1E00, 0x1EFF)):
        for code in range(start, end + 1):
            char = chr(code)
            base = "".join(
                c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
            )
            if base and base != char and base.isascii():
                table[code] = base
    return table


def fold_diacritics(text: str) -> str:
    """Remove Latin diacritics only (Khmer marks are untouched): "Không được" -> "Khong duoc"."""
    return text.translate(_fold_table())


def _join_spaced(match: re.Match[str]) -> str:
    return _SPACED_SEP.sub("", match.group(1))


def _unleet(match: re.Match[str]) -> str:
    word = match.group(1)
    # A trailing run of "!" is punctuation, not a letter.
    core = word.rstrip("!")
    return core.translate(_LEET) + word[len(core) :]


def _decode_reference(match: re.Match[str]) -> str:
    reference = match.group(0)
    if reference[1] != "#" and reference[1:] not in html.entities.html5:
        return reference  # "&nothing;" is no reference, though html.unescape reads "&not" in it
    return html.unescape(reference)


def _emoji(match: re.Match[str]) -> str:
    return f" {EMOJI_WORDS[match.group(0)]} "


def surface_form(text: str) -> tuple[str, list[str]]:
    """The ``surface`` layer and the names of the evasions that were undone."""
    evasions: list[str] = []
    if "&" in text:
        text = _CHAR_REFERENCE.sub(_decode_reference, text)
    text = _CONTROL.sub(" ", text)
    stripped = _strip_invisible(text)
    if len(stripped) != len(text):
        evasions.append("invisible_characters")
    text = unicodedata.normalize("NFKC", stripped).casefold()
    mapped = text.translate(_homoglyph_table())
    if mapped != text:
        evasions.append("homoglyphs")
    text = mapped
    joined = _SPACED.sub(_join_spaced, text)
    if joined != text:
        evasions.append("spaced_letters")
    text = joined
    if _EMOJI_RE.search(text):
        evasions.append("emoji_words")
        text = _EMOJI_RE.sub(_emoji, text)
    return text, evasions


@cache
def _homoglyph_table() -> dict[int, str]:
    return {ord(k): v for k, v in _HOMOGLYPHS.items()}


def norm_form(surface: str) -> tuple[str, bool]:
    """The ``norm`` layer from ``surface``, and whether leetspeak was undone."""
    unleeted = _LEET_WORD.sub(_unleet, surface)
    leet = unleeted != surface
    if not _has_alias_hint(unleeted):
        return unleeted, leet
    return _alias_regex().sub(_alias, unleeted), leet


def has_khmer(text: str) -> bool:
    """Whether the text contains at least one Khmer character."""
    return _KHMER_CHAR.search(text) is not None
