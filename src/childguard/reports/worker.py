"""The report worker: sends due reports step by step, with retries, backoff and fresh starts.

A report is claimed with a lease (a conditional UPDATE), so two workers never send the same one
and a worker killed mid-way leaves it to the next after ``report_lease_seconds``. Timeouts and
5xx (``SinkUnavailable``) are retried with doubling waits; a refusal (``SinkRefused``) or missing
settings (``NotConfigured``) put the report in ``error`` with the hotline's code and message,
recorded on the case, and not retried until a person files it again. A report the hotline
dropped unfinished (expired) starts again as a new generation.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, or_, select, update

from childguard.audit import Actor
from childguard.cases.history import record
from childguard.config import Settings
from childguard.errors import ChildguardError
from childguard.periodic import Periodic
from childguard.reports.errors import RemoteReportGone, SinkRefused, SinkUnavailable
from childguard.reports.registry import report_sinks
from childguard.reports.sink import ReportSink, StepLog
from childguard.store.db import Database
from childguard.store.models import Case, Report, ReportStep, utcnow

log = logging.getLogger("childguard.reports")

DUE = ("queued", "sending")
#: Fresh starts allowed in one run after the hotline dropped a report.
MAX_RESTARTS = 2


@dataclass
class RunSummary:
    """What one run did: reports finished, retried later, put in error (by sink and reason)."""

    finished: int = 0
    retried: int = 0
    restarted: int = 0
    errors: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, other: RunSummary) -> None:
        """Fold ``other`` into this summary."""
        self.finished += other.finished
        self.retried += other.retried
        self.restarted += other.restarted
        for key, count in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + count

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "finished": self.finished,
            "retried": self.retried,
            "restarted": self.restarted,
            "errors": sum(self.errors.values()),
        }


def make_sinks(settings: Settings) -> dict[str, ReportSink]:
    """One instance of every registered sink for ``settings``."""
    return {name: cls(settings) for name, cls in report_sinks().items()}


def default_worker_name() -> str:
    """This process's name for leases: host and thread."""
    return f"{socket.gethostname()[:40]}:{threading.get_ident() % 100000}"


def due_ids(db: Database, limit: int) -> list[int]:
    """Ids of reports due to be sent now (not held by a live lease), oldest first."""
    now = utcnow()
    with db.session() as session:
        return list(
            session.scalars(
                select(Report.id)
                .where(
                    Report.status.in_(DUE),
                    or_(Report.next_attempt_at.is_(None), Report.next_attempt_at <= now),
                    or_(Report.holder.is_(None), Report.lease_until < now),
                )
                .order_by(Report.id)
                .limit(limit)
            )
        )


def pending_reports(db: Database) -> int:
    """How many reports (of every organisation) are still on their way (queued or sending)."""
    with db.session() as session:
        return int(session.scalar(select(func.count(Report.id)).where(Report.status.in_(DUE))) or 0)


