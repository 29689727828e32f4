"""Key rotation: the master key (re-wrap every data key) and an organisation's data key.

Master key with a key file: a fresh key is put first in the file (the old ones stay accepted),
every data key is re-wrapped under it in one transaction, then the old keys leave the file. A
crash at any step leaves every data key openable. With ``CHILDGUARD_EVIDENCE_MASTER_KEY`` the
operator sets the new key there and the old one in ``..._PREVIOUS_MASTER_KEYS``; the rotation
re-wraps, after which the previous keys can be removed.

Data key: a new key becomes the organisation's active one and earlier keys are retired (still
used to read what they encrypted). ``reencrypt_org`` optionally rewrites old items under the
active key; each file names its key, so every step is consistent on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import childguard.evidence.blobs as blobs
import childguard.evidence.keys as keys
from childguard import audit
from childguard.audit import Actor
from childguard.config import Settings
from childguard.evidence.store import decrypt_item
from childguard.store.db import Database
from childguard.store.models import EvidenceItem, EvidenceKey

REENCRYPT_BATCH = 100


@dataclass(frozen=True)
class MasterRotation:
    """Result of a master key rotation."""

    master_key_id: str
    rewrapped: int
    #: True when the previous keys came from settings and may now be removed from there.
    remove_previous_from_settings: bool

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "master_key_id": self.master_key_id,
            "rewrapped": self.rewrapped,
            "remove_previous_from_settings": self.remove_previous_from_settings,
        }


def rotate_master_key(db: Database, settings: Settings, *, actor: Actor) -> MasterRotation:
    """Re-wrap every organisation's data keys under a new (key file) or the set master key."""
    ring = keys.load_master_keys(settings)
    if ring.path is not None:
        ring = keys.stage_new_master_key(ring)
    with db.session(write=True) as session:
        count = 0
        for row in session.scalars(
            select(EvidenceKey).where(EvidenceKey.master_key_id != ring.current_id)
        ):
            plain = keys.unwrap(ring, row)
            row.wrapped = keys.wrap(ring, row.org_id, plain)
            row.master_key_id = ring.current_id
            count += 1
        audit.append(
            session,
            actor,
            "evidence.master_rotate",
            f"master:{ring.current_id}",
            {"rewrapped": count},
        )
    keys.drop_previous_master_keys(ring)
    return MasterRotation(ring.current_id, count, ring.path is None and len(ring.accepted) > 1)


def rotate_org_key(
    session: Session, settings: Settings, org_id: int, *, actor: Actor
) -> EvidenceKey:
    """Give ``org_id`` a new active data key; items already kept stay readable. Audited."""
    row = keys.new_data_key(session, keys.load_master_keys(settings), org_id)
    audit.append(session, actor, "evidence.key_rotate", f"org:{org_id}", {"key_id": row.id})
    return row


def reencrypt_org(db: Database, settings: Settings, org_id: int, *, actor: Actor) -> int:
    """Rewrite ``org_id``'s live items kept under older data keys with its active key.

    Returns how many items were rewritten. Each file is replaced atomically; its record then
    names the new key.
    """
    done = 0
    after = 0
    while True:
        with db.session(write=True) as session:
            master = keys.load_master_keys(settings)
            active = keys.active_key(session, master, org_id)
            data_key = keys.unwrap(master, active)
            items = list(
                session.scalars(
                    select(EvidenceItem)
                    .where(
                        EvidenceItem.org_id == org_id,
                        EvidenceItem.deleted_at.is_(None),
                        EvidenceItem.key_id != active.id,
                        EvidenceItem.id > after,
                    )
                    .order_by(EvidenceItem.id)
                    .limit(REENCRYPT_BATCH)
                )
            )
            for item in items:
                plain = decrypt_item(session, settings, item)
                sealed = blobs.seal(data_key, active.id, org_id, item.id, plain)
                blobs.write_atomic(blobs.item_path(settings, org_id, item.id), sealed)
                item.key_id = active.id
                after = item.id
            if items:
                audit.append(
                    session,
                    actor,
                    "evidence.reencrypt",
                    f"org:{org_id}",
                    {"items": len(items), "key_id": active.id},
                )
        done += len(items)
        if len(items) < REENCRYPT_BATCH:
            return done
