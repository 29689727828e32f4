"""Case, queue, routing, policy and case-settings schemas."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from childguard.api.constraints import PolicyName, QueueName


class LeaseRequest(BaseModel):
    """An optional lease length for a claim or renewal (default: the organisation's)."""

    model_config = ConfigDict(extra="forbid")
    lease_seconds: int | None = Field(default=None, ge=30, le=86400)


class DecisionCreate(BaseModel):
    """A decision on a case you hold."""

    model_config = ConfigDict(extra="forbid")
    policy: str = Field(max_length=64, description="One of the organisation's policies.")
    actions: list[str | dict[str, Any]] = Field(
        default_factory=list,
        max_length=10,
        description=(
            "remove_content, suspend_user, preserve_data, warn_user, report, or "
            '{"action": "add_to_bank", "bank": "NAME"}.'
        ),
    )
    note: str = Field(default="", max_length=10_000)


class AppealCreate(BaseModel):
    """A platform's appeal of a decision in effect (the latest unless ``decision_id``)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=10_000)
    decision_id: int | None = None


class AppealDecisionCreate(BaseModel):
    """A reviewer's outcome of an appeal."""

    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(description="upheld or overturned.")
    note: str = Field(default="", max_length=10_000)


class ReopenRequest(BaseModel):
    """Why a case is reopened (kept out of the audit log)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=10_000)


class QueueCreate(BaseModel):
    """A new queue."""

    model_config = ConfigDict(extra="forbid")
    name: QueueName = Field(max_length=64, description="Lowercase slug, e.g. csam-urgent.")
    description: str = Field(default="", max_length=2000)


class RuleCreate(BaseModel):
    """One routing rule: every condition given must hold (omitted = any)."""

    model_config = ConfigDict(extra="forbid")
    queue: QueueName = Field(max_length=64)
    label: str | None = Field(default=None, max_length=64)
    bank: str | None = Field(default=None, max_length=64)
    classification: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    min_priority: int | None = Field(default=None, ge=0)


class RoutingUpdate(BaseModel):
    """The full ordered list of routing rules (replaces the current one)."""

    model_config = ConfigDict(extra="forbid")
    rules: list[RuleCreate] = Field(max_length=200)


class PolicyCreate(BaseModel):
    """A policy to add to the organisation's list."""

    model_config = ConfigDict(extra="forbid")
    name: PolicyName = Field(max_length=64, description="UPPER_SNAKE_CASE.")
    description: str = Field(default="", max_length=2000)


class CaseSettingsUpdate(BaseModel):
    """Changes to the organisation's case settings (omitted = unchanged)."""

    model_config = ConfigDict(extra="forbid")
    review_threshold: float | None = Field(default=None, ge=0, le=1)
    four_eyes: bool | None = None
    open_cases: bool | None = None
    lease_seconds: int | None = Field(default=None, ge=30, le=86400)
