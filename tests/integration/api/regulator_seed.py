"""Seeding cases with content, identifiers and free text that must never reach the regulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from childguard import audit
from childguard.audit import Actor
from childguard.auth import ensure_org
from childguard.store.db import Database
from childguard.store.models import (
    Case,
    CaseAppeal,
    CaseConversation,
    CaseDecision,
    CaseMedia,
)

#: Strings seeded into content, identifiers and free-text fields.
SECRETS = (
    "user-7f3a9-secret",
    "content-c0ffee-secret",
    "conv-b16b00b5-secret",
    "holiday-photo-secret.jpg",
    "meet me after school secret message",
    "reviewer note secret",
    "appeal reason secret",
    "reviewer-alice-secret",
)
SHA = "ab" * 32


def seed_cases(db: Database, org_name: str = "acme", n: int = 150, year: int = 2025) -> int:
    """``n`` cases over a year with media, conversations, decisions and appeals; returns org id."""
    with db.session(write=True) as s:
        org = ensure_org(s, org_name)
        for i in range(n):
            opened = datetime(year, 1 + (i // 3) % 12, 1 + i % 27, 8, tzinfo=UTC)
            source = ("match", "classifier", "user_report")[i % 3]
            case = Case(
                org_id=org.id,
                status="decided",
                labels=json.dumps(["CSAM"] if source == "match" else ["GROOMING"]),
                source=source,
                content_id=f"{SECRETS[1]}-{i}",
                user_id=f"{SECRETS[0]}-{i}",
                conversation_id=SECRETS[2],
                holder=SECRETS[7],
                opened_at=opened,
                decided_at=opened + timedelta(hours=1 + i % 30),
            )
            s.add(case)
            s.flush()
            s.add(
                CaseMedia(
                    case_id=case.id,
                    sha256=f"{i:04x}" + SHA[4:],
                    md5="cd" * 16,
                    pdq="ef" * 32,
                    filename=SECRETS[3],
                    user_id=SECRETS[0],
                )
            )
            s.add(
                CaseConversation(
                    case_id=case.id,
                    conversation_id=SECRETS[2],
                    messages=json.dumps([{"text": SECRETS[4]}]),
                )
            )
            decision = CaseDecision(
                case_id=case.id,
                policy="A1" if source == "match" else "GROOMING",
                actions=json.dumps([{"action": "remove_content"}, {"action": "suspend_user"}]),
                note=SECRETS[5],
                status="effective",
                decided_by=SECRETS[7],
                created_at=case.decided_at,
                effective_at=case.decided_at,
            )
            s.add(decision)
            s.flush()
            if i % 4 == 0:
                s.add(
                    CaseAppeal(
                        case_id=case.id,
                        decision_id=decision.id,
                        reason=SECRETS[6],
                        status="upheld" if i % 8 else "overturned",
                        appellant=SECRETS[0],
                        decided_by="r2",
                        note=SECRETS[5],
                        decided_at=case.decided_at,
                    )
                )
            audit.append(
                s,
                Actor(org.id, None, SECRETS[7]),
                "report.filed",
                f"case:{case.id}",
                {"sink": "aple" if i % 2 else "ncmec", "hours_since_opened": 5.0},
            )
        return org.id
