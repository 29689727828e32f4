"""Key rotation: the master key (key file and settings) and an organisation's data key."""

from __future__ import annotations

import base64
import os

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from childguard import evidence
from childguard.config import Settings
from childguard.errors import ConfigurationError, EvidenceDamaged
from childguard.evidence import blobs, keys
from childguard.store.db import Database
from childguard.store.models import EvidenceItem, EvidenceKey
from tests.unit.evidence.conftest import ACTOR, Keep, Orgs, benign_png


def _read(db: Database, settings: Settings, org_id: int, item_id: int) -> bytes:
    with db.session(write=True) as s:
        return evidence.read_media(s, settings, org_id, item_id, actor=ACTOR, purpose="test")


def _b64() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_org_key_rotation_keeps_old_items_readable(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    old_data, new_data = benign_png(1), benign_png(2)
    old_item = keep(orgs.a, old_data)
    with db.session(write=True) as s:
        old_key = s.get(EvidenceItem, old_item).key_id  # type: ignore[union-attr]
        new_key = evidence.rotate_org_key(s, on_settings, orgs.a, actor=ACTOR).id
    assert new_key != old_key
    new_item = keep(orgs.a, new_data, case_id=2)
    with db.session() as s:
        assert s.get(EvidenceItem, new_item).key_id == new_key  # type: ignore[union-attr]
        assert s.get(EvidenceKey, old_key).retired_at is not None  # type: ignore[union-attr]
    assert _read(db, on_settings, orgs.a, old_item) == old_data
    assert _read(db, on_settings, orgs.a, new_item) == new_data
    # Another organisation's key is untouched by the rotation.
    other = keep(orgs.b, benign_png(3))
    with db.session() as s:
        assert s.get(EvidenceItem, other).key_id not in (old_key, new_key)  # type: ignore[union-attr]


def test_reencrypt_moves_old_items_to_the_active_key(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    data = [benign_png(i) for i in range(3)]
    items = [keep(orgs.a, d, case_id=i) for i, d in enumerate(data)]
    before = {i: blobs.item_path(on_settings, orgs.a, i).read_bytes() for i in items}
    with db.session(write=True) as s:
        active = evidence.rotate_org_key(s, on_settings, orgs.a, actor=ACTOR).id
    assert evidence.reencrypt_org(db, on_settings, orgs.a, actor=ACTOR) == 3
    assert evidence.reencrypt_org(db, on_settings, orgs.a, actor=ACTOR) == 0
    for item_id, plain in zip(items, data, strict=True):
        raw = blobs.item_path(on_settings, orgs.a, item_id).read_bytes()
        assert raw != before[item_id]
        assert blobs.key_id_of(raw, item_id) == active
        assert _read(db, on_settings, orgs.a, item_id) == plain
    with db.session() as s:
        assert {i.key_id for i in s.scalars(select(EvidenceItem))} == {active}


def test_master_rotation_with_the_key_file(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    a_item, b_item = keep(orgs.a, benign_png(1)), keep(orgs.b, benign_png(2))
    key_file = on_settings.resolved_evidence_key_file
    old_text = key_file.read_text()
    report = evidence.rotate_master_key(db, on_settings, actor=ACTOR)
    assert report.rewrapped == 2
    new_text = key_file.read_text()
    assert new_text != old_text and len(new_text.split()) == 1
    assert oct(key_file.stat().st_mode & 0o777) == oct(0o600)
    with db.session() as s:
        assert {k.master_key_id for k in s.scalars(select(EvidenceKey))} == {report.master_key_id}
    assert _read(db, on_settings, orgs.a, a_item) == benign_png(1)
    assert _read(db, on_settings, orgs.b, b_item) == benign_png(2)
    # The old master key alone no longer opens anything.
    key_file.write_text(old_text)
    with pytest.raises(ConfigurationError, match="not configured"):
        _read(db, on_settings, orgs.a, a_item)


def test_master_rotation_survives_a_crash_after_staging(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    item = keep(orgs.a, benign_png())
    # A rotation that stopped after writing the new key but before re-wrapping.
    keys.stage_new_master_key(keys.load_master_keys(on_settings))
    assert len(on_settings.resolved_evidence_key_file.read_text().split()) == 2
    assert _read(db, on_settings, orgs.a, item) == benign_png()
    assert evidence.rotate_master_key(db, on_settings, actor=ACTOR).rewrapped == 1
    assert _read(db, on_settings, orgs.a, item) == benign_png()


def test_master_rotation_with_settings(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    old, new = _b64(), _b64()
    first = on_settings.model_copy(update={"evidence_master_key": SecretStr(old)})
    item = keep(orgs.a, benign_png(), settings=first)
    assert not first.resolved_evidence_key_file.exists()
    rotating = first.model_copy(
        update={
            "evidence_master_key": SecretStr(new),
            "evidence_previous_master_keys": SecretStr(f"{old}, "),
        }
    )
    assert _read(db, rotating, orgs.a, item) == benign_png()
    report = evidence.rotate_master_key(db, rotating, actor=ACTOR)
    assert report.rewrapped == 1 and report.remove_previous_from_settings
    after = rotating.model_copy(update={"evidence_previous_master_keys": None})
    assert _read(db, after, orgs.a, item) == benign_png()
    with pytest.raises(ConfigurationError, match="not configured"):
        _read(db, first, orgs.a, item)


def test_a_data_key_wrapped_for_another_org_fails(
    db: Database, on_settings: Settings, orgs: Orgs, keep: Keep
) -> None:
    a_item = keep(orgs.a, benign_png(1))
    keep(orgs.b, benign_png(2))
    with db.session(write=True) as s:
        key_a = s.scalar(select(EvidenceKey).where(EvidenceKey.org_id == orgs.a))
        key_b = s.scalar(select(EvidenceKey).where(EvidenceKey.org_id == orgs.b))
        assert key_a is not None and key_b is not None
        key_a.wrapped = key_b.wrapped
    with pytest.raises(EvidenceDamaged, match="data key"):
        _read(db, on_settings, orgs.a, a_item)
