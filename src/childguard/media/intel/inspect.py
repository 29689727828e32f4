"""``inspect_file``: the service behind ``childguard inspect`` (hash, match, intelligence)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from childguard.config import Settings
from childguard.media.intel.analyze import IntelEngine
from childguard.media.intel.priority import review_priority
from childguard.media.scan import hash_file

if TYPE_CHECKING:
    from childguard.media.matcher import Matcher


def inspect_file(path: Path, settings: Settings, matcher: Matcher | None) -> dict[str, Any]:
    """Signals, matches (with a matcher), intelligence and review priority of one file.

    Raises the ``ChildguardError`` of a file that cannot be read or hashed.
    """
    from childguard.textrisk.engine import RiskEngine

    media, signals = hash_file(path, settings)
    matches = matcher.match_signals(signals.values()) if matcher is not None else []
    matched = any(not m.allow and not m.suppressed for m in matches)
    report = None
    if settings.intel_enabled:
        engine = IntelEngine(settings, lambda: RiskEngine.load(settings))
        report = engine.analyze(media)
    return {
        "path": str(path),
        "kind": str(media.kind),
        "content_type": media.mime,
        "signals": {name: r.to_public() for name, r in signals.items()},
        "matched": matched,
        "matches": [m.to_public() for m in matches],
        "intel": report.to_public() if report is not None else None,
        "priority": review_priority(settings, matched=matched, report=report),
    }
