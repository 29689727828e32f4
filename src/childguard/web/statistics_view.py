"""What the statistics dashboard shows, built once for the console page and the key page.

Everything here comes from ``stats``: protected tables (hidden cells ``None``), the chart drawn
from them, per-year timings, submitters and submitted assessments' scores. No case, content,
hash, identifier or free text is read.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.config import Settings
from childguard.policy.checklist import load as load_checklist
from childguard.stats import submission
from childguard.stats.charts import render_svg, table_spec
from childguard.stats.collect import collect
from childguard.stats.counts import DIMENSIONS, MonthlyCounts
from childguard.stats.tables import StatTable, build_table, summary
from childguard.store.models import Org, StatsSubmission


def counts_of(session: Session, scope: str) -> MonthlyCounts:
    """This instance's monthly counts (``local``) or the submitted platforms' (``national``)."""
    return submission.national_counts(session) if scope == "national" else collect(session)


def submitted_assessments(session: Session) -> list[dict[str, Any]]:
    """Submitted self-assessments: scores per area and item, never notes or evidence text."""
    rows = session.execute(
        select(Org.name, StatsSubmission.period, StatsSubmission.payload)
        .join(Org, Org.id == StatsSubmission.org_id)
        .where(StatsSubmission.kind == "assessment")
        .order_by(StatsSubmission.period.desc(), Org.name)
    )
    out = []
    for name, period, payload in rows:
        data = json.loads(payload)
        out.append(
            {
                "organisation": name,
                "period": period,
                "company_type": data["company_type"],
                "overall_percent": data["overall_percent"],
                "areas": data["areas"],
                "items": data["items"],
            }
        )
    return out


def export(table: StatTable, fmt: str, filename: str) -> Response:
    """A protected table as CSV (hidden figures written ``x``) or JSON (``null``)."""
    if fmt == "json":
        return Response(json.dumps(table.to_public()), media_type="application/json")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "level", *table.categories, "total"])
    for r in table.rows:
        cells = [r.values[c] for c in table.categories] + [r.total]
        writer.writerow([r.period, r.level, *("x" if v is None else v for v in cells)])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


def export_response(
    session: Session, settings: Settings, scope: str, dimension: str, fmt: str
) -> Response:
    """The export of one table of ``scope`` (the file is named ``<scope>-<dimension>.csv``)."""
    table = build_table(counts_of(session, scope), dimension, settings.stats_k)
    return export(table, fmt, f"{scope}-{dimension}")


def dashboard_values(
    session: Session, settings: Settings, scope: str, dimension: str, level: str
) -> dict[str, Any]:
    """The dashboard template's values: table, chart, per-year figures, submitters."""
    k = settings.stats_k
    counts = counts_of(session, scope)
    table = build_table(counts, dimension, k)
    timings = summary(
        {
            m: {
                "cases_by_source": v.get("cases_by_source", {}),
                "hours_to_decision": v.get("hours_to_decision", {}),
                "hours_to_report": v.get("hours_to_report", {}),
            }
            for m, v in counts.items()
        },
        k,
    )
    national = scope == "national"

    def lang_query(code: str) -> str:
        return urlencode({"lang": code, "scope": scope, "dimension": dimension, "level": level})

    return {
        "lang_query": lang_query,
        "scope": scope,
        "dimension": dimension,
        "dimensions": list(DIMENSIONS),
        "level": level,
        "k": k,
        "table": table,
        "chart": render_svg(table_spec(table, level, dimension)),
        "years": timings["years"],
        "yoy": timings["cases_year_over_year_change"],
        "submitters": submission.submitters(session) if national else [],
        "assessments": submitted_assessments(session) if national else [],
        "area_ids": [a.id for a in load_checklist().areas],
    }
