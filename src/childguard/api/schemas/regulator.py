"""Schemas of the regulator, national-intake and policy routes.

Each states in OpenAPI what the route checks (names of tables, languages, years, months, key
fingerprints, checklist item ids and scores), so a request valid by the schema is one the route
accepts, and the schema is the documentation of what to send.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from childguard.orgkeys import FINGERPRINT_HEX
from childguard.policy.checklist import load as load_checklist
from childguard.stats.counts import DIMENSIONS
from childguard.stats.submission import FORMAT


def _one_of(values: list[str] | tuple[str, ...]) -> str:
    """An anchored pattern matching exactly one of ``values`` (plain ids, no escaping needed)."""
    return "^(" + "|".join(values) + ")$"


DIMENSION_PATTERN = _one_of(tuple(DIMENSIONS))
#: A year of the statistics (four digits; the report of a year without data is empty).
YEAR_PATTERN = "^[0-9]{4}$"
#: A month written YYYY-MM.
MONTH_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])$"
#: A key fingerprint as printed (any case; groups of four digits, optionally separated).
FINGERPRINT_PATTERN = (
    "^[0-9a-fA-F]{4}([: -]?[0-9a-fA-F]{4}){" + str(FINGERPRINT_HEX // 4 - 1) + "}$"
)

Lang = Literal["km", "vi", "en"]
Scope = Literal["local", "national"]
Level = Literal["month", "quarter", "year"]
Dimension = Annotated[
    str,
    Query(
        pattern=DIMENSION_PATTERN,
        description="The table: " + ", ".join(DIMENSIONS) + ".",
    ),
]


class PinBody(BaseModel):
    """The fingerprint a platform signs with, as it printed it."""

    model_config = ConfigDict(extra="forbid")
    fingerprint: str = Field(
        ...,
        pattern=FINGERPRINT_PATTERN,
        description=f"{FINGERPRINT_HEX} hex digits, e.g. 1a2b:3c4d:... (separators optional).",
    )


class SubmissionEnvelope(BaseModel):
    """What a platform signed: its organisation, the period, its public key and the body."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["childguard-stats/1"] = Field(description=f"Always {FORMAT}.")
    kind: Literal["stats", "assessment"]
    org: str = Field(max_length=64, description="The submitting organisation (the key's own).")
    period: str = Field(pattern=MONTH_PATTERN, description="A month that has begun (YYYY-MM).")
    public_key: str = Field(pattern="^[0-9a-fA-F]{64}$", description="Ed25519, 64 hex digits.")
    fingerprint: str = Field(max_length=80)
    created_at: str = Field(max_length=40)
    body: dict[str, Any] = Field(description="Monthly counts, or an assessment's scores.")


class SubmissionBody(BaseModel):
    """A signed submission as ``childguard stats submit`` sends it."""

    model_config = ConfigDict(extra="forbid")
    envelope: SubmissionEnvelope
    signature: str = Field(pattern="^[0-9a-fA-F]{128}$", description="Ed25519, 128 hex digits.")


_CHECKLIST = load_checklist()
ITEM_PATTERN = _one_of(list(_CHECKLIST.items()))
ItemId = Annotated[str, StringConstraints(pattern=ITEM_PATTERN)]


def _whole_number(value: object) -> object:
    """JSON's 2.0 is the integer 2 (as JSON Schema says); text and true/false are not scores."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Score = Annotated[int, Field(ge=0, le=3, strict=True), BeforeValidator(_whole_number)]


class ItemAnswer(BaseModel):
    """A score (0 not in place, 1 planned, 2 partial, 3 full) and the company's own note."""

    model_config = ConfigDict(extra="forbid")
    score: Score
    note: str = Field("", max_length=1000, description="Stays on this instance.")


class AssessmentCreate(BaseModel):
    """A company's answers: its type, and a score (or score and note) per checklist item."""

    model_config = ConfigDict(extra="forbid")
    company_type: str = Field(
        pattern=_one_of(_CHECKLIST.company_types),
        description="One of " + ", ".join(_CHECKLIST.company_types) + ".",
    )
    answers: dict[ItemId, Score | ItemAnswer] = Field(
        default_factory=dict,
        description="Item id (see GET /v1/policy/checklist) to a score or {score, note}; "
        "items left out are filled in from childguard's evidence where it has some.",
        json_schema_extra={"additionalProperties": False},
    )
    save: bool = Field(True, description="Store the assessment (progress is measured from it).")
