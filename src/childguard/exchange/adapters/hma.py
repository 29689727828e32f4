"""Pull an HMA instance's bank through its HMA API (``/c/...``).

HMA's API lists banks (``GET /c/banks``) and serves one content at a time
(``GET /c/bank/NAME/content/ID?include_signals=true``) but has no change list, so the pull walks
content ids after the checkpoint and stops after ``max_gap`` missing ids in a row. Disabled
content becomes a deletion; content deleted at HMA after it was pulled is not seen (a limit of
HMA's API).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from childguard.errors import InvalidInput
from childguard.exchange.adapters.base import Batch
from childguard.exchange.errors import PartnerUnavailable
from childguard.exchange.transport import HttpClient
from childguard.media.bank_formats import EntryIn, make_entry

#: HMA signal names that differ from childguard's.
HMA_NAMES = {"video_md5": "md5"}


class HmaExchange:
    """``Exchange`` over one bank of an HMA (or childguard HMA-compatible) server."""

    name = "hma"

    def __init__(
        self,
        client: HttpClient,
        base_url: str,
        bank: str,
        *,
        token: str = "",
        max_gap: int = 1000,
        batch: int = 500,
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.bank = bank
        self.source = f"{self.base_url}/c/bank/{bank}"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.max_gap = max_gap
        self.batch = batch

    def _content(self, content_id: int) -> dict[str, object] | None:
        r = self.client.request(
            "GET",
            f"{self.source}/content/{content_id}",
            params={"include_signals": "true"},
            headers=self.headers,
        )
        if r.status == 404:
            return None
        if r.status != 200:
            raise PartnerUnavailable(f"HMA answered HTTP {r.status} for content {content_id}")
        data = json.loads(r.body)
        return data if isinstance(data, dict) else None

    def fetch_iter(self, checkpoint: int) -> Iterator[Batch]:
        """Contents after ``checkpoint``; each of its signals is one update."""
        updates: dict[str, EntryIn | None] = {}
        content_id, gap, last = checkpoint, 0, checkpoint
        while gap < self.max_gap:
            content_id += 1
            data = self._content(content_id)
            if data is None:
                gap += 1
                continue
            gap, last = 0, content_id
            enabled = data.get("disable_until_ts") in (0, 1, None)
            signals = data.get("signals") or {}
            if isinstance(signals, dict):
                for raw_type, value in signals.items():
                    stype = str(raw_type)
                    key = f"{content_id}:{stype}"
                    try:
                        entry = make_entry(HMA_NAMES.get(stype, stype), str(value))
                    except InvalidInput:
                        continue  # a signal type childguard does not bank
                    updates[key] = entry if enabled else None
            if len(updates) >= self.batch:
                yield Batch(updates, last)
                updates = {}
        yield Batch(updates, last)
