"""Prometheus metrics: requests and latency by route, scans, matches by bank, index size and age.

Each app owns its registry. When ``PROMETHEUS_MULTIPROC_DIR`` is set (``childguard serve
--workers N`` sets it), ``/metrics`` aggregates every worker process's values.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
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
from prometheus_client.metrics_core import Metric

if TYPE_CHECKING:
    from childguard.media.matcher import Matcher
    from childguard.reports.worker import RunSummary
    from childguard.store.db import Database

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
        # Per-organisation families: an organisation's own admin sees only its own samples.
        self.org_scans = Counter(
            "childguard_org_scans",
            "Files scanned through the API, by organisation and outcome.",
            ["org", "outcome"],
            registry=r,
        )
        self.org_matches = Counter(
            "childguard_org_matches",
            "Bank matches reported, by scanning organisation and bank.",
            ["org", "bank"],
            registry=r,
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
        self.outbox_deliveries = Counter(
            "childguard_outbox_deliveries",
            "Outbox delivery attempts made by this process (webhooks...), by kind and outcome.",
            ["kind", "outcome"],
            registry=r,
        )
        self.outbox_messages = Gauge(
            "childguard_outbox_messages",
            "Outbox messages waiting (pending) or given up (dead), by status.",
            ["status"],
            registry=r,
            multiprocess_mode="max",
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

    def count_delivery(self, kind: str, ok: bool) -> None:
        """Count one finished delivery attempt."""
        self.outbox_deliveries.labels(kind=kind, outcome="ok" if ok else "failed").inc()

    def count_scan(self, org: str, outcome: str) -> None:
        """Count a scan of ``org`` (deployment-wide and per organisation)."""
        self.scans.labels(outcome).inc()
        self.org_scans.labels(org, outcome).inc()

    def count_match(self, org: str, bank: str) -> None:
        """Count a match of ``org``'s scan in ``bank``."""
        self.matches.labels(bank).inc()
        self.org_matches.labels(org, bank).inc()

    def render(
        self, matcher: Matcher, db: Database | None = None, org: str | None = None
    ) -> tuple[bytes, str]:
        """The exposition text, after refreshing the index and (given ``db``) outbox gauges.

        ``org`` narrows it to that organisation's own per-organisation samples (what an
        organisation's admin may see); None gives everything (the deployment's admin).
        """
        if db is not None:
            from childguard.outbox.store import backlog

            for status, count in backlog(db).items():
                self.outbox_messages.labels(status=status).set(count)
        for name, size in matcher.size.items():
            self.index_entries.labels(signal_type=name).set(size)
        self.index_age.set(max(0.0, time.time() - matcher.updated_at))
        self.index_seq.set(matcher.last_seq)
        source = self.registry
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            source = CollectorRegistry()
            prom_multiprocess.MultiProcessCollector(source)  # type: ignore[no-untyped-call]
        if org is None:
            return generate_latest(source), CONTENT_TYPE_LATEST
        return generate_latest(_OrgView(source, org)), CONTENT_TYPE_LATEST


class _OrgView:
    """The per-organisation families of a registry, with only ``org``'s samples."""

    def __init__(self, source: CollectorRegistry, org: str) -> None:
        self.source = source
        self.org = org

    def collect(self) -> Iterator[Metric]:
        for family in self.source.collect():
            if not family.name.startswith("childguard_org_"):
                continue
            mine = Metric(family.name, family.documentation, family.type, family.unit)
            mine.samples = [s for s in family.samples if s.labels.get("org") == self.org]
            yield mine
