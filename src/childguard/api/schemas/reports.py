"""Report schemas."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def _known_sinks(schema: dict[str, Any]) -> None:
    """State the registered sinks (built-ins and plugins) as the field's enum in OpenAPI."""
    from childguard.reports.registry import report_sinks

    schema["enum"] = sorted(report_sinks())


class ReportCreate(BaseModel):
    """File a decided case with a sink."""

    model_config = ConfigDict(extra="forbid")
    sink: str = Field(
        max_length=40,
        description="ncmec or kh_referral (or a plugin's name).",
        json_schema_extra=_known_sinks,
    )
