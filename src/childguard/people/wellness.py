"""Protecting reviewers: how media is rendered, and how much each reviewer sees per day.

An organisation sets defaults (blur level, greyscale, drawing-like rendering, all on for a new
organisation) that a reviewer may strengthen but never weaken, and daily limits: past the soft
limit the console suggests a break; at the hard limit no more items are revealed until the next
(UTC) day, unless an admin overrides it for that reviewer and day (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.errors import InvalidInput, PermissionDenied
from childguard.store.models import AuditRecord, User, WellnessDay, WellnessSettings, utcnow

MAX_BLUR = 5
#: Gaussian radius (in pixels of a 480-pixel preview) of each blur level.
BLUR_RADII = (0, 3, 6, 10, 16, 24)
#: A gap between two review requests longer than this does not count as time in review.
MAX_COUNTED_GAP = timedelta(minutes=5)


class HardLimitReached(PermissionDenied):
    """The reviewer reached today's hard limit: no more reveals until tomorrow."""

    code = "wellness_limit"
    http_status = 429


@dataclass(frozen=True)
class Rendering:
    """How an unrevealed item is shown: blur level (0-5), greyscale, drawing-like."""

    blur_level: int
    greyscale: bool
    drawing: bool

    def stronger_of(self, other: Rendering) -> Rendering:
        """Each property at the stronger of the two."""
        return Rendering(
            max(self.blur_level, other.blur_level),
            self.greyscale or other.greyscale,
            self.drawing or other.drawing,
        )


@dataclass(frozen=True)
class Limits:
    """Daily limits of an organisation (reveals and minutes), soft then hard."""

    soft_reveals: int
    hard_reveals: int
    soft_minutes: int
    hard_minutes: int


@dataclass(frozen=True)
class Today:
    """A reviewer's day so far and where it stands against the limits."""

    day: str
    reveals: int
    minutes: int
    limits: Limits
    overridden: bool

    @property
    def soft_reached(self) -> bool:
        """Time for a break (the console says so)."""
        return self.reveals >= self.limits.soft_reveals or self.minutes >= self.limits.soft_minutes

    @property
    def hard_reached(self) -> bool:
        """No more reveals today (unless overridden)."""
        over = self.reveals >= self.limits.hard_reveals or self.minutes >= self.limits.hard_minutes
        return over and not self.overridden


def _org_row(session: Session, org_id: int) -> WellnessSettings:
    row = session.get(WellnessSettings, org_id)
    if row is None:
        row = WellnessSettings(
            org_id=org_id,
            blur_level=3,
            greyscale=True,
            drawing=True,
            soft_limit_reveals=40,
            hard_limit_reveals=80,
            soft_limit_minutes=120,
            hard_limit_minutes=240,
        )
    return row


def org_rendering(session: Session, org_id: int) -> Rendering:
    """The organisation's default rendering (blur, greyscale and drawing-like when unset)."""
    row = _org_row(session, org_id)
    return Rendering(row.blur_level, row.greyscale, row.drawing)


def org_limits(session: Session, org_id: int) -> Limits:
    """The organisation's daily limits."""
    row = _org_row(session, org_id)
    return Limits(
        row.soft_limit_reveals,
        row.hard_limit_reveals,
        row.soft_limit_minutes,
        row.hard_limit_minutes,
    )


def user_rendering(session: Session, user: User) -> Rendering:
    """What ``user`` sees before a reveal: their choices, never weaker than the organisation's."""
    own = Rendering(user.blur_level, user.greyscale, user.drawing)
    return own.stronger_of(org_rendering(session, user.org_id))


def set_user_rendering(session: Session, user: User, wanted: Rendering) -> Rendering:
    """Store a reviewer's choices; anything weaker than the organisation's is raised to it."""
    if not 0 <= wanted.blur_level <= MAX_BLUR:
        raise InvalidInput(f"the blur level must be between 0 and {MAX_BLUR}")
    effective = wanted.stronger_of(org_rendering(session, user.org_id))
    user.blur_level = effective.blur_level
    user.greyscale = effective.greyscale
    user.drawing = effective.drawing
    return effective


