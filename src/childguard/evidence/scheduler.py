"""The server's retention schedule: purge and sweep every ``evidence_purge_interval_seconds``."""

from __future__ import annotations

import logging

from childguard.config import Settings
from childguard.evidence.retention import PurgeReport, purge
from childguard.periodic import Periodic
from childguard.store.db import Database

log = logging.getLogger("childguard.evidence")


class PurgeSchedule:
    """A daemon thread that runs ``retention.purge`` at a fixed interval until stopped.

    Failures are logged (by type only) and retried at the next tick; the server keeps serving.
    """

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.last_report: PurgeReport | None = None
        self.last_error: str | None = None
        self._periodic = Periodic(
            self.run_once,
            settings.evidence_purge_interval_seconds,
            name="childguard-evidence-purge",
        )

    def run_once(self) -> PurgeReport | None:
        """One purge and sweep; returns its report, or None when it failed."""
        try:
            report = purge(self.db, self.settings)
        except Exception as exc:  # keep the schedule alive; the next tick retries
            self.last_error = type(exc).__name__
            log.warning("evidence purge failed", extra={"error": type(exc).__name__})
            return None
        self.last_report, self.last_error = report, None
        if report.purged or report.orphans_removed or report.temp_removed or report.missing:
            log.info("evidence purge", extra=report.as_dict())
        return report

    def start(self) -> bool:
        """Start the thread (not when the interval is 0); returns whether it started."""
        return self._periodic.start()

    def stop(self) -> None:
        """Stop the thread (waits for a purge in progress, at most a few seconds)."""
        self._periodic.stop()
