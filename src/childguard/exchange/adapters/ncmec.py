"""NCMEC's hash-sharing API (v2, XML): entries, members, feedback with reasons.

Shapes as python-threatexchange models them: ``GET {base}/v2/entries?from=&to=`` returns
``<images>``/``<videos>`` lists of ``<image>`` (or ``<deletedImage>``) with ``<id>``,
``<member id=...>``, ``<classification>``, ``<fingerprints><MD5>...</MD5><PDQ>...</PDQ>``, and
``<paging><next>`` (a path relative to the base URL) until the range is exhausted. Entries do not
come in time order, so the checkpoint (the ``to`` time) is only kept once every page was read.
Feedback is ``PUT {base}/v2/entries/{member}/{id}/{type}/feedback`` with ``<affirmative/>`` or
``<negative><reasonIds><guid>`` (reasons from ``GET {base}/v2/feedback/{type}/reasons``).
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime

from childguard.errors import InvalidInput
from childguard.exchange.adapters.base import Batch
from childguard.exchange.errors import PartnerUnavailable
from childguard.exchange.transport import HttpClient
from childguard.media.bank_formats import EntryIn, make_entry

#: NCMEC fingerprint names -> childguard signal types (others are skipped).
FINGERPRINTS = {"MD5": "md5", "PDQ": "pdq", "SHA256": "sha256"}
NAMESPACE = "https://hashsharing.ncmec.org/hashsharing/v2"


def _fmt(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(e: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in e if _local(c.tag) == name), None)


class NcmecExchange:
    """``Exchange`` over NCMEC hash sharing; credentials from settings (Basic auth client)."""

    name = "ncmec"

    def __init__(self, client: HttpClient, base_url: str, *, now: int | None = None) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.source = self.base_url
        self.now = now

    def _get(self, path: str, params: dict[str, str | int] | None = None) -> ET.Element:
        r = self.client.request("GET", self.base_url + path, params=params or {})
        if r.status != 200:
            raise PartnerUnavailable(f"NCMEC answered HTTP {r.status}")
        try:
            return ET.fromstring(r.body)
        except ET.ParseError:
            raise PartnerUnavailable("NCMEC's answer is not XML") from None

    def members(self) -> dict[int, str]:
        """Member ids and names."""
        root = self._get("/v2/members")
        return {
            int(m.get("id", "0")): (m.text or "") for m in root.iter() if _local(m.tag) == "member"
        }

    def fetch_iter(self, checkpoint: int) -> Iterator[Batch]:
        """Entries changed between ``checkpoint`` and now, page by page."""
        end = self.now or int(time.time())
        root = self._get("/v2/entries", {"from": _fmt(checkpoint), "to": _fmt(end)})
        while True:
            updates: dict[str, EntryIn | None] = {}
            for lst in root:
                if _local(lst.tag) not in ("images", "videos"):
                    continue
                for entry in lst:
                    self._entry(entry, updates)
            paging = _child(root, "paging")
            nxt = _child(paging, "next") if paging is not None else None
            next_path = (nxt.text or "").strip() if nxt is not None else ""
            yield Batch(updates, end if not next_path else checkpoint)
            if not next_path:
                return
            root = self._get(next_path)

    def _entry(self, entry: ET.Element, updates: dict[str, EntryIn | None]) -> None:
        tag = _local(entry.tag).lower()
        deleted = tag.startswith("deleted")
        id_el, member = _child(entry, "id"), _child(entry, "member")
        if id_el is None or not id_el.text:
            return
        key_base = f"{member.get('id') if member is not None else '0'}:{id_el.text}"
        cls = _child(entry, "classification")
        fps = _child(entry, "fingerprints")
        for fp in fps if fps is not None else []:
            stype = FINGERPRINTS.get(_local(fp.tag))
            if stype is None or not (fp.text or "").strip():
                continue
            key = f"{key_base}:{_local(fp.tag)}"
            if deleted:
                updates[key] = None
                continue
            try:
                updates[key] = make_entry(
                    stype,
                    (fp.text or "").strip(),
                    classification=(cls.text or "") if cls is not None else "",
                )
            except InvalidInput:
                continue

    def feedback(
        self, member_id: int, entry_id: str, fingerprint: str, *, upvote: bool, reason: str = ""
    ) -> None:
        """Up- or down-vote one fingerprint of an entry (a downvote needs a reason guid)."""
        if not upvote and not reason:
            raise InvalidInput("a downvote needs a reason (see NCMEC's feedback reasons)")
        root = ET.Element("feedbackSubmission", {"xmlns": NAMESPACE})
        vote = ET.SubElement(root, "affirmative" if upvote else "negative")
        if not upvote:
            ET.SubElement(ET.SubElement(vote, "reasonIds"), "guid").text = reason
        r = self.client.request(
            "PUT",
            f"{self.base_url}/v2/entries/{member_id}/{entry_id}/{fingerprint}/feedback",
            headers={"Content-Type": "application/xml; charset=utf-8"},
            content=ET.tostring(root),
        )
        if r.status != 200:
            raise PartnerUnavailable(f"NCMEC refused the feedback (HTTP {r.status})")

    def feedback_reasons(self, fingerprint: str) -> dict[str, str]:
        """Reason guids and names for a downvote on this fingerprint type."""
        root = self._get(f"/v2/feedback/{fingerprint}/reasons")
        out: dict[str, str] = {}
        for reason in root.iter():
            if _local(reason.tag) == "reason":
                guid, name = _child(reason, "guid"), _child(reason, "name")
                if guid is not None and guid.text:
                    out[guid.text] = (name.text or "") if name is not None else ""
        return out
