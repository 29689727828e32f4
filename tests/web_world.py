"""Demo data for the console's tests, screenshots and bench: nothing real in it.

Images are flat-coloured geometric shapes drawn here; chats show risky intent without any
graphic content; "known" hashes are hashes of those shapes.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from childguard.audit import Actor
from childguard.auth import Role, ensure_org
from childguard.cases.intake import MediaIn, Subject, add_conversation, add_media
from childguard.config import Settings
from childguard.evidence import set_enabled
from childguard.media.bank_formats import make_entry
from childguard.media.banks import BankRepository
from childguard.people.users import create_user
from childguard.store.db import Database

PASSWORD = "correct horse battery staple"
SEED = Actor(None, None, "demo")


def shape_png(n: int, size: int = 320) -> bytes:
    """A benign synthetic picture: coloured circles and rectangles chosen by ``n``."""
    image = Image.new("RGB", (size, size), ((n * 53) % 256, 180, (n * 97) % 256))
    draw = ImageDraw.Draw(image)
    for k in range(4):
        x, y = (n * 37 + k * 71) % (size - 80), (n * 59 + k * 43) % (size - 80)
        colour = ((k * 80 + n * 20) % 256, (k * 40) % 256, (200 - k * 50) % 256)
        if k % 2:
            draw.ellipse((x, y, x + 70, y + 70), fill=colour)
        else:
            draw.rectangle((x, y, x + 90, y + 50), fill=colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


CHAT = [
    {"id": "m1", "sender": "adult", "text": "you are so mature for your age"},
    {"id": "m2", "sender": "child", "text": "haha thanks"},
    {"id": "m3", "sender": "adult", "text": "don't tell your parents about our chats, ok?"},
    {"id": "m4", "sender": "adult", "text": "add me on my other app, my handle is @quiet_fox"},
]

CHAT_RESULT = {
    "id": "chat-9",
    "risk": {"GROOMING": 0.93},
    "flagged": ["GROOMING"],
    "message_languages": ["en"],
    "findings": [
        {
            "message": 0,
            "label": "GROOMING",
            "stage": "trust_building",
            "score": 0.71,
            "explanation": {"source": "recognizer", "name": "Flattery", "pattern": "mature_for_age",
                            "words": ["mature for your age"], "score_before_context": 0.7,
                            "score_after_context": 0.8},
        },
        {
            "message": 2,
            "label": "GROOMING",
            "stage": "secrecy_isolation",
            "score": 0.88,
            "explanation": {"source": "recognizer", "name": "Secrecy", "pattern": "dont_tell",
                            "words": ["don't tell your parents"], "score_before_context": 0.8,
                            "score_after_context": 0.9},
        },
        {
            "message": 3,
            "label": "GROOMING",
            "stage": "platform_migration",
            "score": 0.8,
            "explanation": {"source": "recognizer", "name": "Migration", "pattern": "other_app",
                            "words": ["my other app"], "score_before_context": 0.7,
                            "score_after_context": 0.85},
        },
    ],
    "entities": [{"type": "handle", "value": "@quiet_fox", "message": 3}],
}  # fmt: skip


@dataclass
class WebWorld:
    """Organisations ``acme`` (evidence on) and ``other``, their users, cases and bank."""

    db: Database
    settings: Settings
    org_id: int
    other_org_id: int
    media_case: int = 0
    chat_case: int = 0
    other_case: int = 0
    emails: dict[str, str] = field(default_factory=dict)


def _media_in(data: bytes, name: str, entry_id: int) -> MediaIn:
    sha = hashlib.sha256(data).hexdigest()
    md5 = hashlib.md5(data).hexdigest()
    return MediaIn(
        sha256=sha,
        md5=md5,
        pdq="",
        filename=name,
        mime="image/png",
        size=len(data),
        signals={"sha256": sha, "md5": md5},
        matches=[
            {
                "bank": "KNOWN",
                "entry_id": entry_id,
                "signal_type": "md5",
                "distance": 0,
                "transform": "original",
                "classification": "A1",
                "provenance": {"source": "demo hotline"},
            }
        ],
    )


def build(db: Database, settings: Settings, *, items: int = 2, cases: int = 1) -> WebWorld:
    """Make the demo world in ``db``: ``cases`` media cases of ``items`` items, a chat case."""
    with db.session(write=True) as s:
        org = ensure_org(s, "acme")
        other = ensure_org(s, "other")
        set_enabled(s, settings, org.id, True, actor=SEED)
        world = WebWorld(db, settings, org.id, other.id)
        for role, name in (
            (Role.ADMIN, "admin"),
            (Role.REVIEWER, "alice"),
            (Role.REVIEWER, "bob"),
            (Role.PLATFORM, "platform"),
            (Role.REGULATOR, "ministry"),
        ):
            email = f"{name}@acme.example"
            create_user(s, org, email, role, PASSWORD, actor=SEED)
            world.emails[name] = email
        create_user(s, other, "carol@other.example", Role.REVIEWER, PASSWORD, actor=SEED)
        world.emails["carol"] = "carol@other.example"
        repo = BankRepository(s, org)
        bank = repo.create("KNOWN")
        datas = [shape_png(n) for n in range(items)]
        summary = repo.add_entries(
            bank,
            [make_entry("md5", hashlib.md5(d).hexdigest(), classification="A1") for d in datas],
        )
        platform = Actor(org.id, None, "acme:platform")
        for c in range(cases):
            for n, data in enumerate(datas):
                result = add_media(
                    s,
                    settings,
                    org.id,
                    platform,
                    Subject(content_id=f"post-{c}", user_id=f"u-{c}"),
                    _media_in(data, f"shape-{n}.png", summary.entry_ids[n]),
                    load_bytes=lambda d=data: d,  # type: ignore[misc]
                )
                assert result is not None
                world.media_case = result.case_id
        chat = add_conversation(s, org.id, platform, Subject(user_id="adult-7"), CHAT_RESULT, CHAT)
        assert chat is not None
        world.chat_case = chat.case_id
        other_result = add_media(
            s,
            settings,
            other.id,
            Actor(other.id, None, "other:platform"),
            Subject(content_id="x"),
            _media_in(shape_png(99), "x.png", summary.entry_ids[0]),
        )
        assert other_result is not None
        world.other_case = other_result.case_id
    return world