def update_org(
    session: Session,
    org_id: int,
    actor: Actor,
    rendering: Rendering,
    limits: Limits,
) -> None:
    """Change an organisation's defaults and limits (an admin's action, audited)."""
    if not 0 <= rendering.blur_level <= MAX_BLUR:
        raise InvalidInput(f"the blur level must be between 0 and {MAX_BLUR}")
    values = (limits.soft_reveals, limits.hard_reveals, limits.soft_minutes, limits.hard_minutes)
    if any(not 1 <= v <= 100_000 for v in values):
        raise InvalidInput("limits must be between 1 and 100000")
    if limits.soft_reveals > limits.hard_reveals or limits.soft_minutes > limits.hard_minutes:
        raise InvalidInput("a soft limit must not be above its hard limit")
    row = _org_row(session, org_id)
    row.blur_level = rendering.blur_level
    row.greyscale = rendering.greyscale
    row.drawing = rendering.drawing
    (
        row.soft_limit_reveals,
        row.hard_limit_reveals,
        row.soft_limit_minutes,
        row.hard_limit_minutes,
    ) = values
    session.merge(row)
    audit.append(
        session,
        actor,
        "wellness.settings",
        f"org:{org_id}",
        {
            "blur_level": rendering.blur_level,
            "greyscale": rendering.greyscale,
            "drawing": rendering.drawing,
            "limits": list(values),
        },
    )


def _today() -> str:
    return utcnow().date().isoformat()


def _day_row(session: Session, user_id: int, day: str) -> WellnessDay:
    row = session.scalar(
        select(WellnessDay).where(WellnessDay.user_id == user_id, WellnessDay.day == day)
    )
    if row is None:
        row = WellnessDay(user_id=user_id, day=day, reveals=0, review_seconds=0, override_by="")
        session.add(row)
        session.flush()
    return row


def today(session: Session, user_id: int, org_id: int) -> Today:
    """``user_id``'s day so far (read-only)."""
    day = _today()
    row = session.scalar(
        select(WellnessDay).where(WellnessDay.user_id == user_id, WellnessDay.day == day)
    )
    reveals = row.reveals if row else 0
    seconds = row.review_seconds if row else 0
    return Today(
        day, reveals, seconds // 60, org_limits(session, org_id), bool(row and row.override_by)
    )


def count_review_time(session: Session, user_id: int, gap: timedelta) -> None:
    """Add the time since the reviewer's previous review request (long gaps do not count)."""
    if timedelta(0) < gap <= MAX_COUNTED_GAP:
        _day_row(session, user_id, _today()).review_seconds += int(gap.total_seconds())


def record_reveal(
    session: Session, user_id: int, org_id: int, actor: Actor, case_id: int, media_id: int
) -> Today:
    """Count and audit one reveal; ``HardLimitReached`` (nothing counted) at the hard limit."""
    now = today(session, user_id, org_id)
    if now.hard_reached:
        raise HardLimitReached(
            "you reached today's limit of revealed items; take a rest, the queue will wait"
        )
    _day_row(session, user_id, now.day).reveals += 1
    audit.append(session, actor, "console.reveal", f"media:{media_id}", {"case_id": case_id})
    return today(session, user_id, org_id)


def revealed_recently(
    session: Session, actor: Actor, media_id: int, within: timedelta = timedelta(hours=12)
) -> bool:
    """Whether ``actor`` revealed media item ``media_id`` (audited) within ``within``."""
    found = session.scalar(
        select(AuditRecord.id)
        .where(
            AuditRecord.action == "console.reveal",
            AuditRecord.target == f"media:{media_id}",
            AuditRecord.actor == actor.name,
            AuditRecord.at > utcnow() - within,
        )
        .limit(1)
    )
    return found is not None


def override_limit(session: Session, user: User, actor: Actor) -> None:
    """Let ``user`` reveal again today past the hard limit (an admin's action, audited)."""
    _day_row(session, user.id, _today()).override_by = actor.name[:200]
    audit.append(session, actor, "wellness.override", f"user:{user.id}", {"day": _today()})
