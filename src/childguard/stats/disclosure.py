"""Small-cell disclosure control for count tables: primary and complementary suppression.

A table is a set of *base cells* (period x category counts) and the aggregates published with
them (quarters, years, row and column totals). Every published figure is the sum of some base
cells. A figure from 1 to k-1 is suppressed (primary suppression). Complementary suppression then
hides further figures until an attacker who reads every published figure, knows that counts are
whole numbers >= 0 and that a hidden figure is not zero (zeros are published), cannot show that
a hidden figure is a small count nor narrow it down: the interval it can derive must reach k and be
at least k/2 wide (``safe_interval``). For each hidden figure the minimum and maximum of its value
subject to all published sums are computed by linear programming, and while one is too narrow the
smallest published base cell sharing one of its aggregates is hidden too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog  # type: ignore[import-untyped]

#: Statistics offices commonly suppress counts from 1 to 9.
DEFAULT_K = 10


@dataclass(frozen=True)
class Figure:
    """A published figure: a name, the base cells it sums and its true value."""

    key: tuple[str, str]
    cells: frozenset[int]
    value: int


@dataclass
class Protected:
    """The result: which figures (by key) are hidden, and the interval audit behind it."""

    hidden: set[tuple[str, str]] = field(default_factory=set)
    primary: set[tuple[str, str]] = field(default_factory=set)
    intervals: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)


def _bounds(
    figures: Sequence[Figure], hidden: set[tuple[str, str]], n_cells: int, target: Figure
) -> tuple[float, float]:
    """Min and max of ``target`` over every table consistent with the published figures."""
    known = [f for f in figures if f.key not in hidden]
    a_eq = np.zeros((len(known), n_cells))
    b_eq = np.zeros(len(known))
    for row, fig in enumerate(known):
        a_eq[row, list(fig.cells)] = 1.0
        b_eq[row] = fig.value
    # A hidden base cell is known to be >= 1 (zeros are published); others are pinned by equality.
    lower = np.zeros(n_cells)
    for fig in figures:
        if fig.key in hidden and len(fig.cells) == 1:
            lower[next(iter(fig.cells))] = 1.0
    bounds = [(float(lo), None) for lo in lower]
    c = np.zeros(n_cells)
    c[list(target.cells)] = 1.0
    eq = {"A_eq": a_eq, "b_eq": b_eq} if len(known) else {}
    low = linprog(c, bounds=bounds, method="highs", **eq)
    high = linprog(-c, bounds=bounds, method="highs", **eq)
    lo = float(low.fun) if low.status == 0 else 0.0
    hi = float(-high.fun) if high.status == 0 else float("inf")
    return lo, hi


def safe_interval(lo: float, hi: float, k: int) -> bool:
    """Whether an attacker's interval [lo, hi] for a hidden figure protects it: it reaches k (the
    figure could be a count that is not small) and is at least k/2 wide."""
    return hi >= k and hi - lo >= k / 2


def protect(figures: Sequence[Figure], n_cells: int, k: int = DEFAULT_K) -> Protected:
    """Decide which ``figures`` to hide so that no hidden one can be narrowed below width k.

    ``figures`` must include one singleton figure per base cell (the cells themselves).
    """
    out = Protected()
    by_key = {f.key: f for f in figures}
    cell_figure = {next(iter(f.cells)): f for f in figures if len(f.cells) == 1}
    for fig in figures:
        if 0 < fig.value < k:
            out.primary.add(fig.key)
    out.hidden = set(out.primary)
    if not out.hidden:
        return out
    # Hiding more only widens every interval, so a figure found safe stays safe.
    pending = sorted(out.hidden)
    for _ in range(4 * len(figures) + 10):
        if not pending:
            return out
        key = pending[0]
        fig = by_key[key]
        lo, hi = _bounds(figures, out.hidden, n_cells, fig)
        out.intervals[key] = (lo, hi)
        if safe_interval(lo, hi, k):
            pending.pop(0)
            continue
        extra = _complement(fig, figures, cell_figure, out.hidden)
        out.hidden.add(extra.key)
        pending.append(extra.key)
    raise RuntimeError("disclosure control did not converge")  # pragma: no cover


def _complement(
    weak: Figure,
    figures: Sequence[Figure],
    cell_figure: Mapping[int, Figure],
    hidden: set[tuple[str, str]],
) -> Figure:
    """The figure to hide next: the smallest published cell sharing an aggregate with ``weak``,
    else the smallest published aggregate containing it."""
    related = [f for f in figures if f.cells & weak.cells and f.key not in hidden]
    neighbours: set[int] = set()
    for agg in figures:
        if len(agg.cells) > 1 and agg.cells & weak.cells:
            neighbours |= agg.cells
    candidates = [
        cell_figure[c]
        for c in neighbours - weak.cells
        if c in cell_figure and cell_figure[c].key not in hidden and cell_figure[c].value > 0
    ]
    if candidates:
        return min(candidates, key=lambda f: (f.value, f.key))
    aggregates = [f for f in related if len(f.cells) > 1]
    if aggregates:
        return min(aggregates, key=lambda f: (len(f.cells), f.value, f.key))
    # Nothing left near it: hide any published figure with cells (always terminates).
    rest = [f for f in figures if f.key not in hidden]
    return min(rest, key=lambda f: (len(f.cells), f.value, f.key))
