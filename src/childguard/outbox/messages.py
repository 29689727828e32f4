"""What the worker hands a delivery handler and what the handler answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ClaimedMessage:
    """A message a worker holds the lease of, with the attempt number about to be made."""

    id: int
    kind: str
    org_id: int | None
    destination_id: int | None
    message_id: str
    topic: str
    payload: str
    attempt: int


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one attempt.

    ``ok``: the receiver took it. ``retry=False`` on a failure dead-letters at once (the
    destination is gone); otherwise the message is tried again until its retry window ends.
    ``error`` is a short reason for the delivery log: never the body or the response text.
    """

    ok: bool
    status_code: int | None = None
    error: str = ""
    retry: bool = True

    @classmethod
    def failed(
        cls, error: str, *, status_code: int | None = None, retry: bool = True
    ) -> DeliveryResult:
        """A failed attempt with its reason."""
        return cls(ok=False, status_code=status_code, error=error[:300], retry=retry)


#: Delivers one claimed message; called in a worker thread, must not raise for delivery faults.
Handler = Callable[[ClaimedMessage], DeliveryResult]
