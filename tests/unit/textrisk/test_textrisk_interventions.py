"""Safety messages per language, editable per deployment (issue 5 §6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from childguard.errors import ConfigurationError
from childguard.textrisk.interventions import Interventions


@pytest.mark.parametrize(("lang", "helpline"), [("km", "1280"), ("en", "1280"), ("vi", "111")])
def test_each_language_has_the_four_parts(lang: str, helpline: str) -> None:
    result = Interventions.load().for_conversation(["SEXTORTION", "GROOMING"], lang)
    assert result["language"] == lang
    assert len(result["message"]) == 4  # two labels, not-your-fault, block-and-report
    assert any(h["contact"] == helpline for h in result["helplines"])


def test_khmer_text_is_in_khmer_script() -> None:
    result = Interventions.load().for_conversation(["BULLYING"], "km")
    assert all(any("\u1780" <= ch <= "\u17ff" for ch in line) for line in result["message"])


def test_unknown_language_falls_back_to_english() -> None:
    assert Interventions.load().for_conversation(["BULLYING"], "und")["language"] == "en"


def test_deployment_override(tmp_path: Path) -> None:
    shipped = Interventions.load().texts["en"]
    (tmp_path / "en.json").write_text(json.dumps({**shipped, "title": "Custom title"}))
    custom = Interventions.load(tmp_path)
    assert custom.for_conversation(["BULLYING"], "en")["title"] == "Custom title"
    assert custom.texts["km"] == Interventions.load().texts["km"]


def test_broken_override_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "vi.json").write_text('{"language": "vi"}')
    with pytest.raises(ConfigurationError, match="lacks"):
        Interventions.load(tmp_path)
