"""The ``ReportSink`` plugin shape and the durable step record every sink writes through.

A sink turns a decided case into a filing with one hotline, as a sequence of steps. ``advance``
runs the steps not yet done for the report's current generation, storing each step's result
(``StepLog.record``, its own committed transaction) before the next starts, so a crash resumes
where it stopped and nothing done is sent twice. Sinks take their credentials from settings and
keep the raw HTTP client apart (``ncmec_client``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.config import Settings
from childguard.evidence.store import read_media
from childguard.reports.facts import CaseReportFacts, gather
from childguard.store.db import Database
from childguard.store.models import Org, Report, ReportStep, utcnow

#: Steps that change what the hotline holds as a whole get an audit record; per-file steps are
#: in ``report_steps`` (and each file's read from the evidence store is audited there).
AUDITED_STEPS = frozenset({"submit", "finish", "retract", "package", "deliver"})


@dataclass
class StepLog:
    """One report's progress for its current generation, read from and written to the database."""

    db: Database
    settings: Settings
    report_id: int
    org_id: int
    case_id: int
    generation: int
    actor: Actor
    _done: dict[tuple[str, str], ReportStep] | None = field(default=None, init=False, repr=False)

    def report(self, session: Session) -> Report:
        """The report row in ``session``."""
        row = session.get(Report, self.report_id)
        assert row is not None
        return row

    def done(self, step: str, item: str = "") -> ReportStep | None:
        """The completed ``step`` (for ``item``) of this generation, if any.

        Read from the database once per run; steps recorded since are added by ``record``.
        """
        if self._done is None:
            with self.db.session() as session:
                rows = session.scalars(
                    select(ReportStep).where(
                        ReportStep.report_id == self.report_id,
                        ReportStep.generation == self.generation,
                        ReportStep.status == "done",
                    )
                )
                self._done = {(r.step, r.item): r for r in rows}
        return self._done.get((step, item))

    def record(
        self,
        step: str,
        *,
        item: str = "",
        remote_id: str = "",
        request_id: str = "",
        response_code: int | None = None,
        detail: str = "",
        updates: Mapping[str, object] | None = None,
    ) -> None:
        """Store a completed step (and report field ``updates``) in one committed transaction."""
        now = utcnow()
        with self.db.session(write=True) as session:
            row = self.report(session)
            session.add(
                ReportStep(
                    report_id=self.report_id,
                    generation=self.generation,
                    step=step,
                    item=item,
                    status="done",
                    remote_id=remote_id,
                    request_id=request_id[:100],
                    response_code=response_code,
                    detail=detail[:2000],
                    at=now,
                )
            )
            for name, value in (updates or {}).items():
                setattr(row, name, value)
            row.updated_at = now
            # Each stored step renews the worker's hold on the report.
            row.lease_until = now + timedelta(seconds=self.settings.report_lease_seconds)
            if step in AUDITED_STEPS:
                audit.append(
                    session,
                    self.actor,
                    f"report.{step}",
                    f"report:{self.report_id}",
                    {"case_id": self.case_id, "remote_id": remote_id},
                )
        if self._done is not None:
            self._done[(step, item)] = ReportStep(
                report_id=self.report_id,
                generation=self.generation,
                step=step,
                item=item,
                status="done",
                remote_id=remote_id,
                request_id=request_id,
                detail=detail,
            )

    @cached_property
    def facts(self) -> CaseReportFacts:
        """The case's facts (read once per run)."""
        with self.db.session() as session:
            return gather(session, self.org_id, self.case_id)

    def org(self) -> Org:
        """The reporting organisation."""
        with self.db.session() as session:
            org = session.get(Org, self.org_id)
            assert org is not None
            return org

    def read_evidence(self, evidence_id: int, purpose: str) -> bytes:
        """The bytes of a kept media item, the read audited with ``purpose``."""
        with self.db.session(write=True) as session:
            return read_media(
                session, self.settings, self.org_id, evidence_id, actor=self.actor, purpose=purpose
            )


class ReportSink(ABC):
    """A hotline to file reports with. Subclasses set ``name`` and implement the steps."""

    name: ClassVar[str]
    #: What the sink is, for lists and the docs.
    title: ClassVar[str] = ""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @abstractmethod
    def check_ready(self, org_name: str) -> None:
        """Raise ``NotConfigured`` naming the missing settings when the sink cannot send."""

    def recipient_org_id(self, session: Session) -> int | None:
        """The local organisation that receives these reports (a hotline), if any."""
        return None

    @abstractmethod
    def advance(self, log: StepLog) -> None:
        """Run the steps not yet done for ``log``'s generation, recording each one."""

    def retract(self, log: StepLog, remote_id: str) -> None:
        """Withdraw an unfinished report on the hotline's side (nothing for local sinks)."""
        return None

    def expired(self, report: Report, now: datetime) -> bool:
        """Whether the hotline has dropped the unfinished report (never for local sinks)."""
        return False
