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
    "load_recognizers",
    "unique_by_name",
]

ENTRY_POINT_GROUP = "childguard.recognizers"


def default_recognizers() -> list[RiskRecognizer]:
    """A fresh instance of every built-in recognizer (language-independent ones first)."""
    from childguard.textrisk.recognizers import en, generic, km, vi

    classes: list[type[RiskRecognizer]] = [
        generic.GenericPlatformRecognizer,
        generic.GenericCsamTermsRecognizer,
        generic.GenericAgeRecognizer,
        generic.GenericRomanisedKhmerRecognizer,
        generic.GenericSchoolYearRecognizer,
        generic.GenericBanterRecognizer,
        generic.GenericKinRecognizer,
        generic.GenericNewsRecognizer,
        generic.GenericSafetyAdviceRecognizer,
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


def unique_by_name(recognizers: list[RiskRecognizer]) -> list[RiskRecognizer]:
    """``recognizers`` unchanged, or ``ConfigurationError`` when two share a name."""
    from childguard.errors import ConfigurationError

    seen: dict[str, RiskRecognizer] = {}
    for recognizer in recognizers:
        if recognizer.name in seen:
            raise ConfigurationError(
                f"recognizer {recognizer.name!r} registered twice "
                f"({type(seen[recognizer.name]).__module__} and {type(recognizer).__module__})"
            )
        seen[recognizer.name] = recognizer
    return recognizers


def load_recognizers() -> list[RiskRecognizer]:
    """The built-in recognizers plus those other packages register under the
    ``childguard.recognizers`` entry-point group (each a ``RiskRecognizer`` subclass)."""
    from importlib.metadata import entry_points

    from childguard.errors import ConfigurationError

    recognizers = default_recognizers()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, RiskRecognizer)):
            raise ConfigurationError(f"entry point {ep.value} is not a RiskRecognizer subclass")
        recognizers.append(cls())
    return unique_by_name(recognizers)
