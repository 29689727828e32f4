"""The recognizer plug-in shape: ``RiskRecognizer``, ``Finding`` and ``Explanation``.

Shaped after Microsoft Presidio's recognizers (ideas only): a recognizer serves one language (or
``*`` for every language), declares the labels it can emit, and turns a message's shared
``TextArtifacts`` into findings that explain themselves.
"""

from __future__ import annotations

import importlib
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal

from childguard.textrisk.artifacts import TextArtifacts

LABELS: tuple[str, ...] = ("GROOMING", "SEXTORTION", "BULLYING", "CSAM_TRADE")
#: Label of context signals (stated ages, distress, personal details): evidence, never a flag.
CONTEXT = "CONTEXT"

STAGES: dict[str, tuple[str, ...]] = {
    "GROOMING": (
        "access_profiling", "trust_gifts", "flattery_romance", "risk_assessment",
        "secrecy_isolation", "desensitising", "image_request", "meeting", "platform_migration",
    ),
    "SEXTORTION": ("image_request", "threat_to_expose", "demand", "deadline"),
    "BULLYING": (
        "insult", "threat", "exclusion", "humiliation", "sexual_harassment", "identity_hate",
        "doxxing",
    ),
    "CSAM_TRADE": ("advertising", "offering", "requesting", "payment_contact"),
    CONTEXT: (
        "stated_minor_age", "stated_adult_age", "minor_cue", "distress", "personal_details",
        "banter", "kin", "news", "advice",
    ),
}  # fmt: skip

