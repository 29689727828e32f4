"""Organisation, key, audit and statistics schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class OrgCreate(BaseModel):
    """A new organisation."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=64, description="Lowercase slug, e.g. acme-social.")
    display_name: str = Field(default="", max_length=200)


class OrgPublic(BaseModel):
    """An organisation."""

    id: int
    name: str
    display_name: str
    created_at: datetime


class KeyCreate(BaseModel):
    """A new API key."""

    model_config = ConfigDict(extra="forbid")
    org: str | None = Field(default=None, description="Organisation; default: your own.")
    role: str = Field(description="admin, platform, reviewer, hotline or regulator.")
    name: str = Field(default="", max_length=200)
    expires_at: datetime | None = None


class KeyPublic(BaseModel):
    """An API key's public facts (never the secret)."""

    id: int
    org: str
    role: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyPublic):
    """A new key: ``key`` is shown this once and cannot be recovered."""

    key: str


class AuditPublic(BaseModel):
    """An audit record."""

    id: int
    at: datetime
    org_id: int | None
    key_id: int | None
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    hash: str


class AuditVerifyPublic(BaseModel):
    """Result of checking the audit chain."""

    records: int
    ok: bool
    problem: str
    bad_record: int | None


class CosignaturePublic(BaseModel):
    """A witness's countersignature of a checkpoint."""

    witness: str = Field(description="Fingerprint of the witness's key.")
    public_key: str = Field(description="The witness's Ed25519 public key, hex.")
    signature: str = Field(description="Base64 Ed25519 signature.")
    at: str


class CheckpointPublic(BaseModel):
    """A signed audit checkpoint: the log held ``size`` records, the newest hashing to ``head``."""

    model_config = ConfigDict(extra="forbid")
    size: int = Field(ge=0, le=2**63 - 1)
    head: str = Field(max_length=64)
    at: str = Field(max_length=40)
    previous_size: int = Field(ge=0, le=2**63 - 1)
    fingerprints: str = Field(max_length=80_000_000, pattern="^[0-9a-f]*$")
    origin: str = Field(pattern="^[0-9a-f]{16}$")
    public_key: str = Field(pattern="^[0-9a-f]{64}$")
    signature: str = Field(max_length=200)
    cosignatures: list[CosignaturePublic] = Field(default_factory=list)


class WitnessedPublic(BaseModel):
    """The newest checkpoint of a log that this instance witnessed, with its countersignature."""

    size: int
    head: str
    at: str
    previous_size: int
    fingerprints: str
    origin: str
    public_key: str
    signature: str
    cosignature: CosignaturePublic
