"""The encrypted evidence store: the only place the product keeps media bytes.

Where an organisation opts in (or ``CHILDGUARD_EVIDENCE_ENABLED`` is on), the original bytes of
its cases' media are kept encrypted with AES-256-GCM under a per-organisation data key wrapped
by a master key (``keys``), in files under the evidence directory (``blobs``) described by
``evidence_items`` rows (``store``), with retention, legal hold, verified deletion (``retention``)
and key rotation (``rotation``). Every read of the bytes is audited. See docs/evidence.md.
"""

from __future__ import annotations

from childguard.evidence.retention import PurgeReport, purge
from childguard.evidence.rotation import reencrypt_org, rotate_master_key, rotate_org_key
from childguard.evidence.store import (
    EvidenceSettings,
    delete,
    find_item,
    get_item,
    get_settings,
    hold,
    keep_media,
    list_items,
    mark_reported,
    read_media,
    release,
    set_enabled,
)

__all__ = [
    "EvidenceSettings",
    "PurgeReport",
    "delete",
    "find_item",
    "get_item",
    "get_settings",
    "hold",
    "keep_media",
    "list_items",
    "mark_reported",
    "purge",
    "read_media",
    "reencrypt_org",
    "release",
    "rotate_master_key",
    "rotate_org_key",
    "set_enabled",
]