Layer = Literal["surface", "norm", "folded", "khmer"]


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a finding was made.

    ``source`` is ``recognizer`` or ``model``; ``name`` the recognizer class or model name;
    ``pattern`` the rule that matched (recognizers) or ``None``; ``words`` the words or n-grams that
    weighed most; ``score_before_context`` the message-level score and ``score_after_context`` the
    conversation's probability for the label once the messages before it are taken into account.
    """

    source: str
    name: str
    pattern: str | None
    words: tuple[str, ...]
    score_before_context: float
    score_after_context: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the explanation."""
        return {
            "source": self.source,
            "name": self.name,
            "pattern": self.pattern,
            "words": list(self.words),
            "score_before_context": round(self.score_before_context, 4),
            "score_after_context": None
            if self.score_after_context is None
            else round(self.score_after_context, 4),
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of risk evidence in one message (``message`` is its 0-based index)."""

    label: str
    stage: str | None
    score: float
    explanation: Explanation
    message: int = -1

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as listed in a conversation result's ``findings``."""
        return {
            "message": self.message,
            "label": self.label,
            "stage": self.stage,
            "score": round(self.score, 4),
            "explanation": self.explanation.to_dict(),
        }


class RiskRecognizer(ABC):
    """A source of findings for one language (``*`` = any) and a fixed set of labels."""

    name: ClassVar[str]
    language: ClassVar[str]
    labels: ClassVar[tuple[str, ...]]

    @abstractmethod
    def analyze(self, artifacts: TextArtifacts) -> list[Finding]:
        """Findings in one message; an empty list when nothing matches. Never raises on text."""

    def applies_to(self, artifacts: TextArtifacts) -> bool:
        """Whether this recognizer should read the message (its language is present)."""
        return self.language == "*" or self.language in artifacts.languages


@dataclass(frozen=True)
class Rule:
    """One lexicon or pattern rule: a regular expression over one text layer."""

    label: str
    stage: str
    score: float
    name: str
    pattern: str
    layer: Layer = "folded"


def required_strings(pattern: str) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains, or ``None`` when unknown.

    Read from the parsed pattern: a run of literal characters at the top level, or the union of
    such strings over every branch of an alternation. Checking them with ``in`` costs a fraction
    of a regex search, and most messages match no rule, so most searches are skipped.
    """
    parser: Any = importlib.import_module("re._parser")
    return _required(parser.parse(pattern), parser)


def _required(items: Any, parser: Any) -> frozenset[str] | None:
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            candidates.append(frozenset({"".join(run)}))
            run.clear()

    for op, arg in items:
        if op is parser.LITERAL:
            run.append(chr(arg))
            continue
        flush()
        found: frozenset[str] | None = None
        if op is parser.SUBPATTERN:
            found = _required(arg[3], parser)
        elif op is parser.BRANCH:
            alternatives = [_required(alt, parser) for alt in arg[1]]
            if alternatives and all(a is not None for a in alternatives):
                found = frozenset().union(*(a for a in alternatives if a is not None))
        elif op in (parser.MAX_REPEAT, parser.MIN_REPEAT) and arg[0] >= 1:
            found = _required(arg[2], parser)
        if found:
            candidates.append(found)
    flush()
    usable = [c for c in candidates if c and min(map(len, c)) >= 2]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(len, c)), -len(c)))


@dataclass
class _Compiled:
    """A compiled rule. A leading ``\\b`` is checked by hand: it would disable the regex
    engine's literal-prefix scan and make every search several times slower."""

    rule: Rule
    regex: re.Pattern[str] = field(repr=False)
    word_start: bool = False
    required: frozenset[str] | None = None

    @classmethod
    def of(cls, rule: Rule) -> _Compiled:
        pattern = rule.pattern
        required = required_strings(pattern)
        if pattern.startswith(r"\b"):
            return cls(rule, re.compile(pattern[2:]), True, required)
        return cls(rule, re.compile(pattern), False, required)

    def search(self, text: str, gated: bool = False) -> re.Match[str] | None:
        """First match in ``text``; ``gated`` says the required literals were already checked."""
        if not gated and self.required is not None and not any(s in text for s in self.required):
            return None
        if not self.word_start:
            return self.regex.search(text)
        pos = 0
        while True:
            match = self.regex.search(text, pos)
            if match is None:
                return None
            start = match.start()
            if start == 0 or not _is_word(text[start - 1]) or not _is_word(text[start]):
                return match
            pos = start + 1


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


class PatternRecognizer(RiskRecognizer):
    """A recognizer defined by ``rules``; subclasses only list their rules.

    Each rule that matches yields a finding; several rules for the same label and stage keep the
    highest-scoring one. Expressions are compiled when the recognizer is built, not at import.
    """

    rules: ClassVar[tuple[Rule, ...]] = ()

    def __init__(self) -> None:
        # Rules are named after their stage and their rank within it in this recognizer, so that
        # an explanation's pattern name points at exactly one rule.
        counts: dict[str, int] = {}
        named = []
        for rule in self.rules:
            counts[rule.stage] = counts.get(rule.stage, 0) + 1
            named.append(replace(rule, name=f"{rule.stage}_{counts[rule.stage]}"))
        self._compiled = [_Compiled.of(rule) for rule in named]
        self._layers = tuple(sorted({rule.layer for rule in named}))

    def analyze(self, artifacts: TextArtifacts) -> list[Finding]:
        """Findings of every rule that matches, best per (label, stage)."""
        best: dict[tuple[str, str], Finding] = {}
        texts = {layer: getattr(artifacts, layer) for layer in self._layers}
        for compiled in self._compiled:
            rule = compiled.rule
            text = texts[rule.layer]
            if not text:
                continue
            # The required-literal gate, inlined: this loop runs hundreds of times per message.
            required = compiled.required
            if required is not None:
                for literal in required:
                    if literal in text:
                        break
                else:
                    continue
            match = compiled.search(text, gated=True)
            if match is None:
                continue
            key = (rule.label, rule.stage)
            current = best.get(key)
            if current is not None and current.score >= rule.score:
                continue
            best[key] = Finding(
                label=rule.label,
                stage=rule.stage,
                score=rule.score,
                explanation=Explanation(
                    source="recognizer",
                    name=self.name,
                    pattern=rule.name,
                    words=(match.group(0).strip()[:80],),
                    score_before_context=rule.score,
                ),
            )
        return list(best.values())


def rules(
    label: str, stage: str, score: float, *patterns: str, layer: Layer = "folded"
) -> list[Rule]:
    """Rules for one label and stage, named ``stage`` plus a counter."""
    return [
        Rule(label, stage, score, f"{stage}_{i}", pattern, layer)
        for i, pattern in enumerate(patterns, 1)
    ]
