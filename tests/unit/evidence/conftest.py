"""Fixtures for the evidence store: a database, two organisations and a keeper of benign bytes."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from PIL import Image

from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.evidence import keep_media
from childguard.store.db import Database

ACTOR = Actor(None, None, "test")


def benign_png(shade: int = 90) -> bytes:
    """A small flat-colour PNG (synthetic, benign)."""
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (shade, 140, 200)).save(out, format="PNG")
    return out.getvalue()


@dataclass
class Orgs:
    """Two organisations of the test database."""

    a: int
    b: int


@pytest.fixture
def orgs(db: Database) -> Orgs:
    with db.session(write=True) as s:
        return Orgs(ensure_org(s, "alpha").id, ensure_org(s, "beta").id)


@pytest.fixture
def on_settings(settings: Settings) -> Settings:
    """Settings with evidence on for every organisation."""
    return settings.model_copy(update={"evidence_enabled": True})


Keep = Callable[..., int]


@pytest.fixture
def keep(db: Database, on_settings: Settings) -> Keep:
    """Keep bytes for an org and return the new item's id."""

    def run(org_id: int, data: bytes, *, case_id: int = 1, settings: Settings | None = None) -> int:
        from sqlalchemy import func, select

        from childguard.store.models import EvidenceItem

        with db.session(write=True) as s:
            kept = keep_media(
                s,
                settings or on_settings,
                org_id,
                data,
                sha256=hashlib.sha256(data).hexdigest(),
                case_id=case_id,
                filename="../../etc/x.png",
                mime="image/png",
                actor=ACTOR,
            )
            assert kept
            item_id = s.scalar(select(func.max(EvidenceItem.id)))
            assert item_id is not None
            return item_id

    return run
