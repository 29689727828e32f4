"""Keeping and reading evidence: opt-in, round trip, org isolation, tampering, audit of reads."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from childguard import evidence
from childguard.config import Settings
from childguard.errors import ConfigurationError, EvidenceDamaged, InvalidInput, NotFound
from childguard.evidence import blobs
from childguard.store.db import Database
from childguard.store.models import AuditRecord, EvidenceItem
from tests.unit.evidence.conftest import ACTOR, Keep, Orgs, benign_png


def _keep_raw(db: Database, settings: Settings, org_id: int, data: bytes) -> bool:
    with db.session(write=True) as s:
        return evidence.keep_media(
            s,
            settings,
            org_id,
            data,
            sha256=hashlib.sha256(data).hexdigest(),
            case_id=7,
            filename="../../etc/x.png",
            mime="image/png",
            actor=ACTOR,
        )


def test_off_by_default_keeps_nothing(db: Database, settings: Settings, orgs: Orgs) -> None:
    assert _keep_raw(db, settings, orgs.a, benign_png()) is False
    assert not settings.resolved_evidence_dir.exists()
    with db.session() as s:
        assert s.scalars(select(EvidenceItem)).all() == []


def test_org_opt_in_keeps_only_that_org(db: Database, settings: Settings, orgs: Orgs) -> None:
    with db.session(write=True) as s:
        assert evidence.set_enabled(s, settings, orgs.a, True, actor=ACTOR).enabled
    assert _keep_raw(db, settings, orgs.a, benign_png()) is True
    assert _keep_raw(db, settings, orgs.b, benign_png()) is False
    with db.session(write=True) as s:
        assert not evidence.set_enabled(s, settings, orgs.a, False, actor=ACTOR).enabled
    assert _keep_raw(db, settings, orgs.a, benign_png(10)) is False


def test_round_trip_by_id_and_sha256_and_every_read_audited(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    data = benign_png()
    item_id = keep(orgs.a, data)
    path = blobs.item_path(on_settings, orgs.a, item_id)
    stored = path.read_bytes()
    assert data not in stored and stored.startswith(blobs.MAGIC)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key_file = on_settings.resolved_evidence_key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with db.session(write=True) as s:
        got = evidence.read_media(s, on_settings, orgs.a, item_id, actor=ACTOR, purpose="review")
        by_hash = evidence.read_media(
            s,
            on_settings,
            orgs.a,
            hashlib.sha256(data).hexdigest(),
            actor=ACTOR,
            purpose="report:ncmec",
        )
        item = evidence.get_item(s, orgs.a, item_id)
        assert item.filename == "x.png" and item.size == len(data)
    assert got == data and by_hash == data
    with db.session() as s:
        reads = s.scalars(select(AuditRecord).where(AuditRecord.action == "evidence.read")).all()
    assert [json.loads(r.details)["purpose"] for r in reads] == ["review", "report:ncmec"]
    assert all(r.target == f"evidence:{item_id}" and r.actor == "test" for r in reads)


def test_a_read_needs_a_purpose(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    item_id = keep(orgs.a, benign_png())
    with db.session(write=True) as s, pytest.raises(InvalidInput, match="purpose"):
        evidence.read_media(s, on_settings, orgs.a, item_id, actor=ACTOR, purpose=" ")


def test_wrong_sha256_is_refused(db: Database, on_settings: Settings, orgs: Orgs) -> None:
    with db.session(write=True) as s, pytest.raises(InvalidInput, match="SHA-256"):
        evidence.keep_media(
            s,
            on_settings,
            orgs.a,
            benign_png(),
            sha256="0" * 64,
            case_id=1,
            filename="a.png",
            mime="image/png",
            actor=ACTOR,
        )


def test_same_media_in_the_same_case_is_kept_once(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    data = benign_png()
    keep(orgs.a, data, case_id=3)
    keep(orgs.a, data, case_id=3)
    keep(orgs.a, data, case_id=4)
    with db.session() as s:
        assert [i.case_id for i in evidence.list_items(s, orgs.a)] == [3, 4]


def test_another_orgs_item_is_not_found(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    data = benign_png()
    item_id = keep(orgs.a, data)
    with db.session(write=True) as s:
        with pytest.raises(NotFound):
            evidence.read_media(s, on_settings, orgs.b, item_id, actor=ACTOR, purpose="review")
        with pytest.raises(NotFound):
            evidence.read_media(
                s,
                on_settings,
                orgs.b,
                hashlib.sha256(data).hexdigest(),
                actor=ACTOR,
                purpose="review",
            )
        assert evidence.list_items(s, orgs.b) == []


def test_tampered_blob_fails(db: Database, on_settings: Settings, orgs: Orgs, keep: Keep) -> None:
    item_id = keep(orgs.a, benign_png())
    path = blobs.item_path(on_settings, orgs.a, item_id)
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0x01
    path.write_bytes(bytes(raw))
    with db.session(write=True) as s, pytest.raises(EvidenceDamaged, match="integrity"):
        evidence.read_media(s, on_settings, orgs.a, item_id, actor=ACTOR, purpose="review")


def test_blob_moved_to_another_item_fails(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    first = keep(orgs.a, benign_png(1))
    second = keep(orgs.a, benign_png(2), case_id=2)
    shutil.copyfile(
        blobs.item_path(on_settings, orgs.a, first), blobs.item_path(on_settings, orgs.a, second)
    )
    with db.session(write=True) as s, pytest.raises(EvidenceDamaged):
        evidence.read_media(s, on_settings, orgs.a, second, actor=ACTOR, purpose="review")


def test_blob_moved_to_another_org_fails(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    mine = keep(orgs.a, benign_png(1))
    theirs = keep(orgs.b, benign_png(2))
    shutil.copyfile(
        blobs.item_path(on_settings, orgs.a, mine), blobs.item_path(on_settings, orgs.b, theirs)
    )
    with db.session(write=True) as s, pytest.raises(EvidenceDamaged):
        evidence.read_media(s, on_settings, orgs.b, theirs, actor=ACTOR, purpose="review")


def test_missing_file_is_reported_as_damage(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    item_id = keep(orgs.a, benign_png())
    blobs.item_path(on_settings, orgs.a, item_id).unlink()
    with db.session(write=True) as s, pytest.raises(EvidenceDamaged, match="missing"):
        evidence.read_media(s, on_settings, orgs.a, item_id, actor=ACTOR, purpose="review")


def test_rollback_removes_the_written_file(db: Database, on_settings: Settings, orgs: Orgs) -> None:
    data = benign_png()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.session(write=True) as s:
        assert evidence.keep_media(
            s,
            on_settings,
            orgs.a,
            data,
            sha256=hashlib.sha256(data).hexdigest(),
            case_id=1,
            filename="a.png",
            mime="image/png",
            actor=ACTOR,
        )
        assert list(on_settings.resolved_evidence_dir.rglob("*.cge"))
        raise Boom
    assert list(on_settings.resolved_evidence_dir.rglob("*.cge")) == []
    with db.session() as s:
        assert s.scalars(select(EvidenceItem)).all() == []


def test_key_file_readable_by_others_is_refused(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    keep(orgs.a, benign_png())
    on_settings.resolved_evidence_key_file.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        keep(orgs.a, benign_png(3), case_id=9)


def test_malformed_master_key_names_the_setting(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    bad = on_settings.model_copy(update={"evidence_master_key": SecretStr("bm90IGEga2V5")})
    with pytest.raises(ConfigurationError, match="CHILDGUARD_EVIDENCE_MASTER_KEY"):
        keep(orgs.a, benign_png(), settings=bad)
