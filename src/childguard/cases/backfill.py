"""Cases from a backfill: the sink that ``childguard backfill --case`` hands each candidate to.

A matched file goes into a case like a scan does (its path is the platform's content id); each
conversation of a chat file whose risk reaches the organisation's review threshold goes into a
case like ``POST /v1/text/analyze`` does. Every candidate carries a key that is stable across
``--resume`` (run id and path), used as the intake's idempotency key, so a file scanned again
after a crash never opens a second case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from childguard.audit import Actor
from childguard.batch.case_seam import CaseCandidate, CaseSink
from childguard.batch.sources import filesystem, is_url
from childguard.cases.intake import MediaIn, Subject, add_conversation, add_media
from childguard.config import Settings
from childguard.store.db import Database


def media_from_result(candidate: CaseCandidate) -> MediaIn | None:
    """The case item of a backfilled media file, or None when no bank that opens cases matched."""
    result = candidate.result
    hits = [
        m for m in result.get("matches") or [] if not m.get("allow") and not m.get("suppressed")
    ]
    if not hits:
        return None
    signals: Mapping[str, Any] = result.get("signals") or {}

    def value(name: str) -> str:
        # Exact hashes are bare strings in a result line; PDQ carries its quality beside it.
        signal = signals.get(name)
        if isinstance(signal, Mapping):
            return str(signal.get("hash") or "")
        return str(signal or "")

    sha256 = value("sha256")
    if not sha256:
        return None
    return MediaIn(
        sha256=sha256,
        md5=value("md5"),
        pdq=value("pdq"),
        filename=candidate.path.rsplit("/", 1)[-1][:255],
        mime=str(result.get("content_type") or "")[:100],
        size=int(result.get("size") or 0),
        signals=dict(signals),
        matches=[
            {
                "bank": m.get("bank"),
                "entry_id": m.get("entry_id"),
                "signal_type": m.get("signal_type"),
                "distance": m.get("distance"),
                "transform": m.get("transform"),
                "classification": (m.get("provenance") or {}).get("classification", ""),
                "provenance": m.get("provenance") or {},
            }
            for m in hits
        ],
    )


def _loader(path: str, settings: Settings) -> Callable[[], bytes]:
    """Reads the original bytes for the evidence store, only when the store asks for them."""
    if is_url(path):
        return lambda: bytes(filesystem(path, settings).cat_file(path))
    return lambda: Path(path).read_bytes()


def backfill_case_sink(db: Database, settings: Settings, org_id: int, actor: Actor) -> CaseSink:
    """A sink that opens (or adds to) the organisation's cases for backfill candidates."""

    def sink(candidate: CaseCandidate) -> None:
        result = candidate.result
        with db.session(write=True) as session:
            if result.get("kind") == "conversations":
                for conversation in result.get("conversations") or []:
                    if "error" in conversation or not conversation.get("flagged"):
                        continue
                    line = conversation.get("line")
                    add_conversation(
                        session,
                        org_id,
                        actor,
                        Subject(content_id=candidate.path),
                        conversation,
                        [],
                        idempotency_key=f"{candidate.key}:{line}",
                    )
                return
            item = media_from_result(candidate)
            if item is not None:
                add_media(
                    session,
                    settings,
                    org_id,
                    actor,
                    Subject(content_id=candidate.path),
                    item,
                    _loader(candidate.path, settings),
                    idempotency_key=candidate.key,
                )

    return sink
