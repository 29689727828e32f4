"""Schemas of the exchange routes (feeds, subscriptions, feedback, account signals)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from childguard.api.constraints import (
    FEED_URL_PATTERN,
    GROUP_KEY_PATTERN,
    IDENTIFIER_PATTERNS,
    PLATFORM_PATTERN,
    BankName,
    FeedName,
    Fingerprint,
    GroupName,
    OrgName,
    SignalCategory,
    Verdict,
    by_kind,
    exactly_one_of,
)
from childguard.exchange.accounts import KINDS


class FeedCreate(BaseModel):
    """Publish a bank (or a sharing group's signals) as a feed: exactly one of the two."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=exactly_one_of("bank", "group"))
    bank: BankName | None = Field(default=None, description="Bank to publish.")
    group: GroupName | None = Field(
        default=None, description="Sharing group whose signals to publish."
    )
    name: FeedName | None = Field(default=None, max_length=64, description="Feed name (slug).")


class FeedPublic(BaseModel):
    """A published feed: ``path`` to give subscribers with the key ``fingerprint``."""

    name: str
    path: str
    fingerprint: str
    kind: str
    source: str
    changes: int
    subscribers: list[str]


class GrantCreate(BaseModel):
    """Let an organisation (any of its keys) read a feed."""

    model_config = ConfigDict(extra="forbid")
    org: OrgName = Field(max_length=64)


class FeedbackItem(BaseModel):
    """One verdict on one feed entry, with an id that makes delivery idempotent."""

    model_config = ConfigDict(extra="forbid")
    event_id: str = Field(min_length=8, max_length=64)
    entry_id: int = Field(ge=1, le=2**53)
    verdict: Verdict = Field(max_length=32)


class FeedbackBatch(BaseModel):
    """Feedback sent by a subscriber."""

    model_config = ConfigDict(extra="forbid")
    items: list[FeedbackItem] = Field(max_length=1000)


class SubscriptionCreate(BaseModel):
    """Subscribe to a feed of another deployment, into a local bank or a sharing group."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=exactly_one_of("bank", "group"))
    url: str = Field(
        max_length=500,
        json_schema_extra={"pattern": FEED_URL_PATTERN},
        description="http(s)://HOST/v1/feeds/NAME",
    )
    fingerprint: Fingerprint = Field(max_length=64, description="The publisher's key fingerprint.")
    bank: BankName | None = Field(default=None, description="Local bank receiving a bank feed.")
    group: GroupName | None = Field(default=None, description="Sharing group receiving signals.")
    token: str = Field(default="", max_length=200, description="API key the publisher gave.")


class FeedbackCreate(BaseModel):
    """A verdict by hand on one entry of a subscription (the publisher's entry id)."""

    model_config = ConfigDict(extra="forbid")
    entry_id: int = Field(ge=1, le=2**53)
    verdict: Verdict = Field(max_length=32)


class GroupCreate(BaseModel):
    """Create a sharing group (no key) or join one (the key another member gave)."""

    model_config = ConfigDict(extra="forbid")
    name: GroupName = Field(max_length=64)
    key: str | None = Field(
        default=None, max_length=128, json_schema_extra={"pattern": GROUP_KEY_PATTERN}
    )


class SignalCreate(BaseModel):
    """Share one identifier's keyed hash with a group; ``value`` is read as its ``kind`` says
    (a phone in E.164, a handle, an email address, a URL)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=by_kind(
            "value", {k: {"type": "string", "pattern": IDENTIFIER_PATTERNS[k]} for k in KINDS}
        ),
    )
    group: GroupName = Field(max_length=64)
    kind: Literal["phone", "handle", "email", "url"]
    value: str = Field(max_length=500)
    platform: str | None = Field(
        default=None,
        max_length=64,
        json_schema_extra={"pattern": PLATFORM_PATTERN},
        description="For handles.",
    )
    category: SignalCategory = Field(max_length=32)
    expires_days: int = Field(default=365, ge=1, le=3650)


class EntitiesMatch(BaseModel):
    """Entities (as the text-risk analysis lists them) to check against shared signals."""

    model_config = ConfigDict(extra="forbid")
    entities: list[dict[str, Any]] = Field(max_length=1000)
