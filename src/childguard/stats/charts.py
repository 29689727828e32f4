"""Server-side SVG charts from a small Vega-Lite-like specification (no JavaScript, no CDN).

A spec is ``{"title": str, "mark": "bar", "data": {"values": [{"x": label, "y": int|None}]},
"encoding": {"x": {"title": ...}, "y": {"title": ...}}}``. A hidden (suppressed) value is drawn
as an empty outlined bar marked "x", so the chart shows that a figure exists without showing it.
"""

from __future__ import annotations

from html import escape
from typing import Any

from childguard.stats.tables import StatTable

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 48, 56, 28


def table_spec(table: StatTable, level: str, title: str, hidden_label: str = "x") -> dict[str, Any]:
    """A bar chart spec of a table's totals per period at ``level`` (month, quarter, year)."""
    values = [{"x": r.period, "y": r.total} for r in table.rows if r.level == level]
    return {
        "title": title,
        "mark": "bar",
        "data": {"values": values},
        "encoding": {"x": {"title": level}, "y": {"title": "count"}},
        "hidden_label": hidden_label,
    }


def render_svg(spec: dict[str, Any]) -> str:
    """The SVG of a bar chart spec (self-contained, accessible title and description)."""
    values: list[dict[str, Any]] = list(spec["data"]["values"])
    shown = [v["y"] for v in values if v["y"] is not None]
    top = max(shown, default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - 12, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(values), 1)
    bar_w = max(step * 0.7, 2)
    title = escape(str(spec.get("title", "")))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="t">',
        f'<title id="t">{title}</title>',
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{title}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#444"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" font-size="10" text-anchor="end">{top}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" font-size="10" text-anchor="end">0</text>',
    ]
    for i, v in enumerate(values):
        x = LEFT + i * step + (step - bar_w) / 2
        label = escape(str(v["x"]))
        if v["y"] is None:
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP}" width="{bar_w:.1f}" height="{plot_h}" fill="none" '
                'stroke="#999" stroke-dasharray="3,3"/>'
                f'<text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" font-size="11" '
                f'text-anchor="middle">{escape(str(spec.get("hidden_label", "x")))}</text>'
            )
        else:
            h = plot_h * v["y"] / top
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="#2b6cb0"><title>{label}: {v["y"]}</title></rect>'
            )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h + 14}" font-size="9" '
            f'text-anchor="end" transform="rotate(-45 {x + bar_w / 2:.1f} {TOP + plot_h + 14})">'
            f"{label}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
