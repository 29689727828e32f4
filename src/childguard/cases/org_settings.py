"""An organisation's case settings (one row per organisation; defaults when it has none)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.errors import InvalidInput
from childguard.store.models import CaseSettings

DEFAULT_REVIEW_THRESHOLD = 0.5
DEFAULT_LEASE_SECONDS = 900


@dataclass(frozen=True)
class CaseSettingsView:
    """What an organisation's case settings are now."""

    review_threshold: float = DEFAULT_REVIEW_THRESHOLD
    four_eyes: bool = True
    open_cases: bool = True
    lease_seconds: int = DEFAULT_LEASE_SECONDS

    def to_public(self) -> dict[str, object]:
        """JSON form."""
        return {
            "review_threshold": self.review_threshold,
            "four_eyes": self.four_eyes,
            "open_cases": self.open_cases,
            "lease_seconds": self.lease_seconds,
        }


def get_settings(session: Session, org_id: int) -> CaseSettingsView:
    """The case settings of ``org_id`` (the defaults when never changed)."""
    row = session.get(CaseSettings, org_id)
    if row is None:
        return CaseSettingsView()
    return CaseSettingsView(row.review_threshold, row.four_eyes, row.open_cases, row.lease_seconds)


def update_settings(
    session: Session,
    org_id: int,
    actor: Actor,
    *,
    review_threshold: float | None = None,
    four_eyes: bool | None = None,
    open_cases: bool | None = None,
    lease_seconds: int | None = None,
) -> CaseSettingsView:
    """Change the given settings of ``org_id`` (audited); ``InvalidInput`` when out of range."""
    if review_threshold is not None and not 0.0 <= review_threshold <= 1.0:
        raise InvalidInput("review_threshold must be between 0 and 1")
    if lease_seconds is not None and not 30 <= lease_seconds <= 24 * 3600:
        raise InvalidInput("lease_seconds must be between 30 and 86400")
    row = session.get(CaseSettings, org_id)
    if row is None:
        defaults = CaseSettingsView()
        row = CaseSettings(
            org_id=org_id,
            review_threshold=defaults.review_threshold,
            four_eyes=defaults.four_eyes,
            open_cases=defaults.open_cases,
            lease_seconds=defaults.lease_seconds,
        )
        session.add(row)
    changes: dict[str, object] = {}
    for name, value in (
        ("review_threshold", review_threshold),
        ("four_eyes", four_eyes),
        ("open_cases", open_cases),
        ("lease_seconds", lease_seconds),
    ):
        if value is not None:
            setattr(row, name, value)
            changes[name] = value
    session.flush()
    audit.append(session, actor, "case.settings.update", f"org:{org_id}", changes)
    return get_settings(session, org_id)
