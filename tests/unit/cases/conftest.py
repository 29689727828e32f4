"""Fixtures for the case service: an organisation, a bank with entries, and a case factory."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.cases.intake import IntakeResult, MediaIn, Subject, add_media
from childguard.config import Settings
from childguard.media.bank_formats import make_entry
from childguard.media.banks import BankRepository
from childguard.store.db import Database

PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"


@dataclass
class World:
    """An organisation with a bank of two entries, and reviewers to act as."""

    db: Database
    settings: Settings
    org_id: int
    entry_ids: list[int]
    platform: Actor
    alice: Actor
    bob: Actor

    def media(self, n: int, *, classification: str = "A1") -> MediaIn:
        """A matched item: distinct hashes for each ``n``, matching the bank's first entry."""
        sha = hashlib.sha256(f"item-{n}".encode()).hexdigest()
        return MediaIn(
            sha256=sha,
            md5=hashlib.md5(f"item-{n}".encode()).hexdigest(),
            pdq=PDQ,
            filename=f"item-{n}.jpg",
            mime="image/jpeg",
            size=100 + n,
            signals={
                "sha256": sha,
                "md5": hashlib.md5(f"item-{n}".encode()).hexdigest(),
                "pdq": {"hash": PDQ, "quality": 100},
            },
            matches=[
                {
                    "bank": "KNOWN",
                    "entry_id": self.entry_ids[0],
                    "signal_type": "pdq",
                    "distance": 2,
                    "transform": "original",
                    "classification": classification,
                    "provenance": {"source": "test"},
                }
            ],
        )

    def scan(self, n: int, subject: Subject | None = None, key: str | None = None) -> IntakeResult:
        """Put item ``n`` in a case as a platform's scan would."""
        with self.db.session(write=True) as s:
            result = add_media(
                s,
                self.settings,
                self.org_id,
                self.platform,
                subject or Subject(),
                self.media(n),
                idempotency_key=key,
            )
        assert result is not None
        return result


@pytest.fixture
def world(db: Database, settings: Settings) -> World:
    """A fresh world per test."""
    with db.session(write=True) as s:
        org = ensure_org(s, "acme")
        repo = BankRepository(s, org)
        bank = repo.create("KNOWN")
        summary = repo.add_entries(
            bank,
            [make_entry("pdq", PDQ, classification="A1"), make_entry("md5", "a" * 32)],
        )
        org_id = org.id
    return World(
        db,
        settings,
        org_id,
        summary.entry_ids,
        Actor(org_id, 1, "acme:platform"),
        Actor(org_id, 2, "acme:reviewer"),
        Actor(org_id, 3, "acme:reviewer"),
    )


@pytest.fixture
def in_session(world: World) -> Callable[..., object]:
    """Run ``fn(session, *args)`` in a committed write session and return its result."""

    def run(fn: Callable[..., object], *args: object, **kwargs: object) -> object:
        with world.db.session(write=True) as s:
            return fn(s, *args, **kwargs)

    return run
