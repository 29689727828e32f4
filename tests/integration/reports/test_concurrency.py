"""Several workers, each with a pool of sending threads, on the same due reports: every report
has one sender at a time and is finished exactly once, every file uploaded once."""

from __future__ import annotations

import threading
import time

from childguard.reports.worker import ReportWorker, make_sinks, pending_reports, run_due
from tests.integration.reports.conftest import Fake, ReportWorld

REPORTS = 6
FILES = 2


def _queue(rworld: ReportWorld) -> list[int]:
    ids = []
    for n in range(REPORTS):
        case_id = rworld.media_case(FILES, user=f"u-{n}")
        rworld.decide(case_id, "A1", ("remove_content",))
        ids.append(rworld.file(case_id))
    return ids


def test_two_workers_with_thread_pools_finish_every_report_exactly_once(
    rworld: ReportWorld, fake_ncmec: Fake
) -> None:
    ids = _queue(rworld)
    # 500s do nothing at the hotline, so nothing may be sent twice whatever the retries.
    fake_ncmec.faults(rate=0.25, kinds=["500"])
    sinks = make_sinks(rworld.settings)
    finished: list[int] = []
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for _ in range(1000):
                if pending_reports(rworld.db) == 0:
                    return
                summary = run_due(rworld.db, rworld.settings, sinks, worker=name, threads=4)
                finished.append(summary.finished)
                if not summary.finished:
                    time.sleep(0.02)  # retries wait for their backoff
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert errors == [] and not any(w.is_alive() for w in workers)

    assert sum(finished) == REPORTS  # each report counted finished by exactly one sender
    state = fake_ncmec.state()
    assert state["faults_injected"]["500"] > 0
    held = state["reports"].values()
    assert len(held) == REPORTS  # no second report opened
    assert all(r["status"] == "finished" and r["finished_times"] == 1 for r in held)
    assert all(len(r["files"]) == FILES for r in held)
    assert all(f["fileinfo"] == 1 for r in held for f in r["files"].values())
    assert state["calls"]["upload"] == REPORTS * FILES  # a refused call does nothing there
    assert {rworld.report(i)["status"] for i in ids} == {"finished"}


def test_the_servers_worker_sends_with_its_pool(rworld: ReportWorld, fake_ncmec: Fake) -> None:
    ids = _queue(rworld)
    worker = ReportWorker(rworld.db, rworld.settings.model_copy(update={"report_threads": 3}))
    try:
        summary = worker.run_once()
    finally:
        worker.stop()
    assert summary is not None and summary.finished == REPORTS
    held = fake_ncmec.state()["reports"].values()
    assert len(held) == REPORTS and all(r["finished_times"] == 1 for r in held)
    assert {rworld.report(i)["status"] for i in ids} == {"finished"}
