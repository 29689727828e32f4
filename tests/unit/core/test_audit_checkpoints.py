"""Signed checkpoints catch what the bare hash chain cannot: truncation and rewrites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from childguard import audit
from childguard import audit_checkpoints as cp
from childguard.audit import Actor
from childguard.config import Settings
from childguard.errors import InvalidInput, StorageError
from childguard.store.db import Database
from childguard.store.models import AuditRecord

ACTOR = Actor(None, None, "test")


def append(db: Database, n: int) -> None:
    with db.session(write=True) as s:
        for i in range(n):
            audit.append(s, ACTOR, "test.event", f"thing:{i}", {"n": i})


def check(db: Database, settings: Settings) -> audit.ChainReport:
    with db.session() as s:
        return cp.verify(
            s,
            cp.read_checkpoints(cp.checkpoint_path(settings)),
            cp.public_hex(cp.load_or_create_key(settings)),
        )


def sign(db: Database, settings: Settings) -> cp.Checkpoint | None:
    with db.session() as s:
        return cp.make_checkpoint(s, settings)


def rewrite_from(db: Database, record_id: int, target: str) -> None:
    """Edit one record and recompute its hash and every later hash: the chain stays valid."""
    with db.session(write=True) as s:
        rows = list(s.scalars(select(AuditRecord).order_by(AuditRecord.id)))
        prev = rows[record_id - 2].hash if record_id > 1 else audit.GENESIS
        for row in rows[record_id - 1 :]:
            if row.id == record_id:
                row.target = target
            row.prev_hash = prev
            row.hash = "x" * 64  # keep the unique index free while rehashing
            s.flush()
            row.hash = audit.record_hash(row)
            s.flush()
            prev = row.hash


def test_key_and_checkpoints_live_outside_the_database(db: Database, settings: Settings) -> None:
    append(db, 3)
    first = sign(db, settings)
    assert first is not None and first.size == 3
    assert sign(db, settings) is None  # nothing new
    key_file = cp.key_path(settings)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" in key_file.read_bytes()
    lines = cp.checkpoint_path(settings).read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["head"] == first.head
    assert check(db, settings).ok


def test_deleting_the_newest_records_is_named_as_a_missing_range(
    db: Database, settings: Settings
) -> None:
    append(db, 6)
    sign(db, settings)
    with db.session(write=True) as s:
        s.execute(delete(AuditRecord).where(AuditRecord.id >= 5))
    with db.session() as s:
        assert audit.verify_chain(s).ok  # the chain alone cannot tell
    report = check(db, settings)
    assert not report.ok
    assert report.bad_record == 5
    assert "records 5 to 6 are missing" in report.problem


def test_editing_and_rehashing_is_named_at_the_first_bad_record(
    db: Database, settings: Settings
) -> None:
    append(db, 4)
    sign(db, settings)
    append(db, 4)
    sign(db, settings)
    rewrite_from(db, 3, "thing:evil")
    with db.session() as s:
        assert audit.verify_chain(s).ok  # consistent chain, different history
    report = check(db, settings)
    assert not report.ok
    assert report.bad_record == 3
    assert "record 3 was rewritten" in report.problem


def test_records_after_the_newest_checkpoint_are_still_chained(
    db: Database, settings: Settings
) -> None:
    append(db, 3)
    sign(db, settings)
    append(db, 2)
    assert check(db, settings).ok
    rewrite_from(db, 5, "thing:evil")
    assert check(db, settings).ok is True  # unsigned tail: only the chain vouches for it
    sign(db, settings)
    assert check(db, settings).ok


def test_a_forged_checkpoint_line_fails_its_signature(db: Database, settings: Settings) -> None:
    append(db, 3)
    sign(db, settings)
    path = cp.checkpoint_path(settings)
    data = json.loads(path.read_text())
    data["size"] = 2
    data["fingerprints"] = data["fingerprints"][: 2 * cp.FINGERPRINT_HEX]
    path.write_text(json.dumps(data) + "\n")
    report = check(db, settings)
    assert not report.ok and "bad signature" in report.problem


def test_signing_a_tampered_log_is_refused(db: Database, settings: Settings) -> None:
    append(db, 3)
    sign(db, settings)
    with db.session(write=True) as s:
        s.execute(delete(AuditRecord).where(AuditRecord.id == 3))
    with pytest.raises(StorageError, match="missing"):
        sign(db, settings)


def test_a_witness_catches_truncation_of_log_and_checkpoint_file(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    witness_settings = Settings(data_dir=tmp_path / "witness")
    append(db, 5)
    signed = sign(db, settings)
    assert signed is not None
    cosig = cp.witness(witness_settings, signed)
    cp.add_cosignature(settings, signed, cosig)
    assert cp.read_checkpoints(cp.checkpoint_path(settings))[-1].cosignatures[0] == cosig
    # an attacker deletes the newest records and the local checkpoint file with them
    with db.session(write=True) as s:
        s.execute(delete(AuditRecord).where(AuditRecord.id >= 4))
    cp.checkpoint_path(settings).unlink()
    assert check(db, settings).ok  # nothing local left to contradict it
    statement = cp.witnessed(witness_settings, signed.origin)
    witness_key = cp.public_hex(cp.load_or_create_key(witness_settings))
    log_key = cp.public_hex(cp.load_or_create_key(settings))
    with db.session() as s:
        report = cp.check_witnessed(s, statement, witness_key, log_key)
    assert not report.ok and "records 4 to 5 are missing" in report.problem
    # a pinned key that is not the witness's is refused
    with db.session() as s:
        assert not cp.check_witnessed(s, statement, log_key, log_key).ok


def test_a_witness_refuses_a_log_that_shrinks(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    witness_settings = Settings(data_dir=tmp_path / "witness")
    append(db, 5)
    big = sign(db, settings)
    assert big is not None
    cp.witness(witness_settings, big)
    with db.session(write=True) as s:
        s.execute(delete(AuditRecord).where(AuditRecord.id >= 4))
    cp.checkpoint_path(settings).unlink()
    small = sign(db, settings)
    assert small is not None and small.size == 3
    with pytest.raises(InvalidInput, match="shrank"):
        cp.witness(witness_settings, small)
    small.size = 5  # a changed checkpoint no longer verifies
    with pytest.raises(InvalidInput, match="signature"):
        cp.witness(witness_settings, small)
