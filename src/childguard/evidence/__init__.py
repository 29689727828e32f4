"""The encrypted evidence store: the only place the product keeps media bytes.

Interface placeholder: the AES-256-GCM store, retention, legal hold and audited reads land with
the evidence work; until then nothing is kept.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from childguard.audit import Actor
from childguard.config import Settings


def keep_media(
    session: Session,
    settings: Settings,
    org_id: int,
    data: bytes,
    *,
    sha256: str,
    case_id: int,
    filename: str,
    mime: str,
    actor: Actor,
) -> bool:
    """Keep the original bytes of a case's media item when ``org_id`` has opted in.

    Returns True when the bytes were stored (encrypted) in the caller's transaction, False
    when evidence is off for the organisation.
    """
    del session, settings, org_id, data, sha256, case_id, filename, mime, actor
    return False
