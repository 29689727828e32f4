"""Safety messages shown to the at-risk user of a flagged conversation, in their language.

Texts live in editable JSON files, one per language (``en.json``, ``km.json``, ``vi.json``), shipped
in ``textrisk/data/interventions/``. A deployment replaces any of them by putting a file of the same
name in the directory named by ``CHILDGUARD_TEXTRISK_INTERVENTIONS_DIR``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from childguard.errors import ConfigurationError

LANGUAGES = ("en", "km", "vi")
REQUIRED = ("language", "title", "what_is_happening", "not_your_fault", "block_and_report",
            "helplines")  # fmt: skip


def _read(path: Path | Any) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigurationError(f"intervention file {path} cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"intervention file {path} must hold a JSON object")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise ConfigurationError(f"intervention file {path} lacks {', '.join(missing)}")
    return data


@dataclass(frozen=True)
class Interventions:
    """The safety texts per language, loaded once per engine."""

    texts: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, override_dir: Path | None = None) -> Interventions:
        """Shipped texts, each replaced by ``override_dir/<lang>.json`` when that file exists."""
        shipped = resources.files("childguard.textrisk") / "data" / "interventions"
        texts: dict[str, dict[str, Any]] = {}
        for lang in LANGUAGES:
            override = override_dir / f"{lang}.json" if override_dir else None
            if override is not None and override.is_file():
                texts[lang] = _read(override)
            else:
                texts[lang] = _read(shipped / f"{lang}.json")
        return cls(texts)

    def for_conversation(self, labels: list[str], language: str) -> dict[str, Any]:
        """The intervention for ``labels`` (most severe first) in ``language`` (else English)."""
        text = self.texts.get(language) or self.texts["en"]
        what = text["what_is_happening"]
        lines = [str(what[label]) for label in labels if label in what]
        lines.append(str(text["not_your_fault"]))
        lines.append(str(text["block_and_report"]))
        return {
            "language": text["language"],
            "audience": "at_risk_user",
            "labels": labels,
            "title": text["title"],
            "message": lines,
            "helplines": text["helplines"],
        }


def at_risk_language(
    message_languages: list[str],
    senders: list[str],
    risky_senders: Counter[str],
    minors: set[str],
) -> str:
    """Language of the at-risk user: a known minor, else whoever received the risky messages.

    Falls back to the conversation's most frequent language, then English.
    """
    if minors:
        targets = minors
    else:
        targets = {s for s in set(senders) if s not in risky_senders} if risky_senders else set()
    counts: Counter[str] = Counter()
    for lang, sender in zip(message_languages, senders, strict=True):
        if lang in LANGUAGES and (not targets or sender in targets):
            counts[lang] += 1
    if not counts:
        counts.update(lang for lang in message_languages if lang in LANGUAGES)
    return counts.most_common(1)[0][0] if counts else "en"
