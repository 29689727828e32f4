"""An attacker reads every published figure and tries to recover the hidden ones (and fails)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import linprog

from childguard.stats.counts import MonthlyCounts
from childguard.stats.tables import StatTable, build_table, quarter_of

K = 10


def _counts(seed: int) -> MonthlyCounts:
    rng = random.Random(seed)
    months = [f"2025-{i:02d}" for i in range(1, 13)] + ["2026-01", "2026-02", "2026-03"]
    return {
        m: {
            "cases_by_source": {
                c: rng.choice([0, 1, 2, 4, 7, 9, 12, 25, 60])
                for c in ("match", "classifier", "user_report")
            }
        }
        for m in months
    }


def _attack(table: StatTable, months: list[str]) -> dict[tuple[str, str], tuple[float, float]]:
    """Bounds of every hidden monthly cell from all published figures, by linear programming."""
    cats = table.categories
    index = {(m, c): i for i, (m, c) in enumerate((m, c) for m in months for c in cats)}
    rows, rhs = [], []
    members = {}
    for r in table.rows:
        if r.level == "month":
            in_months = [r.period]
        elif r.level == "quarter":
            in_months = [m for m in months if quarter_of(m) == r.period]
        elif r.level == "year":
            in_months = [m for m in months if m[:4] == r.period]
        else:
            in_months = months
        for c in [*cats, None]:
            v = r.total if c is None else r.values[c]
            cells = [index[(m, x)] for m in in_months for x in (cats if c is None else [c])]
            if r.level == "month" and c is not None:
                members[(r.period, c)] = v
            if v is not None:
                row = np.zeros(len(index))
                row[cells] = 1
                rows.append(row)
                rhs.append(v)
    lower = [1 if members[key] is None else 0 for key in index]
    bounds = [(lo, None) for lo in lower]
    out = {}
    for key, i in index.items():
        if members[key] is not None:
            continue
        c = np.zeros(len(index))
        c[i] = 1
        lo = linprog(c, A_eq=np.array(rows), b_eq=rhs, bounds=bounds, method="highs")
        hi = linprog(-c, A_eq=np.array(rows), b_eq=rhs, bounds=bounds, method="highs")
        assert lo.status == 0
        out[key] = (lo.fun, -hi.fun if hi.status == 0 else float("inf"))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hidden_cells_cannot_be_recovered(seed: int) -> None:
    counts = _counts(seed)
    months = sorted(counts)
    table = build_table(counts, "cases_by_source", K)
    truth = {(m, c): counts[m]["cases_by_source"][c] for m in months for c in table.categories}
    small = {key for key, v in truth.items() if 0 < v < K}
    bounds = _attack(table, months)
    assert small, "the data must contain small cells"
    assert small <= set(bounds), "every cell from 1 to k-1 is hidden"
    for key, (lo, hi) in bounds.items():
        assert lo <= truth[key] <= hi
        # It cannot be shown to be a small count, nor narrowed down near its value.
        assert hi >= K, f"{key} shown to be small: [{lo}, {hi}]"
        assert hi - lo >= K / 2, f"{key} narrowed to [{lo}, {hi}]"
    # Published figures are exact.
    for r in table.rows:
        if r.level == "month":
            for c, v in r.values.items():
                assert v is None or v == truth[(r.period, c)]


def test_unprotected_table_is_recoverable_by_the_same_attack() -> None:
    """The attack works: with primary suppression only, a hidden cell is pinned by its totals."""
    counts: MonthlyCounts = {"2025-01": {"cases_by_source": {"match": 3, "classifier": 40}}}
    table = build_table(counts, "cases_by_source", K)
    naive = StatTable(table.dimension, table.categories, [])
    for r in table.rows:
        values = {c: (None if v is not None and 0 < v < K else v) for c, v in r.values.items()}
        truth = counts["2025-01"]["cases_by_source"]
        values = {c: (None if 0 < truth[c] < K else truth[c]) for c in values}
        naive.rows.append(type(r)(r.period, r.level, values, sum(truth.values())))
    bounds = _attack(naive, ["2025-01"])
    assert bounds[("2025-01", "match")] == (3, 3)
    lo, hi = _attack(table, ["2025-01"])[("2025-01", "match")]
    assert hi >= K and hi - lo >= K / 2
