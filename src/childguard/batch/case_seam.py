"""The seam between a backfill and the cases service: which results become case candidates.

``case_candidate`` turns one file's result line into a ``CaseCandidate`` (or None when nothing
warrants a case: no match, no text-risk flag). ``CaseSink`` is the function the cases service
provides to open or update a case from a candidate (``childguard.cases.backfill``). The
candidate's ``key`` (run id and path) is stable across ``--resume``, so the sink uses it as the
intake's idempotency key and opening a case is never doubled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseCandidate:
    """What a case needs from one backfilled file: why, how urgent, and the explained signals."""

    key: str
    org_id: int
    path: str
    reasons: tuple[str, ...]
    priority: dict[str, Any]
    result: dict[str, Any]


#: Opens (or updates) a case for a candidate; provided by the cases service.
CaseSink = Callable[[CaseCandidate], None]


def case_candidate(result: dict[str, Any], org_id: int) -> CaseCandidate | None:
    """The candidate for one result line, or None when it warrants no case."""
    if "error" in result:
        return None
    reasons: list[str] = []
    if result.get("matched"):
        banks = sorted({m["bank"] for m in result.get("matches", []) if not m.get("allow")})
        reasons.append("match in " + ", ".join(banks))
    flagged = list(result.get("flagged", []))
    ocr = (result.get("intel") or {}).get("text") or {}
    flagged += [label for label in ocr.get("flagged", []) if label not in flagged]
    if flagged:
        reasons.append("text risk " + ", ".join(flagged))
    if not reasons:
        return None
    return CaseCandidate(
        key=f"backfill:{result['run_id']}:{result['path']}",
        org_id=org_id,
        path=str(result["path"]),
        reasons=tuple(reasons),
        priority=dict(result.get("priority") or {}),
        result=result,
    )
