"""Risk recognizers per language and the default set the engine runs."""

from __future__ import annotations

from childguard.textrisk.recognizers.base import (
    CONTEXT,
    LABELS,
    STAGES,
    Explanation,
    Finding,
    PatternRecognizer,
    RiskRecognizer,
    Rule,
)

__all__ = [
    "CONTEXT",
    "LABELS",
    "STAGES",
    "Explanation",
    "Finding",
    "PatternRecognizer",
    "RiskRecognizer",
    "Rule",
    "default_recognizers",
]


def default_recognizers() -> list[RiskRecognizer]:
    """A fresh instance of every built-in recognizer (language-independent ones first)."""
    from childguard.textrisk.recognizers import en, generic, km, vi

    classes: list[type[RiskRecognizer]] = [
        generic.GenericPlatformRecognizer,
        generic.GenericCsamTermsRecognizer,
        generic.GenericAgeRecognizer,
        en.EnGroomingRecognizer,
        en.EnSextortionRecognizer,
        en.EnBullyingRecognizer,
        en.EnCsamTradeRecognizer,
        en.EnContextRecognizer,
        vi.ViGroomingRecognizer,
        vi.ViSextortionRecognizer,
        vi.ViBullyingRecognizer,
        vi.ViCsamTradeRecognizer,
        vi.ViContextRecognizer,
        km.KmGroomingRecognizer,
        km.KmSextortionRecognizer,
        km.KmBullyingRecognizer,
        km.KmCsamTradeRecognizer,
        km.KmContextRecognizer,
    ]
    return [cls() for cls in classes]
