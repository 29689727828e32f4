"""Monthly counts: the one intermediate form of statistics, local or national.

``MonthlyCounts`` maps a month (``YYYY-MM``) to dimensions (``cases_by_label``, ...) to categories
to whole counts, plus histograms of hours to decision and to report. It holds counts only: no
content, hash, identifier or free text can enter it (categories are checked against fixed
vocabularies or organisation slugs). A platform sends it to the ministry; both sides build their
published tables from it with the same disclosure control.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from childguard.cases.labels import Action
from childguard.errors import InvalidInput

#: Dimensions and what their categories may be (None: an organisation slug).
DIMENSIONS: dict[str, tuple[str, ...] | None] = {
    "cases_by_source": ("match", "classifier", "user_report"),
    "cases_by_label": ("GROOMING", "SEXTORTION", "BULLYING", "CSAM_TRADE", "CSAM", "OTHER"),
    "cases_by_organisation": None,
    "decisions_by_policy": None,
    "decisions_by_action": tuple(a.value for a in Action),
    "decisions_by_classification": ("A1", "A2", "B1", "B2"),
    "appeals_by_outcome": ("upheld", "overturned"),
    "reports_by_destination": None,
    "scans": ("matched",),
    "signals_shared": ("shared", "received"),
}
#: Upper edges (hours) of the time histograms; the last bucket is open.
HOUR_BUCKETS: tuple[float, ...] = (1, 4, 8, 24, 48, 72, 168, 336, 720)
TIMINGS = ("hours_to_decision", "hours_to_report")
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
SLUG_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")

MonthlyCounts = dict[str, dict[str, dict[str, int]]]


def month_of(at: datetime) -> str:
    """``YYYY-MM`` of a timestamp."""
    return at.strftime("%Y-%m")


def check_month(text: str) -> str:
    """A month as ``YYYY-MM`` or ``InvalidInput``."""
    if not MONTH_RE.fullmatch(text):
        raise InvalidInput(f"period {text[:20]!r} must be a month written YYYY-MM (e.g. 2026-03)")
    return text


def bucket_of(hours: float) -> str:
    """The histogram bucket of a duration: ``le_<edge>`` or ``gt_720``."""
    for edge in HOUR_BUCKETS:
        if hours <= edge:
            return f"le_{edge:g}"
    return f"gt_{HOUR_BUCKETS[-1]:g}"


def bucket_names() -> list[str]:
    """Histogram buckets in order."""
    return [f"le_{e:g}" for e in HOUR_BUCKETS] + [f"gt_{HOUR_BUCKETS[-1]:g}"]


def add(counts: MonthlyCounts, month: str, dimension: str, category: str, n: int = 1) -> None:
    """Add ``n`` to one cell."""
    cell = counts.setdefault(month, {}).setdefault(dimension, {})
    cell[category] = cell.get(category, 0) + n


def merge(parts: Iterable[MonthlyCounts]) -> MonthlyCounts:
    """The cell-wise sum of several ``MonthlyCounts``."""
    total: MonthlyCounts = {}
    for part in parts:
        for month, dims in part.items():
            for dim, cats in dims.items():
                for cat, n in cats.items():
                    add(total, month, dim, cat, n)
    return total


def validate(raw: Any, where: str = "counts") -> MonthlyCounts:
    """Check a received ``MonthlyCounts``: known dimensions and categories, whole counts >= 0."""
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"{where} must be an object of months")
    out: MonthlyCounts = {}
    allowed = {**DIMENSIONS, **{t: tuple(bucket_names()) for t in TIMINGS}}
    for month, dims in raw.items():
        check_month(str(month))
        if not isinstance(dims, Mapping):
            raise InvalidInput(f"{where}[{month}] must be an object of dimensions")
        for dim, cats in dims.items():
            if dim not in allowed:
                raise InvalidInput(
                    f"{where}[{month}]: unknown dimension {str(dim)[:40]!r}; "
                    f"known: {', '.join(allowed)}"
                )
            if not isinstance(cats, Mapping):
                raise InvalidInput(f"{where}[{month}][{dim}] must be an object of counts")
            vocab = allowed[dim]
            for cat, n in cats.items():
                ok = cat in vocab if vocab is not None else bool(SLUG_RE.fullmatch(str(cat)))
                if not ok:
                    raise InvalidInput(
                        f"{where}[{month}][{dim}]: unknown category {str(cat)[:40]!r}"
                    )
                if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                    raise InvalidInput(f"{where}[{month}][{dim}][{cat}] must be a whole count >= 0")
                add(out, str(month), str(dim), str(cat), n)
    return out
