"""Surface noise for synthetic messages: the evasions and sloppiness of real chats.

Each function takes a message and a seeded ``random.Random`` and returns a variant; ``noisy``
applies a few of them at random. The point is variety in training data, so that the model and the
normaliser meet typos, slang, leetspeak, spaced letters, homoglyphs, zero-width characters and
emoji the way real users type them.
"""

from __future__ import annotations

import random
import unicodedata

_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
_HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
_EMOJI = ("😂", "😅", "🙂", "😊", "😘", "🥺", "😏", "🤫", "❤️", "🔥", "👀", "🙏", "💯", "😭", "👍")
_SLANG = {
    "you": "u", "your": "ur", "are": "r", "please": "pls", "because": "cuz", "okay": "ok",
    "really": "rly", "tonight": "tn", "tomorrow": "tmrw", "what": "wat", "don't": "dont",
    "i'm": "im", "to": "2", "for": "4", "love": "luv", "picture": "pic", "with": "w/",
    "know": "kno", "people": "ppl", "message": "msg", "about": "abt", "see": "c",
}  # fmt: skip


def _words(text: str) -> list[str]:
    return text.split(" ")


def _latin_positions(words: list[str]) -> list[int]:
    return [i for i, w in enumerate(words) if len(w) >= 3 and w.isascii() and w.isalpha()]


def typo(text: str, rng: random.Random) -> str:
    """Drop, double or swap one letter of one or two Latin words."""
    words = _words(text)
    for _ in range(rng.randint(1, 2)):
        spots = _latin_positions(words)
        if not spots:
            break
        i = rng.choice(spots)
        w = words[i]
        j = rng.randrange(1, len(w))
        kind = rng.random()
        if kind < 0.35:
            w = w[:j] + w[j + 1 :]
        elif kind < 0.7:
            w = w[:j] + w[j] + w[j:] if j < len(w) else w + w[-1]
        else:
            w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :] if j < len(w) else w
        words[i] = w
    return " ".join(words)


def slang(text: str, rng: random.Random) -> str:
    """Chat abbreviations ("you" -> "u", "please" -> "pls")."""
    out = []
    for w in _words(text):
        short = _SLANG.get(w.lower())
        out.append(short if short and rng.random() < 0.8 else w)
    return " ".join(out)


def leet(text: str, rng: random.Random) -> str:
    """Leetspeak in one or two words that start with a letter ("send" -> "s3nd")."""
    words = _words(text)
    for i in rng.sample(_latin_positions(words), k=min(2, len(_latin_positions(words)))):
        w = words[i]
        words[i] = w[0] + "".join(_LEET.get(ch, ch) if rng.random() < 0.6 else ch for ch in w[1:])
    return " ".join(words)


def spaced(text: str, rng: random.Random) -> str:
    """One longer word written with separators between its letters ("p i c s")."""
    words = _words(text)
    spots = [i for i in _latin_positions(words) if len(words[i]) >= 4]
    if spots:
        i = rng.choice(spots)
        words[i] = rng.choice((" ", ".", "-", "*")).join(words[i])
    return " ".join(words)


def homoglyphs(text: str, rng: random.Random) -> str:
    """Some Latin letters replaced by Cyrillic look-alikes."""
    return "".join(
        _HOMOGLYPHS[ch] if ch in _HOMOGLYPHS and rng.random() < 0.3 else ch for ch in text
    )


def zero_width(text: str, rng: random.Random) -> str:
    """Invisible characters inside one or two Latin words."""
    words = _words(text)
    for i in rng.sample(_latin_positions(words), k=min(2, len(_latin_positions(words)))):
        w = words[i]
        j = rng.randrange(1, len(w))
        words[i] = w[:j] + rng.choice(_ZERO_WIDTH) + w[j:]
    return " ".join(words)


def emoji(text: str, rng: random.Random) -> str:
    """An emoji or two at the end (or start) of the message."""
    e = "".join(rng.choice(_EMOJI) for _ in range(rng.randint(1, 2)))
    return f"{text} {e}" if rng.random() < 0.8 else f"{e} {text}"


def no_diacritics(text: str, rng: random.Random) -> str:
    """Vietnamese (or any Latin text) typed without diacritics."""
    del rng
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def case(text: str, rng: random.Random) -> str:
    """All lower case, all upper case, or a capital first letter."""
    r = rng.random()
    if r < 0.6:
        return text.lower()
    if r < 0.8:
        return text.upper()
    return text[:1].upper() + text[1:]


_EVASIONS = (leet, spaced, homoglyphs, zero_width)
_SLOPPY = (typo, slang, emoji, case)


def noisy(text: str, rng: random.Random, evasion_rate: float = 0.15) -> str:
    """A variant of ``text`` with chat sloppiness and, sometimes, a deliberate evasion."""
    if rng.random() < 0.5:
        text = rng.choice(_SLOPPY)(text, rng)
    if rng.random() < 0.25:
        text = rng.choice(_SLOPPY)(text, rng)
    if rng.random() < evasion_rate:
        text = rng.choice(_EVASIONS)(text, rng)
    return text
