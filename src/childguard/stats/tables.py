"""Published statistics: tables per dimension by month, quarter and year, with disclosure control.

Every figure a reader can see (a cell, a quarter or year sum, a row or column total) goes through
``disclosure.protect`` together, so no hidden figure can be recovered from the others. Hidden
figures are ``None``. Timings (median, p90) come from histograms and are shown only when at least
k durations fall in the period; the proactive share and the year-over-year change only when the
figures they derive from are all published.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from childguard.stats.counts import (
    DIMENSIONS,
    HOUR_BUCKETS,
    TIMINGS,
    MonthlyCounts,
    bucket_names,
)
from childguard.stats.disclosure import DEFAULT_K, Figure, protect

TOTAL = "total"


def quarter_of(month: str) -> str:
    """``2026-Q1`` for ``2026-01``..``2026-03``."""
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


@dataclass
class Row:
    """One row of a published table: a period (or ``total``) and its figures (None = hidden)."""

    period: str
    level: str
    values: dict[str, int | None]
    total: int | None


@dataclass
class StatTable:
    """A published table of one dimension."""

    dimension: str
    categories: list[str]
    rows: list[Row] = field(default_factory=list)
    hidden: int = 0

    def to_public(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "dimension": self.dimension,
            "categories": self.categories,
            "hidden_figures": self.hidden,
            "rows": [
                {"period": r.period, "level": r.level, "values": r.values, "total": r.total}
                for r in self.rows
            ],
        }


def _periods(months: list[str]) -> list[tuple[str, str, list[str]]]:
    """(period, level, months in it) for each month, quarter, year and the whole range."""
    out: list[tuple[str, str, list[str]]] = [(m, "month", [m]) for m in months]
    quarters = sorted({quarter_of(m) for m in months})
    out += [(q, "quarter", [m for m in months if quarter_of(m) == q]) for q in quarters]
    years = sorted({m[:4] for m in months})
    out += [(y, "year", [m for m in months if m[:4] == y]) for y in years]
    out.append((TOTAL, "total", list(months)))
    return out


def build_table(
    counts: MonthlyCounts, dimension: str, k: int = DEFAULT_K, months: list[str] | None = None
) -> StatTable:
    """The protected table of ``dimension`` over ``months`` (default: every month with data)."""
    months = sorted(months if months is not None else counts)
    seen = {c for m in months for c in counts.get(m, {}).get(dimension, {})}
    vocab = DIMENSIONS.get(dimension)
    categories = [c for c in vocab if c in seen] if vocab else sorted(seen)
    categories += sorted(seen - set(categories))
    cell_index: dict[tuple[str, str], int] = {}
    for m in months:
        for c in categories:
            cell_index[(m, c)] = len(cell_index)

    def value(m: str, c: str) -> int:
        return counts.get(m, {}).get(dimension, {}).get(c, 0)

    figures: list[Figure] = []
    periods = _periods(months)
    for period, _level, in_months in periods:
        for c in categories:
            cells = frozenset(cell_index[(m, c)] for m in in_months)
            figures.append(Figure((period, c), cells, sum(value(m, c) for m in in_months)))
        all_cells = frozenset(cell_index[(m, c)] for m in in_months for c in categories)
        figures.append(
            Figure(
                (period, TOTAL), all_cells, sum(value(m, c) for m in in_months for c in categories)
            )
        )
    # A figure with the same cells as another (a one-month quarter) is the same figure.
    unique: dict[frozenset[int], Figure] = {}
    for fig in figures:
        unique.setdefault(fig.cells, fig)
    result = protect(list(unique.values()), len(cell_index), k) if cell_index else None
    hidden_cells = {f.cells for f in unique.values() if f.key in result.hidden} if result else set()
    table = StatTable(dimension, categories)
    by_key = {f.key: f for f in figures}
    for period, level, _ in periods:
        row_values: dict[str, int | None] = {}
        for c in categories:
            fig = by_key[(period, c)]
            row_values[c] = None if fig.cells in hidden_cells else fig.value
        tot = by_key[(period, TOTAL)]
        table.rows.append(
            Row(period, level, row_values, None if tot.cells in hidden_cells else tot.value)
        )
    table.hidden = sum((v is None) for r in table.rows for v in [*r.values.values(), r.total])
    return table


def timing_summary(counts: MonthlyCounts, timing: str, months: list[str], k: int) -> dict[str, Any]:
    """Median and p90 (as the histogram bucket they fall in) over ``months``; hidden below k."""
    hist = {b: 0 for b in bucket_names()}
    for m in months:
        for b, n in counts.get(m, {}).get(timing, {}).items():
            hist[b] = hist.get(b, 0) + n
    n = sum(hist.values())
    if n < k:
        return {"n": None if n else 0, "median_hours_at_most": None, "p90_hours_at_most": None}

    def quantile(q: float) -> float | None:
        running = 0
        for b, edge in zip(bucket_names(), [*HOUR_BUCKETS, None], strict=True):
            running += hist[b]
            if running >= q * n:
                return edge
        return None

    return {"n": n, "median_hours_at_most": quantile(0.5), "p90_hours_at_most": quantile(0.9)}


def summary(counts: MonthlyCounts, k: int = DEFAULT_K) -> dict[str, Any]:
    """Every published table, timings per year, proactive share and year-over-year change."""
    months = sorted(counts)
    tables = {d: build_table(counts, d, k, months) for d in DIMENSIONS}
    years = sorted({m[:4] for m in months})
    per_year: dict[str, dict[str, Any]] = {}
    source = tables["cases_by_source"]
    rows = {r.period: r for r in source.rows}
    for y in years:
        in_year = [m for m in months if m[:4] == y]
        row = rows.get(y)
        share: float | None = None
        if row is not None and row.total:
            parts = [row.values.get(c) for c in ("match", "classifier") if c in row.values]
            if all(p is not None for p in parts):
                share = round(sum(p or 0 for p in parts) / row.total, 3)
        per_year[y] = {
            "proactive_share": share,
            **{t: timing_summary(counts, t, in_year, k) for t in TIMINGS},
        }
    yoy: dict[str, float | None] = {}
    for prev, cur in itertools.pairwise(years):
        a, b = rows[prev].total, rows[cur].total
        yoy[cur] = round((b - a) / a, 3) if a and b is not None else None
    return {
        "k": k,
        "months": months,
        "tables": {d: t.to_public() for d, t in tables.items()},
        "years": per_year,
        "cases_year_over_year_change": yoy,
    }
