"""HMA-compatible routes, so an integration written for Meta's Hasher-Matcher-Actioner works.

Routes, parameters and response shapes follow HMA's API (``/status``, ``/h``, ``/m``, ``/c``):
uploads use a multipart field named after the content type (``photo`` or ``video``), matches are
``{"bank_content_id": int, "distance": str}``, banks are ``{"matching_enabled_ratio", "name"}``,
errors carry HMA's ``{"message": ...}`` (plus childguard's ``error`` object). Differences, all on
the safe side: every route needs an API key like the rest of the API; banks and matches are those
of the caller's organisation; new entries are matchable at once (HMA: after its next full index
rebuild, up to a minute or more); fetching media by ``url=`` is refused (it would let callers make
the server fetch arbitrary addresses); a bank's enable ratio is 0 or 1 (disabled or enabled);
``video_md5`` is childguard's ``md5`` of a video; bad input is a 4xx, never a 500.
"""

from fastapi import APIRouter

from childguard.api.hma import curation, hashing, matching
from childguard.api.hma.common import UPLOAD_RULES, HmaError
from childguard.api.hma.matching import lookup_received, lookup_signal

__all__ = ["UPLOAD_RULES", "HmaError", "lookup_received", "lookup_signal", "router"]

#: Every HMA-compatible route, in the order the single module declared them.
router = APIRouter()
for _part in (hashing, matching, curation):
    router.include_router(_part.router)
