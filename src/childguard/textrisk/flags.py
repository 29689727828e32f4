"""The audit record of a flagged conversation, the same from the API and the command line.

``text.flag`` records name the conversation id, the labels flagged and the risk scores: never
message text, participants or entities.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
            audit.append(
                session,
                actor,
                "text.flag",
                f"conversation:{str(r.get('id') or '')[:100]}",
                {"flagged": r["flagged"], "risk": r["risk"]},
            )
    return len(flagged)
