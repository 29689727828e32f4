"""Prometheus metrics: requests and latency by route, scans, matches by bank, index size and age.

Each app owns its registry. When ``PROMETHEUS_MULTIPROC_DIR`` is set (``childguard serve
--workers N`` sets it), ``/metrics`` aggregates every worker process's values.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prom_multiprocess

if TYPE_CHECKING:
    from childguard.api.state import AppState
    from childguard.reports.worker import RunSummary

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The metric families of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "childguard_http_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "childguard_http_request_seconds",
            "HTTP request latency by route template and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.scans = Counter(
            "childguard_scans",
            "Files scanned through the API, by outcome.",
            ["outcome"],
            registry=r,
        )
        self.matches = Counter(
            "childguard_matches", "Bank matches reported, by bank.", ["bank"], registry=r
        )
        self.index_entries = Gauge(
            "childguard_index_entries",
            "Entries in this process's match index, by signal type.",
            ["signal_type"],
            registry=r,
            multiprocess_mode="max",
        )
        self.index_age = Gauge(
            "childguard_index_age_seconds",
            "Seconds since this process's index was last brought up to date.",
            registry=r,
            multiprocess_mode="max",
        )
        self.index_seq = Gauge(
            "childguard_index_change_seq",
            "Last change-feed position applied to the index.",
            registry=r,
            multiprocess_mode="min",
        )

        self.feed_pages = Counter(
            "childguard_feed_pages",
            "Feed pages served, applied, refused (integrity) or failed (publisher unavailable).",
            ["outcome"],
            registry=r,
        )

        self.reports = Counter(
            "childguard_reports",
            "Hotline reports by sink and outcome (finished, retried, restarted, error:<reason>).",
            ["sink", "outcome"],
            registry=r,
        )

    def count_reports(self, summary: RunSummary) -> None:
        """Count one report-worker run: errors by sink and reason, and the totals."""
        for (sink, reason), count in summary.errors.items():
            self.reports.labels(sink, f"error:{reason}").inc(count)
        for outcome in ("finished", "retried", "restarted"):
            value = getattr(summary, outcome)
            if value:
                self.reports.labels("*", outcome).inc(value)

    def render(self, state: AppState) -> tuple[bytes, str]:
        """The exposition text, after refreshing the index gauges."""
        for name, size in state.matcher.size.items():
            self.index_entries.labels(signal_type=name).set(size)
        self.index_age.set(max(0.0, time.time() - state.matcher.updated_at))
        self.index_seq.set(state.matcher.last_seq)
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            merged = CollectorRegistry()
            prom_multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
            return generate_latest(merged), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
