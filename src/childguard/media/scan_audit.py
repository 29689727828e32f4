"""The audit record of a matched scan, the same whichever door the scan came through.

``/v1/scan``, HMA's lookups and ``childguard scan`` all call ``audit_scan``, so every match
reaches the audit log and the statistics built from it (``scan.match`` records).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.media.matcher import Match
from childguard.store.db import Database


def is_blocking(matches: Sequence[Match]) -> bool:
    """Whether a scan with these matches is blocked (a match that no allow bank suppressed)."""
    return any(not m.allow and not m.suppressed for m in matches)


def audit_scan(
    db: Database,
    actor: Actor,
    org_id: int,
    content_type: str,
    matches: Sequence[Match],
    session: Session | None = None,
) -> bool:
    """Append a ``scan.match`` record when ``matches`` is not empty; returns ``is_blocking``.

    The record holds banks, entry ids and signal types, never the file, its name or its hashes.
    It is written in ``session``'s transaction when given (e.g. with the case the match opens),
    else in a transaction of its own.
    """
    record = scan_match_record(actor, org_id, content_type, matches)
    if record is not None:
        if session is not None:
            audit.append(session, actor, record.action, record.target, record.details)
        else:
            audit.append_now(db, actor, record.action, record.target, record.details)
    return is_blocking(matches)


def scan_match_record(
    actor: Actor, org_id: int, content_type: str, matches: Sequence[Match]
) -> audit.Pending | None:
    """The ``scan.match`` record of a scan with ``matches`` (None when nothing matched), for a
    caller that appends it with other records in one go."""
    if not matches:
        return None
    details = {
        "blocked": is_blocking(matches),
        "content_type": content_type,
        "matches": [
            {"bank": m.bank, "entry_id": m.entry_id, "signal_type": m.signal_type} for m in matches
        ],
    }
    return audit.Pending(actor, "scan.match", f"org:{org_id}", details)
