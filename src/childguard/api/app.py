"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import Depends, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from childguard import __version__
from childguard.api.docs_pages import install_docs_pages
from childguard.api.errors import install_error_handlers
from childguard.api.fastpath import FastRoutes
from childguard.api.metrics import Metrics
from childguard.api.middleware import ServiceMiddleware
from childguard.api.openapi import install_openapi
from childguard.api.params import reject_unknown_query
from childguard.api.routes import (
    admin,
    assessments,
    banks,
    cases,
    evidence,
    feeds,
    health,
    policies,
    queues,
    regulator,
    reports,
    safety,
    scan,
    signals,
    stats,
    subscriptions,
    text,
    webhooks,
)
from childguard.api.state import AppState
from childguard.config import Settings
from childguard.evidence.scheduler import PurgeSchedule
from childguard.logs import configure_logging
from childguard.media.matcher import Matcher
from childguard.outbox.registry import build_worker
from childguard.reports.worker import ReportWorker
from childguard.runtime import startup_heap_frozen, tune_allocator
from childguard.stats.delivery import SubmitSchedule
from childguard.store.db import Database

#: Multipart overhead allowed on top of ``max_upload_bytes``.
BODY_SLACK = 1 << 20

DESCRIPTION = """
childguard matches uploads against hash lists of known child sexual abuse material, analyses
chats for grooming, sextortion, bullying and abuse-material trade, and keeps a tamper-evident
audit log. Every route except `/healthz` and `/readyz` needs `Authorization: Bearer <key>`.
Errors are `{"error": {"code", "message"}}` with a 4xx status.
"""


def create_app(settings: Settings | None = None, *, start_poller: bool = True) -> FastAPI:
    """Build the app for ``settings`` (read from the environment when omitted).

    The database is opened (and migrated) and the match index loaded at start-up; a daemon
    thread then follows the change feed so entries added by other servers become matchable,
    another purges expired evidence on ``CHILDGUARD_EVIDENCE_PURGE_INTERVAL_SECONDS``,
    the outbox worker (``CHILDGUARD_OUTBOX_WORKER``) delivers webhook events, and the report
    worker sends due hotline reports every ``CHILDGUARD_REPORT_POLL_SECONDS``, and another
    queues last month's statistics for the ministry (``CHILDGUARD_STATS_SUBMIT_DAY``). What is
    alive once started is frozen out of the cyclic collector's walks until shutdown.
    """
    settings = settings or Settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings)
        tune_allocator()
        db = Database.open(settings)
        matcher = Matcher(db, settings, persist=True)
        state = AppState(settings=settings, db=db, matcher=matcher, metrics=metrics)
        app.state.cg = state
        purge_schedule = PurgeSchedule(db, settings)
        report_worker = ReportWorker(db, settings, on_summary=metrics.count_reports)
        state.report_worker = report_worker
        stats_schedule = SubmitSchedule(db, settings)
        if start_poller:
            report_worker.start()
            state.start_poller()
            purge_schedule.start()
            stats_schedule.start()
            state.start_feed_poller()
        if settings.outbox_worker:
            state.outbox = build_worker(
                db,
                settings,
                on_outcome=lambda o: metrics.count_delivery(o.message.kind, o.result.ok),
            )
            state.outbox.start()
        try:
            with startup_heap_frozen():
                yield
        finally:
            purge_schedule.stop()
            report_worker.stop()
            stats_schedule.stop()
            state.stop()

    app = ChildguardAPI(
        title="childguard",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the package by install_docs_pages: no CDN
        redoc_url=None,
        dependencies=[Depends(reject_unknown_query)],
    )
    install_error_handlers(app)
    install_openapi(app)
    install_docs_pages(app)
    for router in (
        health.router,
        scan.router,
        banks.router,
        admin.router,
        stats.router,
        text.router,
        evidence.router,
        cases.router,
        queues.router,
        policies.router,
        feeds.router,
        subscriptions.router,
        signals.router,
        webhooks.router,
        reports.router,
        regulator.router,
        assessments.router,
        safety.router,
    ):
        app.include_router(router)
    from childguard.api import hma

    app.include_router(hma.router)
    from childguard.web.mount import mount_console

    mount_console(app, settings)
    app.front = ServiceMiddleware(
        FastRoutes(partial(FastAPI.__call__, app), api=app),
        metrics=metrics,
        max_body=settings.max_upload_bytes + BODY_SLACK,
        timeout=settings.request_timeout_seconds,
    )
    return app


class ChildguardAPI(FastAPI):
    """FastAPI with a lean front for HTTP requests: ``front`` runs before FastAPI's own stack.

    ``front`` (request ids, limits, timeout, metrics and logs, then the hot routes of
    ``FastRoutes``) takes every HTTP request and hands what it does not serve itself to FastAPI;
    the lifespan and anything else go straight to FastAPI.
    """

    front: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if self.front is not None and scope["type"] == "http":
            await self.front(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (each worker process builds its own app)."""
    return create_app(Settings())
