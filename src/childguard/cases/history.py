"""A case's history: every transition is one ``CaseEvent`` and one audit record.

History and audit details hold ids, labels, policies and actions, never media, message text or
reviewers' notes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.store.models import Case, CaseEvent, utcnow


def reviewer_id(actor: Actor) -> str:
    """The identity that holds, decides and confirms: the API key, or the named person.

    Every key of one organisation and role shares the actor's display name, so API callers are
    told apart by key (``key:<id>``); the command line and the console name the person.
    """
    return f"key:{actor.key_id}" if actor.key_id is not None else actor.name


def record(
    session: Session,
    case: Case,
    actor: Actor,
    action: str,
    details: Mapping[str, object] | None = None,
    *,
    touch: bool = True,
) -> None:
    """Add ``action`` to ``case``'s history and audit it as ``case.<action>``.

    ``touch`` sets the case's ``updated_at`` (a case just inserted already has it).
    """
    data = dict(details or {})
    now = utcnow()
    if touch:
        case.updated_at = now
    session.add(
        CaseEvent(
            case_id=case.id,
            at=now,
            actor=reviewer_id(actor),
            action=action,
            details=json.dumps(data, sort_keys=True, default=str),
        )
    )
    audit.append(session, actor, f"case.{action}", f"case:{case.id}", data)
