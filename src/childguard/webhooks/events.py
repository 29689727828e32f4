"""The webhook event types: the one list subscriptions and ``enqueue_event`` are checked against."""

from __future__ import annotations

from childguard.errors import InvalidInput

#: Every event a webhook can subscribe to.
EVENT_TYPES: tuple[str, ...] = (
    "case.opened",
    "case.decided",
    "action.requested",
    "appeal.decided",
)


def check_event_types(events: list[str] | tuple[str, ...]) -> list[str]:
    """The subscribed types without repeats, in order; unknown or none: ``InvalidInput``."""
    if not events:
        raise InvalidInput(f"subscribe to at least one event: {', '.join(EVENT_TYPES)}")
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(
            f"unknown event type {unknown[0][:60]!r}: use one of {', '.join(EVENT_TYPES)}"
        )
    return list(dict.fromkeys(events))
