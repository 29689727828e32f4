"""Scan and lookup schemas."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MatchPublic(BaseModel):
    """A matched bank entry."""

    bank: str
    owner: str = Field(
        default="",
        description="Organisation owning the bank (banks shared by two may share a name).",
    )
    entry_id: int
    signal_type: str
    signal: str
    distance: int
    transform: str
    allow: bool
    suppressed: bool
    provenance: dict[str, str]
    detail: dict[str, float] | None = None


class ScanPublic(BaseModel):
    """The outcome of scanning one upload."""

    filename: str | None
    content_type: str
    size: int
    signals: dict[str, Any]
    matches: list[MatchPublic]
    low_quality: bool
    blocked: bool = Field(description="True when a non-allow bank matched: block the upload.")
    case_id: int | None = Field(
        default=None, description="The case the match opened or joined (None without a case)."
    )


class LookupRequest(BaseModel):
    """Hashes of one signal type to look up (at most ``CHILDGUARD_MAX_LOOKUP_HASHES``)."""

    model_config = ConfigDict(extra="forbid")
    signal_type: str = Field(max_length=32)
    hashes: list[str] = Field(min_length=1)
    banks: list[str] | None = Field(default=None, description="Only these banks.")


class LookupResult(BaseModel):
    """Matches of one hash."""

    hash: str
    matches: list[MatchPublic]


class LookupPublic(BaseModel):
    """Results in the order of the request's hashes."""

    signal_type: str
    results: list[LookupResult]
