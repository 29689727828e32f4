"""Evidence store schemas: item metadata (never bytes), settings, holds, purge and rotation."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class EvidencePublic(BaseModel):
    """A kept media item's metadata; a deleted one is a tombstone (who, when, why)."""

    id: int
    case_id: int
    sha256: str
    size: int
    mime: str
    filename: str
    key_id: int
    created_at: datetime
    created_by: str
    expires_at: datetime
    legal_hold: bool
    hold_reason: str
    held_by: str
    held_at: datetime | None
    reported_at: datetime | None
    deleted_at: datetime | None
    deleted_by: str
    delete_reason: str


class EvidenceSettingsPublic(BaseModel):
    """Whether your organisation keeps evidence, and for how long."""

    enabled: bool
    org_enabled: bool | None = Field(description="Your organisation's choice; null: never set.")
    deployment_enabled: bool = Field(description="CHILDGUARD_EVIDENCE_ENABLED (everyone).")
    retention_days: int
    reported_retention_days: int


class EvidenceSettingsUpdate(BaseModel):
    """Opt your organisation in or out of keeping evidence."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool


class HoldCreate(BaseModel):
    """A legal hold: the item never expires while held."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class KeyRotate(BaseModel):
    """Rotate your organisation's data key; ``reencrypt`` also rewrites older items."""

    model_config = ConfigDict(extra="forbid")
    reencrypt: bool = False


class KeyRotated(BaseModel):
    """The new active data key and how many items were re-encrypted under it."""

    key_id: int
    reencrypted: int


class PurgePublic(BaseModel):
    """What a purge did."""

    purged: int
    orphans_removed: int
    temp_removed: int
    missing: list[int]
