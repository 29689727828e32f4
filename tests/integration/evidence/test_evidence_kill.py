"""Kill-safety of evidence writes: ``kill -9`` of a writer leaves no half-written evidence."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import select

from childguard import evidence
from childguard.audit import Actor
from childguard.config import Settings
from childguard.evidence import blobs
from childguard.store.db import Database
from childguard.store.models import EvidenceItem

#: Keeps random (benign noise) blobs of mixed sizes, one per transaction, printing each
#: committed id; with ``stop`` it kills itself after writing the file, before the commit.
WRITER = textwrap.dedent(
    """
    import hashlib, os, signal, sys
    from childguard.audit import Actor
    from childguard.auth import ensure_org
    from childguard.config import Settings
    from childguard.evidence import keep_media
    from childguard.store.db import Database

    settings = Settings()
    db = Database.open(settings)
    actor = Actor(None, None, "writer")
    crash_before_commit = sys.argv[1] == "stop"
    with db.session(write=True) as s:
        org_id = ensure_org(s, "alpha").id
    for i in range(10_000):
        data = os.urandom(4_000_000 if i % 3 == 2 else 20_000)
        with db.session(write=True) as s:
            keep_media(s, settings, org_id, data, sha256=hashlib.sha256(data).hexdigest(),
                       case_id=i, filename="n.bin", mime="application/octet-stream", actor=actor)
            if crash_before_commit:
                os.kill(os.getpid(), signal.SIGKILL)
        print(i, flush=True)
    """
)


def _env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["CHILDGUARD_DATA_DIR"] = str(settings.data_dir)
    env["CHILDGUARD_EVIDENCE_ENABLED"] = "true"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(evidence.__file__).parents[2]), env.get("PYTHONPATH", "")]
    )
    return env


def _check_consistent(settings: Settings) -> int:
    """Every committed item decrypts to its hash; after a sweep no stray file is left."""
    db = Database.open(settings)
    try:
        report = evidence.purge(db, settings, min_age_seconds=0)
        assert report.missing == []
        with db.session(write=True) as s:
            items = s.scalars(select(EvidenceItem)).all()
            for item in items:
                evidence.read_media(
                    s, settings, item.org_id, item.id, actor=Actor(None, None, "t"), purpose="t"
                )
        files = list(settings.resolved_evidence_dir.rglob("*"))
        kept = {p for p in files if p.is_file()}
        assert kept == {blobs.item_path(settings, i.org_id, i.id) for i in items}
        return len(items)
    finally:
        db.dispose()


def test_kill_before_commit_leaves_an_orphan_the_sweep_removes(settings: Settings) -> None:
    run = subprocess.run(
        [sys.executable, "-c", WRITER, "stop"],
        env=_env(settings),
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr.decode()[-2000:]
    assert len(list(settings.resolved_evidence_dir.rglob("*.cge"))) == 1
    assert _check_consistent(settings) == 0


def test_kill_at_any_moment_of_a_stream_of_writes(settings: Settings) -> None:
    for stop_after in (2, 5):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, "go"],
            env=_env(settings),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        for _ in range(stop_after):
            line = proc.stdout.readline()
            assert line, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
        assert _check_consistent(settings) >= stop_after
