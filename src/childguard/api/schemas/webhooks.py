"""Webhook and delivery schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from childguard.api.constraints import HTTP_URL_PATTERN, enum_schema
from childguard.webhooks.events import EVENT_TYPES

#: One of the event types a webhook can subscribe to.
EventType = Annotated[str, WithJsonSchema(enum_schema(EVENT_TYPES))]


class WebhookCreate(BaseModel):
    """A new webhook."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(
        max_length=2000,
        json_schema_extra={"pattern": HTTP_URL_PATTERN},
        description="http:// or https:// URL that receives events (a public address unless "
        "CHILDGUARD_WEBHOOK_ALLOW_PRIVATE).",
    )
    events: list[EventType] = Field(
        min_length=1, max_length=len(EVENT_TYPES), description=f"Of {', '.join(EVENT_TYPES)}."
    )
    description: str = Field(default="", max_length=200)


class WebhookPublic(BaseModel):
    """A webhook (never its secret)."""

    id: int
    url: str
    events: list[str]
    description: str
    created_at: datetime


class WebhookCreated(WebhookPublic):
    """A webhook just added, with the signing secret: shown this once."""

    secret: str


class AttemptPublic(BaseModel):
    """One entry of the delivery log."""

    attempt: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    ok: bool
    error: str


class DeliveryPublic(BaseModel):
    """One event's delivery to one webhook (never its body)."""

    id: int
    event_id: str
    event_type: str
    status: str = Field(description="pending, delivered, dead or cancelled.")
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str


class DeliveryDetail(DeliveryPublic):
    """A delivery with its log of attempts."""

    log: list[AttemptPublic]


class RedeliverAllPublic(BaseModel):
    """How many dead deliveries were queued again."""

    redelivered: int
