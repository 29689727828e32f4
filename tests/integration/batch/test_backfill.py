"""``childguard backfill`` on Dask: runs, crashes, resumes, remote clusters, S3 (issue 20)."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from childguard.auth import ensure_org
from childguard.batch import run as run_module
from childguard.batch import worker
from childguard.batch.cluster import dask_client
from childguard.batch.manifest import RunStore, RunWriter
from childguard.batch.run import execute_run, prepare_run
from childguard.batch.sources import SourceItem, list_sources
from childguard.batch.worker import JobSpec, scan_batch
from childguard.cli.main import app
from childguard.config import Settings
from childguard.store.db import Database
from childguard.store.models import AuditRecord

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("CHILDGUARD_DATA_DIR", str(d))
    monkeypatch.delenv("CHILDGUARD_ORG", raising=False)
    return d


def cg(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    # messages of failed commands are compared with rich's line wrapping undone
    return result.output if code == 0 else " ".join(result.output.split())


def images(folder: Path, n: int, size: int = 48) -> list[Path]:
    """``n`` distinct benign noise images plus, at the end, a corrupt one and a conversation."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    paths = []
    for i in range(n):
        base = rng.integers(0, 255, (6, 6, 3), dtype=np.uint8)
        img = Image.fromarray(base).resize((size, size), Image.Resampling.BICUBIC)
        path = folder / f"img{i:04d}.png"
        img.save(path)
        paths.append(path)
    (folder / "zz-corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    chat = {"id": "c1", "messages": [{"sender": "a", "text": "see you at school tomorrow"}]}
    (folder / "zz-chat.jsonl").write_text(json.dumps(chat) + "\n")
    return paths


def summary_of(out: str) -> dict[str, Any]:
    (line,) = [x for x in out.splitlines() if x.startswith('{"summary"')]
    summary: dict[str, Any] = json.loads(line)["summary"]
    return summary


def read_out(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def comparable(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for row in rows:
        row = {k: v for k, v in row.items() if k != "run_id"}
        if isinstance(row.get("intel"), dict):
            row["intel"] = {k: v for k, v in row["intel"].items() if k != "milliseconds"}
        out[row["path"]] = row
    return out


def local_org_id(settings: Settings) -> int:
    """The id of the ``local`` organisation (created if needed), the one runs record under."""
    db = Database.open(settings)
    with db.session(write=True) as session:
        org_id = ensure_org(session, "local").id
    db.dispose()
    return org_id


def assert_complete(rows: list[dict[str, Any]], total: int) -> None:
    indices = [r["index"] for r in rows]
    assert sorted(indices) == list(range(total)), "every file exactly once"


def test_missing_source_is_refused_before_anything_starts(data_dir: Path, tmp_path: Path) -> None:
    out = cg("backfill", str(tmp_path / "nowhere"), code=4)
    assert "does not exist" in out
    assert not (data_dir / "backfill").exists()
    assert "not both" in cg("backfill", str(tmp_path), "--resume", "x", code=2)
    assert "no backfill run" in cg("backfill", "--resume", "20990101-000000-abcdef", code=4)


def test_case_opens_cases_for_matches_and_risky_chats_once(tmp_path: Path, data_dir: Path) -> None:
    paths = images(tmp_path / "in", 3)
    grooming = {
        "id": "g1",
        "messages": [
            {"sender": "x", "text": "how old are you?"},
            {"sender": "y", "text": "i'm 12"},
            {"sender": "x", "text": "are your parents home? don't tell them about me"},
            {"sender": "x", "text": "send me a photo of you, just for me, our secret"},
        ],
    }
    (tmp_path / "in" / "zz-grooming.jsonl").write_text(json.dumps(grooming) + "\n")
    cg("bank", "create", "KNOWN_BAD")
    cg("bank", "add", "KNOWN_BAD", str(paths[0]))
    out = tmp_path / "out.jsonl"
    args = ["backfill", str(tmp_path / "in"), "--case", "--workers", "1", "--no-intel"]
    cg(*args, "--out", str(out), "--json")
    rows = {Path(r["path"]).name: r for r in read_out(out)}
    assert rows[paths[0].name]["matched"] is True
    cases = [json.loads(line) for line in cg("case", "list", "--json").splitlines() if line]
    assert len(cases) == 2, cases
    labels = {label for case in cases for label in case["labels"]}
    assert "CSAM" in labels and "GROOMING" in labels

    # The same candidates again (a resumed run re-scans in-flight batches): nothing doubles.
    from childguard.audit import Actor
    from childguard.batch.case_seam import case_candidate
    from childguard.cases.backfill import backfill_case_sink

    settings = Settings()
    db = Database.open(settings)
    try:
        with db.session() as session:
            org = ensure_org(session, settings.org)
            org_id = org.id
        sink = backfill_case_sink(db, settings, org_id, Actor(org_id, None, "cli:test"))
        for row in read_out(out):
            candidate = case_candidate(row, org_id)
            if candidate is not None:
                sink(candidate)
    finally:
        db.dispose()
    again = [line for line in cg("case", "list", "--json").splitlines() if line]
    assert len(again) == 2


def test_run_then_kill_minus_9_of_the_client_then_resume(tmp_path: Path, data_dir: Path) -> None:
    n = 240
    images(tmp_path / "in", n, size=32)
    total = n + 2
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "CHILDGUARD_BACKFILL_BATCH_SIZE": "2"}
    cmd = [sys.executable, "-m", "childguard.cli.main", "backfill", str(tmp_path / "in")]
    proc = subprocess.Popen(
        [*cmd, "--workers", "2", "--no-intel", "--out", str(out)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    manifest: Path | None = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = list((data_dir / "backfill").glob("*/manifest.jsonl"))
        if found and len(found[0].read_text().splitlines()) >= 5:
            manifest = found[0]
            break
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.02)
    assert manifest is not None
    os.killpg(proc.pid, signal.SIGKILL)  # the client and its local workers
    proc.wait()
    recorded = len(manifest.read_text().splitlines())
    assert recorded * 2 < total, "the run was killed part-way"
    run_id = manifest.parent.name
    s = summary_of(cg("backfill", "--resume", run_id, "--workers", "2", "--json"))
    assert s["files"] == total and s["already_done"] >= 10
    assert s["already_done"] + s["scanned"] == total
    rows = read_out(out)
    assert_complete(rows, total)
    assert all(r["run_id"] == run_id for r in rows)
    (bad,) = [r for r in rows if r["path"].endswith("zz-corrupt.jpg")]
    assert "corrupt" in bad["error"]["message"]
    (chat,) = [r for r in rows if r["path"].endswith("zz-chat.jsonl")]
    assert chat["kind"] == "conversations" and chat["conversations"][0]["id"] == "c1"
    # Resuming a finished run scans nothing.
    again = summary_of(cg("backfill", "--resume", run_id, "--workers", "1", "--json"))
    assert again["scanned"] == 0
    assert len(read_out(out)) == total
    db = Database.open(
        Settings(data_dir=data_dir, database_url=os.environ.get("CHILDGUARD_DATABASE_URL") or None)
    )
    with db.session() as session:
        actions = session.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.target == f"backfill:{run_id}")
            .order_by(AuditRecord.id)
        ).all()
    db.dispose()
    assert actions == [
        "backfill.start",
        "backfill.resume",
        "backfill.finish",
        "backfill.resume",
        "backfill.finish",
    ]


def test_kill_minus_9_of_a_worker_loses_and_doubles_nothing(
    tmp_path: Path, settings: Settings
) -> None:
    org_id = local_org_id(settings)
    images(tmp_path / "in", 120, size=32)
    store = prepare_run(settings, [str(tmp_path / "in")], intel=False)
    settings = settings.model_copy(update={"backfill_batch_size": 2})
    killed: list[int] = []
    with dask_client(settings, workers=2) as client:

        def progress(done: int, total: int) -> None:
            if done >= 10 and not killed:
                pid = next(iter(client.run(os.getpid).values()))
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        summary = execute_run(store, settings, org_id, client, on_progress=progress)
    assert killed
    assert summary.scanned == summary.total == 122
    rows = read_out(Path(store.spec.out))
    assert_complete(rows, 122)
    assert [path for path, _ in summary.failures] == [str(tmp_path / "in" / "zz-corrupt.jpg")]


def test_resume_finishes_a_listing_cut_short_by_a_crash(tmp_path: Path, settings: Settings) -> None:
    org_id = local_org_id(settings)
    images(tmp_path / "in", 40, size=32)
    store = prepare_run(settings, [str(tmp_path / "in")], intel=False)
    # The client listed 25 files, recorded a batch of 10 of them, and was killed mid-listing.
    listing = store.continue_listing([], list_sources(store.spec.sources, settings))
    listing_run = iter(listing)
    listed = list(itertools.islice(listing_run, 25))
    listing.sync()
    job = JobSpec(store.spec.run_id, settings, org_id, (), False)
    try:
        lines = scan_batch(listed[:10], job)
    finally:
        for rt in worker._RUNTIMES.values():
            rt.db.dispose()
        worker._RUNTIMES.clear()
    writer = RunWriter(store)
    writer.commit(0, [item.index for item in listed[:10]], lines)
    writer.close()
    del listing, listing_run
    # Meanwhile a file was added in the middle of the listing order.
    images(tmp_path / "in" / "img0005-more", 1, size=32)
    totals: list[int | None] = []
    with dask_client(settings, workers=1) as client:
        summary = execute_run(
            RunStore.open(settings, store.spec.run_id),
            settings,
            org_id,
            client,
            on_progress=lambda done, total: totals.append(total),
        )
    assert (summary.already_done, summary.scanned, summary.total) == (10, 35, 45)
    assert totals[0] is None and totals[-1] == 45
    rows = read_out(Path(store.spec.out))
    assert_complete(rows, 45)
    by_index = {r["index"]: r["path"] for r in rows}
    assert [by_index[i] for i in range(25)] == [item.path for item in listed]
    assert sum("img0005-more" in path for path in by_index.values()) == 3  # 1 image, 2 extras


def test_batches_scan_while_the_sources_are_listed_and_are_recorded_after_their_listing(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    org_id = local_org_id(settings)
    images(tmp_path / "in", 60, size=32)
    settings = settings.model_copy(update={"backfill_batch_size": 2})
    store = prepare_run(settings, [str(tmp_path / "in")], intel=False)

    def slow_listing(sources: list[str], settings: Settings) -> Iterator[SourceItem]:
        for item in list_sources(sources, settings):
            time.sleep(0.02)  # a slow file system: batches come back while listing
            yield item

    recorded_while_listing: list[int] = []
    commit = RunWriter.commit_text

    def checked_commit(self: RunWriter, batch: int, files: Any, *rest: Any) -> Any:
        on_disk = store.files_path if store.listing_complete else store.listing_part_path
        listed = {json.loads(line)["i"] for line in on_disk.read_text().splitlines()}
        assert set(files) <= listed, "a recorded file is in the listing on disk"
        if not store.listing_complete:
            recorded_while_listing.append(batch)
        return commit(self, batch, files, *rest)

    monkeypatch.setattr(run_module, "list_sources", slow_listing)
    monkeypatch.setattr(RunWriter, "commit_text", checked_commit)
    with dask_client(settings, workers=1, processes=False) as client:
        summary = execute_run(store, settings, org_id, client)
    assert recorded_while_listing, "batches were recorded before the listing was complete"
    assert summary.scanned == summary.total == 62
    assert_complete(read_out(Path(store.spec.out)), 62)


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen[bytes]


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A ``dask scheduler`` and a ``dask worker`` started as separate processes."""
    scheduler_file = tmp_path / "scheduler.json"
    common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "dask", "scheduler", "--scheduler-file", str(scheduler_file),
         "--port", "0", "--no-dashboard", "--host", "127.0.0.1"],
        **common,
    )  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", address, "--nworkers", "1",
             "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
            **common,
        )  # fmt: skip
        yield Cluster(address, scheduler)
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def test_separately_started_scheduler_and_worker_give_the_same_results(
    tmp_path: Path, dask_cluster: Cluster
) -> None:
    paths = images(tmp_path / "in", 8)
    cg("bank", "create", "KNOWN")
    cg("bank", "add", "KNOWN", str(paths[3]))
    local = tmp_path / "local.jsonl"
    remote = tmp_path / "remote.jsonl"
    cg("backfill", str(tmp_path / "in"), "--workers", "1", "--out", str(local))
    cg("backfill", str(tmp_path / "in"), "--scheduler", dask_cluster.address, "--out", str(remote))
    a, b = comparable(read_out(local)), comparable(read_out(remote))
    assert len(a) == 10 and a == b
    assert a[str(paths[3])]["matched"] is True
    assert a[str(paths[3])]["priority"]["parts"]["match"] == 60.0
    assert "intel" in a[str(paths[0])]


def test_scheduler_going_away_stops_the_client_and_resume_finishes(
    tmp_path: Path, data_dir: Path, dask_cluster: Cluster
) -> None:
    images(tmp_path / "in", 200, size=32)
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "childguard.cli.main", "backfill", str(tmp_path / "in"),
         "--scheduler", dask_cluster.address, "--no-intel", "--out", str(out)],
        env={**os.environ, "CHILDGUARD_BACKFILL_BATCH_SIZE": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    manifest: Path | None = None
    while time.monotonic() < deadline and manifest is None:
        found = list((data_dir / "backfill").glob("*/manifest.jsonl"))
        if found and len(found[0].read_text().splitlines()) >= 3:
            manifest = found[0]
        time.sleep(0.02)
    assert manifest is not None
    dask_cluster.scheduler.kill()
    _, err = proc.communicate(timeout=120)
    message = " ".join(err.decode().split())
    assert proc.returncode == 3, message
    run_id = manifest.parent.name
    assert f"--resume {run_id}" in message
    assert "Traceback" not in message, message[max(0, message.find("Traceback") - 600) :][:1500]
    summary = summary_of(cg("backfill", "--resume", run_id, "--workers", "1", "--json"))
    assert summary["already_done"] >= 6
    assert_complete(read_out(out), 202)


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    images(tmp_path / "in", 1)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = cg("backfill", str(tmp_path / "in"), "--scheduler", f"tcp://127.0.0.1:{port}", code=3)
    assert "cannot reach the Dask scheduler" in out


def test_s3_source_on_a_local_s3_compatible_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "CHILDGUARD_S3_ENDPOINT_URL": endpoint,
        }.items():
            monkeypatch.setenv(key, value)
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="uploads")
        paths = images(tmp_path / "in", 3)
        if shutil.which("ffmpeg"):
            video = tmp_path / "in" / "clip.mp4"
            subprocess.run(
                ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i",
                 "testsrc=size=128x96:rate=5", "-t", "2", "-pix_fmt", "yuv420p", str(video)],
                check=True,
            )  # fmt: skip
            paths.append(video)
        for path in [*paths, tmp_path / "in" / "zz-corrupt.jpg"]:
            s3.upload_file(str(path), "uploads", f"2023/{path.name}")
        out = tmp_path / "s3.jsonl"
        cg("backfill", "s3://uploads/2023", "--workers", "1", "--no-intel", "--out", str(out))
        rows = {r["path"]: r for r in read_out(out)}
        assert set(rows) == {f"s3://uploads/2023/{p.name}" for p in paths} | {
            "s3://uploads/2023/zz-corrupt.jpg"
        }
        local = comparable(read_out(_local_run(tmp_path, paths)))
        for p in paths:
            assert rows[f"s3://uploads/2023/{p.name}"]["signals"] == local[str(p)]["signals"]
            assert "error" not in local[str(p)]
        assert "corrupt" in rows["s3://uploads/2023/zz-corrupt.jpg"]["error"]["message"]
        assert "does not exist" in cg("backfill", "s3://uploads/none", code=4)
    finally:
        server.stop()


def _local_run(tmp_path: Path, paths: list[Path]) -> Path:
    out = tmp_path / "local-s3-compare.jsonl"
    cg("backfill", *map(str, paths), "--workers", "1", "--no-intel", "--out", str(out))
    return out
