"""StopNCII's hash API (JSON): FetchHashes, SubmitHashes, SubmitFeedback.

Shapes as python-threatexchange models them: ``GET {base}/FetchHashes?startTimestamp=&pageSize=
[&nextPageToken=]`` with headers ``Ocp-Apim-Subscription-Key`` and ``x-functions-key`` returns
``{"count", "nextPageToken", "nextSetTimestamp", "hasMoreRecords", "hashRecords": [{
"lastModtimestamp", "signalType" (ImagePDQ, VideoMD5...), "hashValue", "hashStatus" (Active,
Withdrawn, Deleted...), "caseNumbers", "CSPFeedbacks"}]}``; a withdrawn or deleted hash is a
deletion, and ``nextSetTimestamp`` becomes the checkpoint once ``hasMoreRecords`` is false.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from childguard.errors import InvalidInput
from childguard.exchange.adapters.base import Batch
from childguard.exchange.errors import PartnerUnavailable
from childguard.exchange.transport import HttpClient
from childguard.media.bank_formats import EntryIn, make_entry

SIGNALS = {"ImagePDQ": "pdq", "VideoMD5": "md5"}
GONE = {"Withdrawn", "Deleted"}
FEEDBACK = {"true_positive": "Blocked", "false_positive": "NotBlocked", "seen": "PendingReview"}


class StopNciiExchange:
    """``Exchange`` over StopNCII; keys from settings, sent as headers (never logged)."""

    name = "stopncii"

    def __init__(
        self,
        client: HttpClient,
        base_url: str,
        *,
        subscription_key: str,
        fetch_key: str,
        submit_key: str = "",
        feedback_key: str = "",
        page_size: int = 800,
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.source = self.base_url
        self.subscription_key = subscription_key
        self.keys = {"FetchHashes": fetch_key, "SubmitHashes": submit_key or fetch_key,
                     "SubmitFeedback": feedback_key or fetch_key}  # fmt: skip
        self.page_size = page_size

    def _call(self, method: str, endpoint: str, **kwargs: Any) -> Any:
        headers = {
            "Ocp-Apim-Subscription-Key": self.subscription_key,
            "x-functions-key": self.keys[endpoint],
        }
        r = self.client.request(method, f"{self.base_url}/{endpoint}", headers=headers, **kwargs)
        if r.status != 200:
            raise PartnerUnavailable(f"StopNCII answered HTTP {r.status} to {endpoint}")
        try:
            return json.loads(r.body) if r.body else {}
        except ValueError:
            raise PartnerUnavailable(f"StopNCII's {endpoint} answer is not JSON") from None

    def fetch_iter(self, checkpoint: int) -> Iterator[Batch]:
        """Hash records modified since ``checkpoint`` (a Unix time)."""
        token = ""
        while True:
            params: dict[str, str | int] = {
                "startTimestamp": checkpoint,
                "pageSize": self.page_size,
            }
            if token:
                params["nextPageToken"] = token
            data = self._call("GET", "FetchHashes", params=params)
            updates: dict[str, EntryIn | None] = {}
            for record in data.get("hashRecords") or []:
                stype = SIGNALS.get(str(record.get("signalType")))
                value = str(record.get("hashValue") or "")
                if stype is None or not value:
                    continue
                key = f"{record.get('signalType')}:{value}"
                if str(record.get("hashStatus")) in GONE:
                    updates[key] = None
                    continue
                try:
                    updates[key] = make_entry(stype, value)
                except InvalidInput:
                    continue
            more = bool(data.get("hasMoreRecords"))
            token = str(data.get("nextPageToken") or "")
            done = not more or not token
            yield Batch(
                updates, int(data.get("nextSetTimestamp") or checkpoint) if done else checkpoint
            )
            if done:
                return

    def submit(self, signal_type: str, hashes: list[str]) -> None:
        """Submit hashes (``ImagePDQ`` or ``VideoMD5``)."""
        now = int(time.time())
        records = [
            {"lastModtimestamp": now, "signalType": signal_type, "hashValue": h,
             "CSPFeedbacks": [{"tags": [], "feedbackValue": "None"}]}
            for h in hashes
        ]  # fmt: skip
        self._call("POST", "SubmitHashes", json={"count": len(records), "hashRecords": records})

    def feedback(self, hash_value: str, verdict: str, tags: list[str] | None = None) -> None:
        """Send a verdict (``true_positive`` -> Blocked, ``false_positive`` -> NotBlocked)."""
        value = FEEDBACK.get(verdict)
        if value is None:
            raise InvalidInput(f"unknown verdict {verdict[:30]!r}")
        item = {"tags": tags or [], "feedbackValue": value, "hashValue": hash_value}
        self._call("POST", "SubmitFeedback", json={"count": 1, "hashFeedbacks": [item]})