def _claim(db: Database, settings: Settings, report_id: int, worker: str) -> Report | None:
    """Take the lease on a due report; the row as claimed (detached), or None when it is not
    due or someone else holds it. One transaction: the claim and the read go together."""
    now = utcnow()
    with db.session(write=True) as session:
        result = session.execute(
            update(Report)
            .where(
                Report.id == report_id,
                Report.status.in_(DUE),
                or_(Report.next_attempt_at.is_(None), Report.next_attempt_at <= now),
                or_(Report.holder.is_(None), Report.lease_until < now),
            )
            .values(
                holder=worker[:64],
                lease_until=now + timedelta(seconds=settings.report_lease_seconds),
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            return None
        return session.get(Report, report_id)


def _finish_run(
    db: Database,
    report_id: int,
    actor: Actor,
    *,
    status: str | None = None,
    error: ChildguardError | None = None,
    retry_in: float | None = None,
    event: str | None = None,
) -> None:
    """Release the lease and store the outcome (and a case event) in one transaction."""
    now = utcnow()
    with db.session(write=True) as session:
        row = session.get(Report, report_id)
        assert row is not None
        row.holder = None
        row.lease_until = None
        row.updated_at = now
        if status is not None:
            row.status = status
        if error is not None:
            code = getattr(error, "response_code", None) or getattr(error, "status", None)
            row.error_code = str(code or error.code)[:32]
            row.last_error = error.message[:2000]
            session.add(
                ReportStep(
                    report_id=row.id,
                    generation=row.generation,
                    step="error",
                    status="failed",
                    request_id=getattr(error, "request_id", "")[:100],
                    response_code=getattr(error, "response_code", None),
                    detail=error.message[:2000],
                    at=now,
                )
            )
        if retry_in is not None:
            row.attempts += 1
            row.next_attempt_at = now + timedelta(seconds=retry_in)
        elif status == "finished":
            row.error_code = ""
            row.last_error = ""
        if event is not None:
            case = session.get(Case, row.case_id)
            if case is not None:
                details: dict[str, object] = {"report_id": row.id, "sink": row.sink}
                if error is not None:
                    details["error"] = row.error_code
                record(session, case, actor, event, details)


def _restart(db: Database, report_id: int, actor: Actor, why: str) -> int:
    """Begin a new generation after the hotline dropped the unfinished report."""
    now = utcnow()
    with db.session(write=True) as session:
        row = session.get(Report, report_id)
        assert row is not None
        session.add(
            ReportStep(
                report_id=row.id,
                generation=row.generation,
                step="expired",
                status="done",
                remote_id=row.remote_id,
                detail=why[:2000],
                at=now,
            )
        )
        row.generation += 1
        row.remote_id = ""
        row.remote_opened_at = None
        row.remote_changed_at = None
        row.status = "queued"
        row.updated_at = now
        return row.generation


def process(
    db: Database,
    settings: Settings,
    sinks: Mapping[str, ReportSink],
    report_id: int,
    worker: str,
) -> RunSummary:
    """Send one report if it is due and this worker can claim it."""
    summary = RunSummary()
    claimed = _claim(db, settings, report_id, worker)
    if claimed is None:
        return summary
    org_id, case_id, generation, sink_name = (
        claimed.org_id,
        claimed.case_id,
        claimed.generation,
        claimed.sink,
    )
    attempts = claimed.attempts
    actor = Actor(org_id, None, "report-worker")
    sink = sinks.get(sink_name)
    if sink is None:
        error = ChildguardError(f"no report sink {sink_name!r} is installed")
        _finish_run(db, report_id, actor, status="error", error=error, event="report_failed")
        summary.errors[(sink_name, "unknown_sink")] = 1
        return summary
    row: Report | None = claimed
    for _ in range(MAX_RESTARTS + 1):
        if row is None:  # after a fresh start: read what the restart left
            with db.session() as session:
                row = session.get(Report, report_id)
                assert row is not None
        if sink.expired(row, utcnow()):
            generation = _restart(db, report_id, actor, "the hotline's time limit passed")
            summary.restarted += 1
        row = None
        step_log = StepLog(db, settings, report_id, org_id, case_id, generation, actor)
        try:
            sink.advance(step_log)
        except RemoteReportGone as exc:
            generation = _restart(db, report_id, actor, exc.message)
            summary.restarted += 1
            continue
        except SinkUnavailable as exc:
            wait = min(
                settings.report_max_backoff_seconds, settings.report_retry_seconds * 2**attempts
            )
            _finish_run(db, report_id, actor, status="sending", error=exc, retry_in=wait)
            summary.retried += 1
            return summary
        except SinkRefused as exc:
            _finish_run(db, report_id, actor, status="error", error=exc, event="report_failed")
            summary.errors[(sink_name, exc.reason)] = 1
            log.warning("report refused", extra={"report_id": report_id, "sink": sink_name})
            return summary
        except ChildguardError as exc:
            _finish_run(db, report_id, actor, status="error", error=exc, event="report_failed")
            summary.errors[(sink_name, exc.code)] = 1
            return summary
        _finish_run(db, report_id, actor, status="finished", event="report_finished")
        summary.finished += 1
        return summary
    error = ChildguardError("the hotline kept dropping the report; filed again later")
    _finish_run(db, report_id, actor, error=error, retry_in=settings.report_retry_seconds)
    summary.retried += 1
    return summary


def run_due(
    db: Database,
    settings: Settings,
    sinks: Mapping[str, ReportSink],
    *,
    worker: str | None = None,
    limit: int = 100,
    threads: int = 1,
) -> RunSummary:
    """Send up to ``limit`` due reports (``threads`` at a time); returns what happened."""
    name = worker or default_worker_name()
    ids = due_ids(db, limit)
    summary = RunSummary()
    if threads <= 1:
        for report_id in ids:
            summary.add(process(db, settings, sinks, report_id, name))
        return summary
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cg-report") as pool:
        for result in pool.map(
            lambda rid: process(db, settings, sinks, rid, f"{name}:{threading.get_ident()}"), ids
        ):
            summary.add(result)
    return summary


class ReportWorker:
    """A daemon thread running ``run_due`` (``report_threads`` at a time) every
    ``report_poll_seconds`` until stopped.

    ``on_summary`` receives each run's summary (the server counts errors in a metric).
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        on_summary: Callable[[RunSummary], None] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.sinks = make_sinks(settings)
        self.on_summary = on_summary
        self.last_error: str | None = None
        self._periodic = Periodic(
            self.run_once, settings.report_poll_seconds, name="childguard-reports"
        )

    def run_once(self) -> RunSummary | None:
        """One pass over the due reports; None when it failed (retried next tick)."""
        try:
            summary = run_due(
                self.db, self.settings, self.sinks, threads=self.settings.report_threads
            )
        except Exception as exc:  # keep the worker alive; the next tick retries
            self.last_error = type(exc).__name__
            log.warning("report run failed", extra={"error": type(exc).__name__})
            return None
        self.last_error = None
        if self.on_summary is not None:
            self.on_summary(summary)
        return summary

    def start(self) -> bool:
        """Start the thread (not when the interval is 0); returns whether it started."""
        return self._periodic.start()

    def stop(self) -> None:
        """Stop the thread and close the sinks' connections."""
        self._periodic.stop()
        for sink in self.sinks.values():
            close = getattr(sink, "close", None)
            if callable(close):
                close()
