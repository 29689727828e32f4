"""The review priority: how soon a human should look at a file, never a decision.

    priority = min(100, W_match * matched + W_text * text_risk + W_nudity * nudity
                        + W_faces * min(faces, 3) / 3)

``matched`` is 1 for a match in a non-allow bank, ``text_risk`` the highest text-risk score
(0 to 1) of the text read in the image, ``nudity`` NudeNet's score (0 to 1) and ``faces`` the
face count. The weights are settings (``CHILDGUARD_PRIORITY_WEIGHT_*``; defaults 60, 20, 15, 5).
Bands: ``urgent`` from 60, ``high`` from 30, ``normal`` from 10, else ``low``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from childguard.config import Settings

if TYPE_CHECKING:
    from childguard.media.intel.analyze import IntelReport

BANDS = ((60.0, "urgent"), (30.0, "high"), (10.0, "normal"))


def band(score: float) -> str:
    """The band name of a priority score."""
    for floor, name in BANDS:
        if score >= floor:
            return name
    return "low"


def review_priority(
    settings: Settings, *, matched: bool, report: IntelReport | None
) -> dict[str, Any]:
    """``{"score", "band", "parts"}``: the priority and what each signal contributed."""
    text_risk = report.text_risk if report is not None else 0.0
    nudity = report.nudity_score if report is not None else 0.0
    faces = report.faces if report is not None and report.faces is not None else 0
    parts = {
        "match": settings.priority_weight_match * float(matched),
        "text": settings.priority_weight_text * text_risk,
        "nudity": settings.priority_weight_nudity * nudity,
        "faces": settings.priority_weight_faces * min(faces, 3) / 3.0,
    }
    score = min(100.0, sum(parts.values()))
    return {
        "score": round(score, 2),
        "band": band(score),
        "parts": {k: round(v, 2) for k, v in parts.items()},
    }
