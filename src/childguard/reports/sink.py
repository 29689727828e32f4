"""The ``ReportSink`` plugin shape and the durable step record every sink writes through.

A sink turns a decided case into a filing with one hotline, as a sequence of steps. ``advance``
runs the steps not yet done for the report's current generation, storing each step's result
(``StepLog.record``, its own committed transaction) before the next starts, so a crash resumes
where it stopped and nothing done is sent twice. Sinks take their credentials from settings and
keep the raw HTTP client apart (``ncmec_client``).
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import ClassVar

from sqlalchemy import Connection, Update, bindparam, insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.config import Settings
from childguard.errors import StorageError
from childguard.evidence.store import read_media
from childguard.reports.facts import CaseReportFacts, gather
from childguard.store.db import Database
from childguard.store.models import Org, Report, ReportStep, utcnow

#: Steps that change what the hotline holds as a whole get an audit record; per-file steps are
#: in ``report_steps`` (and each file's read from the evidence store is audited there).
AUDITED_STEPS = frozenset({"submit", "finish", "retract", "package", "deliver"})


#: Bytes of evidence read (decrypted) in one audited transaction before uploading: small files go
#: together, a large one alone, so memory stays bounded whatever the case holds.
EVIDENCE_BATCH_BYTES = 16 * 1024 * 1024


@dataclass
class StepLog:
    """One report's progress for its current generation, read from and written to the database.

    What a run needs to know (the report's remote id, the steps done, the organisation, the case's
    facts) is read in one transaction on first use; each ``record`` is one lean committed
    transaction (an insert and an update, no ORM unit of work), because a worker writes about a
    dozen of them per report.
    """

    db: Database
    settings: Settings
    report_id: int
    org_id: int
    case_id: int
    generation: int
    actor: Actor
    _done: dict[tuple[str, str], ReportStep] | None = field(default=None, init=False, repr=False)
    _remote_id: str = field(default="", init=False, repr=False)
    _org: Org | None = field(default=None, init=False, repr=False)

    def report(self, session: Session) -> Report:
        """The report row in ``session``."""
        row = session.get(Report, self.report_id)
        assert row is not None
        return row

    def _load(self) -> dict[tuple[str, str], ReportStep]:
        """Read the done steps, the remote id and the organisation, once per run."""
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
                self._remote_id = self.report(session).remote_id
                self._org = session.get(Org, self.org_id)
        return self._done

    def done(self, step: str, item: str = "") -> ReportStep | None:
        """The completed ``step`` (for ``item``) of this generation, if any.

        Read from the database once per run; steps recorded since are added by ``record``.
        """
        return self._load().get((step, item))

    @property
    def remote_id(self) -> str:
        """The sink's id of the report in this generation ('' before it was opened there)."""
        self._load()
        return self._remote_id

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
        also: Callable[[Session], None] | None = None,
    ) -> None:
        """Store a completed step (and report field ``updates``) in one committed transaction.

        ``also`` runs in the same transaction first (what must be written with the step, e.g.
        marking the evidence reported with the final receipt).
        """
        now = utcnow()
        step_row = {
            "report_id": self.report_id,
            "generation": self.generation,
            "step": step,
            "item": item,
            "status": "done",
            "remote_id": remote_id,
            "request_id": request_id[:100],
            "response_code": response_code,
            "detail": detail[:2000],
            "at": now,
        }
        # Each stored step renews the worker's hold on the report.
        changes = {
            **(updates or {}),
            "updated_at": now,
            "lease_until": now + timedelta(seconds=self.settings.report_lease_seconds),
        }
        audited = (
            audit.Pending(
                self.actor,
                f"report.{step}",
                f"report:{self.report_id}",
                {"case_id": self.case_id, "remote_id": remote_id},
            )
            if step in AUDITED_STEPS
            else None
        )
        if also is not None:
            with self.db.session(write=True) as session:
                also(session)
                session.flush()
                _write_step(session.connection(), self.report_id, step_row, changes, audited)
        else:
            _write_step_now(self.db, self.report_id, step_row, changes, audited)
        if "remote_id" in (updates or {}):
            self._remote_id = str((updates or {})["remote_id"])
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
        """The reporting organisation (read once per run)."""
        self._load()
        assert self._org is not None
        return self._org

    def read_evidence(self, evidence_id: int, purpose: str) -> bytes:
        """The bytes of a kept media item, the read audited with ``purpose``."""
        return self.read_evidence_many([(evidence_id, 0)], purpose)[evidence_id]

    def read_evidence_many(
        self, wanted: Sequence[tuple[int, int]], purpose: str
    ) -> dict[int, bytes]:
        """The bytes of kept media items ``(evidence id, expected size)``, every read audited
        with ``purpose`` in one transaction (a single decrypt each)."""
        with self.db.session(write=True) as session:
            return {
                evidence_id: read_media(
                    session,
                    self.settings,
                    self.org_id,
                    evidence_id,
                    actor=self.actor,
                    purpose=purpose,
                )
                for evidence_id, _size in wanted
            }


@functools.cache
def _report_update(columns: tuple[str, ...]) -> Update:
    """``UPDATE reports SET <columns> WHERE id = :report_id``, built once per column set."""
    return (
        update(Report)
        .where(Report.id == bindparam("report_id"))
        .values({c: bindparam(f"new_{c}") for c in columns})
    )


def _write_step(
    conn: Connection,
    report_id: int,
    step_row: Mapping[str, object],
    changes: Mapping[str, object],
    audited: audit.Pending | None,
) -> None:
    """Insert the step, update the report and append the audit record on ``conn``'s open
    transaction (SQLite: which holds the write lock)."""
    conn.execute(_STEP_INSERT, dict(step_row))
    columns = tuple(sorted(changes))
    conn.execute(
        _report_update(columns),
        {"report_id": report_id, **{f"new_{c}": changes[c] for c in columns}},
    )
    if audited is not None:
        newest, insert_record, pg_lock = audit.chain_statements()
        if conn.dialect.name == "postgresql":
            conn.execute(pg_lock)
        last = conn.execute(newest).first()
        rows = audit.chained_rows(None if last is None else (last[0], last[1]), [audited])
        conn.execute(insert_record, rows)


def _write_step_now(
    db: Database,
    report_id: int,
    step_row: Mapping[str, object],
    changes: Mapping[str, object],
    audited: audit.Pending | None,
) -> None:
    """``_write_step`` in a transaction of its own on a pooled connection (no ORM session: a
    worker writes about a dozen steps per report), committed when this returns."""
    try:
        with db.engine.connect() as conn, conn.begin():
            if db.is_sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            _write_step(conn, report_id, step_row, changes, audited)
    except OperationalError as exc:
        raise StorageError(f"database error: {exc.orig}") from exc


_STEP_INSERT = insert(ReportStep)


def evidence_batches(
    wanted: Sequence[tuple[int, int]], budget: int = EVIDENCE_BATCH_BYTES
) -> list[list[tuple[int, int]]]:
    """``(evidence id, size)`` pairs cut into runs of at most ``budget`` bytes (a larger file
    alone), in order."""
    batches: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    used = 0
    for pair in wanted:
        if current and used + pair[1] > budget:
            batches.append(current)
            current, used = [], 0
        current.append(pair)
        used += pair[1]
    if current:
        batches.append(current)
    return batches


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
