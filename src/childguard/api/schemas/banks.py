"""Bank and entry schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class BankCreate(BaseModel):
    """A new bank."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="UPPER_SNAKE_CASE name, unique in your organisation.")
    threshold: int | None = Field(default=None, ge=0, le=256, description="PDQ match distance.")
    allow: bool = Field(default=False, description="Allow bank: its matches suppress others.")
    description: str = Field(default="", max_length=2000)


class BankUpdate(BaseModel):
    """Changes to a bank; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")
    threshold: int | None = Field(default=None, ge=0, le=256)
    default_threshold: bool = Field(default=False, description="Use the default threshold again.")
    enabled: bool | None = None
    allow: bool | None = None
    description: str | None = Field(default=None, max_length=2000)


class BankPublic(BaseModel):
    """A bank as the API shows it."""

    name: str
    owner: str
    description: str
    enabled: bool
    allow: bool
    pdq_threshold: int | None
    created_at: datetime
    entries: dict[str, int]
    disabled_entries: int
    shared_with: list[str]


class EntryCreate(BaseModel):
    """One hash with its provenance."""

    model_config = ConfigDict(extra="forbid")
    signal_type: str = Field(description="pdq, md5, sha256 or vpdq.", max_length=32)
    signal: str = Field(description="The hash.", max_length=2_000_000)
    source: str = Field(default="", max_length=200)
    external_id: str = Field(default="", max_length=200)
    classification: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=2000)


class EntriesCreate(BaseModel):
    """Several entries at once (at most 10,000 per request; use import for more)."""

    model_config = ConfigDict(extra="forbid")
    entries: list[EntryCreate] = Field(min_length=1, max_length=10_000)


class EntryUpdate(BaseModel):
    """Enable or disable an entry."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool


class EntryPublic(BaseModel):
    """A bank entry."""

    id: int
    signal_type: str
    signal: str
    source: str
    external_id: str
    classification: str
    note: str
    enabled: bool
    added_at: datetime
    false_positives: int = Field(
        default=0, description="Reviewers' NOT_VIOLATING decisions on cases this entry matched."
    )


class ImportPublic(BaseModel):
    """What an add or import did."""

    added: int
    merged: int
    by_signal: dict[str, int]


class ShareCreate(BaseModel):
    """Share a bank read-only with another organisation."""

    model_config = ConfigDict(extra="forbid")
    org: str = Field(max_length=64)
