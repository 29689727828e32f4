"""Fixtures for report tests: a local CyberTipline over real HTTP and decided cases with media.

Media are synthetic gradients (benign); chats show risky intent without graphic content.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import select

from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.cases import decisions, workflow
from childguard.cases.intake import MediaIn, Subject, add_conversation, add_media
from childguard.config import Settings
from childguard.reports import service
from childguard.reports.fake_ncmec import FakeCyberTipline
from childguard.reports.worker import RunSummary, make_sinks, run_due
from childguard.store.db import Database
from childguard.store.models import CaseSettings, EvidenceItem


@dataclass
class Fake:
    """The running fake and its base URL."""

    fake: FakeCyberTipline
    url: str

    def faults(self, **spec: Any) -> None:
        """Set fault rules over HTTP, as a developer would."""
        assert httpx2.post(f"{self.url}/_faults", json=spec).status_code == 200

    def state(self) -> dict[str, Any]:
        """What the fake holds."""
        data: dict[str, Any] = httpx2.get(f"{self.url}/_state").json()
        return data


@pytest.fixture
def fake_ncmec() -> Iterator[Fake]:
    """A fake CyberTipline on a free port, in a thread."""
    fake = FakeCyberTipline("acme-user", "acme-pass", delay=1.5)
    server = fake.serve("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Fake(fake, f"http://127.0.0.1:{server.server_address[1]}/ispws")
    server.shutdown()
    server.server_close()


def png(seed: int, exif_gps: bool = False) -> bytes:
    """A small benign gradient image, different for each ``seed``."""
    image = Image.new("RGB", (64, 48))
    image.putdata(
        [
            ((x * 4 + seed) % 256, (y * 5 + seed * 7) % 256, seed % 256)
            for y in range(48)
            for x in range(64)
        ]
    )
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = "N", (11.0, 33.0, 0.0)
        gps[3], gps[4] = "E", (104.0, 55.0, 12.0)
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


@dataclass
class ReportWorld:
    """An organisation with evidence on, reviewers, and a way to make decided cases."""

    db: Database
    settings: Settings
    org_id: int
    platform: Actor
    alice: Actor
    bob: Actor

    def media_case(self, files: int = 3, *, gps: bool = False, user: str = "u-42") -> int:
        """A case with ``files`` kept media items; returns its id (undecided)."""
        case_id = 0
        for n in range(files):
            data = png(n + 1, exif_gps=gps)
            import hashlib

            sha = hashlib.sha256(data).hexdigest()
            item = MediaIn(
                sha256=sha,
                md5=hashlib.md5(data).hexdigest(),
                filename=f"upload-{n}.{'jpg' if gps else 'png'}",
                mime="image/jpeg" if gps else "image/png",
                size=len(data),
                signals={"sha256": sha},
                matches=[
                    {
                        "bank": "KNOWN",
                        "entry_id": 1,
                        "signal_type": "sha256",
                        "distance": 0,
                        "classification": "A1",
                    }
                ],
            )
            with self.db.session(write=True) as s:
                result = add_media(
                    s,
                    self.settings,
                    self.org_id,
                    self.platform,
                    Subject(user_id=user),
                    item,
                    load_bytes=lambda d=data: d,
                )
            assert result is not None
            case_id = result.case_id
        return case_id

    def chat_case(self, user: str = "u-77") -> int:
        """A case with only a grooming conversation (non-graphic), entities included."""
        result = {
            "id": "conv-1",
            "risk": {"GROOMING": 0.93},
            "flagged": ["GROOMING"],
            "message_languages": ["en"],
            "findings": [],
            "entities": [
                {"type": "phone", "value": "012 345 678", "message": 1},
                {"type": "handle", "value": "secret_friend", "platform": "telegram", "message": 1},
                {"type": "age", "value": 13, "minor": True, "message": 2},
                {"type": "payment", "value": "012345678", "kind": "ABA", "message": 3},
            ],
        }
        messages = [
            {"id": 1, "sender": user, "text": "add me on telegram @secret_friend, 012 345 678"},
            {"id": 2, "sender": "kid-9", "text": "i am 13"},
            {"id": 3, "sender": user, "text": "don't tell your parents, i can send you money"},
        ]
        with self.db.session(write=True) as s:
            out = add_conversation(
                s,
                self.org_id,
                self.platform,
                Subject(user_id=user, conversation_id="conv-1"),
                result,
                messages,
            )
        assert out is not None
        return out.case_id

    def decide(
        self, case_id: int, policy: str = "A1", actions: tuple[str, ...] = (), confirm: bool = True
    ) -> int:
        """Claim and decide as alice; bob confirms a pending decision when ``confirm``."""
        with self.db.session(write=True) as s:
            workflow.claim(s, self.org_id, case_id, self.alice)
            decision = decisions.decide(s, self.org_id, case_id, self.alice, policy, list(actions))
            decision_id, status = decision.id, decision.status
        if status == "pending" and confirm:
            with self.db.session(write=True) as s:
                decisions.confirm(s, self.org_id, case_id, decision_id, self.bob)
        return decision_id

    def file(self, case_id: int, sink: str = "ncmec") -> int:
        """Queue a report; returns its id."""
        with self.db.session(write=True) as s:
            return service.queue_report(s, self.settings, self.org_id, case_id, sink, self.alice).id

    def run(self, **overrides: Any) -> RunSummary:
        """One worker pass with these settings (overrides applied)."""
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        return run_due(self.db, settings, make_sinks(settings))

    def report(self, report_id: int) -> dict[str, Any]:
        """The report as the API shows it."""
        with self.db.session() as s:
            return service.public(s, service.get_report(s, self.org_id, report_id))

    def evidence_ids(self, case_id: int) -> list[int]:
        """Kept evidence ids of a case."""
        with self.db.session() as s:
            return list(s.scalars(select(EvidenceItem.id).where(EvidenceItem.case_id == case_id)))


@pytest.fixture
def rworld(db: Database, settings: Settings, fake_ncmec: Fake, tmp_path: Any) -> ReportWorld:
    """A world whose NCMEC settings point at the fake; four eyes off unless a test turns it on."""
    configured = settings.model_copy(
        update={
            "evidence_enabled": True,
            "ncmec_url": fake_ncmec.url,
            "ncmec_username": "acme-user",
            "ncmec_password": SecretStr("acme-pass"),
            "report_contact_email": "safety@example.org",
            "report_contact_name": "Sam Safety",
            "report_retry_seconds": 0.01,
            "ncmec_timeout_seconds": 15.0,
        }
    )
    with db.session(write=True) as s:
        org = ensure_org(s, "acme")
        s.add(CaseSettings(org_id=org.id, four_eyes=False))
        org_id = org.id
    return ReportWorld(
        db,
        configured,
        org_id,
        Actor(org_id, 1, "acme:platform"),
        Actor(org_id, 2, "acme:reviewer"),
        Actor(org_id, 3, "acme:reviewer"),
    )
