"""Khmer words for explanations, from khmer-nltk (optional, off by default).

The engine's hot path splits Khmer into orthographic syllables, because khmer-nltk's CRF word
segmenter takes about 0.8 ms per message and 2 s to load its model, too slow for 2,000 messages
per second. When ``CHILDGUARD_TEXTRISK_KHMER_WORDS`` is on, the syllables that weighed most in a
model finding are shown as the khmer-nltk words that contain them, which reads better for a
Khmer-speaking reviewer; only flagged Khmer messages pay for it.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _tokenizer() -> Any:
    from khmernltk import word_tokenize

    return word_tokenize


def khmer_words(text: str, syllables: tuple[str, ...], limit: int = 5) -> tuple[str, ...]:
    """khmer-nltk words of ``text`` that contain one of ``syllables``, in the syllables' order;
    ``syllables`` unchanged when none does (or khmer-nltk is unavailable)."""
    try:
        words = [w for w in _tokenizer()(text) if w.strip()]
    except (ImportError, OSError, ValueError):
        return syllables
    out: list[str] = []
    for syllable in syllables:
        for word in words:
            if syllable.replace(" ", "") in word and word not in out:
                out.append(word)
                break
        if len(out) == limit:
            break
    return tuple(out) or syllables
