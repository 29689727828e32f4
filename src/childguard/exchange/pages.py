"""The signed feed page: its bytes, its signature and every check a subscriber makes.

A page is canonical JSON (sorted keys, no spaces, UTF-8) signed whole with the publisher's
Ed25519 key; the signature travels in the ``X-Childguard-Signature`` header (hex) and the signing
key's fingerprint in ``X-Childguard-Key``. The page names the feed, the subscriber it was made
for, the subscriber's nonce, the cursor it starts from and the next cursor, so a page replayed to
another request, another subscriber or another position is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from childguard import orgkeys
from childguard.exchange.errors import PageRefused

SIGNATURE_HEADER = "x-childguard-signature"
KEY_HEADER = "x-childguard-key"
PAGE_VERSION = 1
OPS = frozenset({"add", "remove", "rotate"})


@dataclass(frozen=True)
class Change:
    """One change as carried by a page (``id``: the publisher's entry id)."""

    seq: int
    op: str
    id: int
    type: str = ""
    value: str = ""
    classification: str = ""
    expires: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The change's JSON form inside a page."""
        return {
            "seq": self.seq,
            "op": self.op,
            "id": self.id,
            "type": self.type,
            "value": self.value,
            "class": self.classification,
            "expires": self.expires,
        }


@dataclass(frozen=True)
class Page:
    """A verified page."""

    feed: str
    kind: str
    publisher: str
    subscriber: str
    nonce: str
    cursor: int
    next_cursor: int
    more: bool
    changes: tuple[Change, ...]


def change_json(
    seq: int, op: str, entry_id: int, stype: str, value: str, cls: str, expires: datetime | None
) -> dict[str, Any]:
    """A change's JSON form straight from stored columns (the serving path's fast form)."""
    return {
        "seq": seq,
        "op": op,
        "id": entry_id,
        "type": stype,
        "value": value,
        "class": cls,
        "expires": iso(expires),
    }


def encode(page: Page, raw_changes: list[dict[str, Any]] | None = None) -> bytes:
    """The canonical bytes that get signed and sent (``raw_changes``, when given, replace
    ``page.changes`` as already-built JSON objects)."""
    body = {
        "v": PAGE_VERSION,
        "feed": page.feed,
        "kind": page.kind,
        "publisher": page.publisher,
        "subscriber": page.subscriber,
        "nonce": page.nonce,
        "cursor": page.cursor,
        "next_cursor": page.next_cursor,
        "more": page.more,
        "changes": raw_changes if raw_changes is not None else [c.to_json() for c in page.changes],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def iso(value: datetime | None) -> str | None:
    """A timestamp as pages carry it."""
    return value.isoformat() if value is not None else None


def verify(
    body: bytes,
    signature_hex: str,
    *,
    public_key_hex: str,
    feed: str,
    nonce: str,
    cursor: int,
) -> Page:
    """Check a page received for a request from ``cursor`` with ``nonce``; ``PageRefused`` if
    anything is wrong, naming what (and the change, for a malformed one)."""
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        signature = b""
    if not signature or not orgkeys.verify(public_key_hex, signature, body):
        raise PageRefused("the page's signature does not verify with the pinned key")
    try:
        data = json.loads(body)
    except ValueError:
        raise PageRefused("the page is not JSON") from None
    if not isinstance(data, dict) or data.get("v") != PAGE_VERSION:
        raise PageRefused("the page has an unknown format version")
    try:
        page = Page(
            feed=str(data["feed"]),
            kind=str(data["kind"]),
            publisher=str(data["publisher"]),
            subscriber=str(data["subscriber"]),
            nonce=str(data["nonce"]),
            cursor=_int(data["cursor"]),
            next_cursor=_int(data["next_cursor"]),
            more=bool(data["more"]),
            changes=tuple(_change(i, c) for i, c in enumerate(data["changes"])),
        )
    except (KeyError, TypeError) as exc:
        raise PageRefused(f"the page lacks a field: {exc}") from None
    if page.feed != feed:
        raise PageRefused(f"the page is of feed {page.feed[:64]!r}, not {feed!r}")
    if page.nonce != nonce or page.cursor != cursor:
        raise PageRefused("replayed page: it answers another request than this one")
    if page.next_cursor < page.cursor:
        raise PageRefused(f"the cursor goes backwards (from {page.cursor} to {page.next_cursor})")
    last = page.cursor
    for i, change in enumerate(page.changes):
        if change.seq <= last or change.seq > page.next_cursor:
            raise PageRefused(f"change {i + 1} (seq {change.seq}) is out of order")
        last = change.seq
    return page


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("an integer was expected")
    return value


def _change(index: int, raw: Any) -> Change:
    if not isinstance(raw, dict):
        raise PageRefused(f"change {index + 1} is not an object")
    try:
        seq, op, entry_id = raw["seq"], raw["op"], raw["id"]
    except KeyError:
        seq = op = entry_id = None
    # type() is exact: bool, a subclass of int, is no integer here.
    if type(seq) is not int or type(entry_id) is not int or op is None:
        raise PageRefused(f"change {index + 1} lacks seq, op or id, or has a non-integer one")
    if type(op) is not str or op not in OPS:
        raise PageRefused(f"change {index + 1} (seq {seq}) has an unknown op {str(op)[:20]!r}")
    expires = raw.get("expires")
    return Change(
        seq,
        op,
        entry_id,
        _text(raw.get("type")),
        _text(raw.get("value")),
        _text(raw.get("class")),
        None if expires is None else str(expires),
    )


def _text(value: Any) -> str:
    """A text field as ``str`` (missing, null or empty: ``""``)."""
    return value if type(value) is str else str(value or "")
