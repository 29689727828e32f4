"""Outbox settings: a lease shorter than two delivery timeouts is refused at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from childguard.config import Settings


def test_lease_must_be_at_least_twice_the_timeout() -> None:
    with pytest.raises(ValidationError, match="at least twice"):
        Settings(webhook_timeout_seconds=30, outbox_lease_seconds=45)
    ok = Settings(webhook_timeout_seconds=30, outbox_lease_seconds=60)
    assert ok.outbox_lease_seconds == 60


def test_defaults_retry_a_day_and_refuse_private_addresses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OUTBOX_RETRY_HOURS", "WEBHOOK_ALLOW_PRIVATE", "OUTBOX_WORKER"):
        monkeypatch.delenv(f"CHILDGUARD_{name}", raising=False)
    s = Settings()
    assert s.outbox_retry_hours >= 24
    assert s.webhook_allow_private is False
    assert s.outbox_worker is True
