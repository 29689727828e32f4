"""The audit record of a flagged conversation, the same from the API and the command line.

``text.flag`` records name the conversation id, the labels flagged and the risk scores: never
message text, participants or entities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.store.db import Database


def audit_flags(db: Database, actor: Actor, results: Sequence[dict[str, Any]]) -> int:
    """Append one ``text.flag`` record per flagged result, in one transaction; returns how many."""
    flagged = [r for r in results if r.get("flagged")]
    if not flagged:
        return 0
    with db.session(write=True) as session:
        for r in flagged:
            append_flag(session, actor, r)
    return len(flagged)


def append_flag(session: Session, actor: Actor, result: Mapping[str, Any]) -> None:
    """Append the ``text.flag`` record of one flagged result in ``session``'s transaction.

    The record holds the conversation id, labels and scores, never a message.
    """
    audit.append(
        session,
        actor,
        "text.flag",
        f"conversation:{str(result.get('id') or '')[:100]}",
        {"flagged": result["flagged"], "risk": result["risk"]},
    )
