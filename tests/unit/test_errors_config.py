"""Errors carry status and exit codes; every setting is documented."""

from __future__ import annotations

import re

import pytest

from childguard import errors
from childguard.config import Settings
from tests.conftest import REPO_ROOT


def test_every_error_has_4xx_or_5xx_and_exit_code() -> None:
    classes = [
        c
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.ChildguardError)
    ]
    assert len(classes) >= 8
    for cls in classes:
        assert 400 <= cls.http_status < 600
        assert cls.exit_code != 0
    assert errors.InvalidInput.http_status == 400 and errors.InvalidInput.exit_code == 2
    assert errors.NotFound("x").to_dict() == {"code": "not_found", "message": "x"}


def test_every_setting_has_a_description_and_is_in_the_docs() -> None:
    doc = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(CHILDGUARD_[A-Z0-9_]+)`", doc))
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        assert f"CHILDGUARD_{name.upper()}" in documented, f"{name} missing from configuration.md"
    assert documented <= {f"CHILDGUARD_{n.upper()}" for n in Settings.model_fields}


def test_sqlite_default_lives_in_data_dir(tmp_path: object) -> None:
    s = Settings(data_dir="/srv/cg")  # type: ignore[arg-type]
    assert s.resolved_database_url == "sqlite:////srv/cg/childguard.db"


def test_bad_setting_value_is_a_validation_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHILDGUARD_PDQ_THRESHOLD", "999")
    with pytest.raises(ValueError, match="pdq_threshold"):
        Settings()


def test_settings_come_from_arguments_then_environment_then_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHILDGUARD_PDQ_THRESHOLD", "20")
    monkeypatch.setenv("childguard_org", "lower-case-name")  # matched case-insensitively
    monkeypatch.setenv("CHILDGUARD_NO_SUCH_SETTING", "x")  # ignored
    assert Settings().pdq_threshold == 20
    assert Settings().org == "lower-case-name"
    assert Settings(pdq_threshold=12).pdq_threshold == 12
    copied = Settings(pdq_threshold=12).model_copy(update={"org": "other"})
    assert (copied.pdq_threshold, copied.org) == (12, "other")
    monkeypatch.delenv("CHILDGUARD_PDQ_THRESHOLD")
    assert Settings().pdq_threshold == Settings.model_fields["pdq_threshold"].default
