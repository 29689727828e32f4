"""Report schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReportCreate(BaseModel):
    """File a decided case with a sink."""

    model_config = ConfigDict(extra="forbid")
    sink: str = Field(max_length=40, description="ncmec or kh_referral (or a plugin's name).")
