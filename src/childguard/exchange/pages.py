"""The signed feed page: its bytes, its signature and every check a subscriber makes.

A page is canonical JSON (sorted keys, no spaces, UTF-8) signed whole with the publisher's
Ed25519 key; the signature travels in the ``X-Childguard-Signature`` header (hex) and the signing
key's fingerprint in ``X-Childguard-Key``. The page names the feed, the subscriber it was made
for, the subscriber's nonce, the cursor it starts from and the next cursor, so a page replayed to
another request, another subscriber or another position is refused.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from operator import itemgetter, lt
from typing import Any, NamedTuple

from childguard import orgkeys
from childguard.exchange.errors import PageRefused

SIGNATURE_HEADER = "x-childguard-signature"
KEY_HEADER = "x-childguard-key"
PAGE_VERSION = 1
OPS = frozenset({"add", "remove", "rotate"})
#: A change's JSON keys in the order of ``Change``'s fields.
_CHANGE_KEYS = ("seq", "op", "id", "type", "value", "class", "expires")
_change_fields = itemgetter(*_CHANGE_KEYS)
#: What a change row is: the columns of ``Change`` with ``expires`` as its ISO text.
ChangeRow = tuple[int, str, int, str, str, str, "str | None"]


class Change(NamedTuple):
    """One change as carried by a page (``id``: the publisher's entry id).

    A named tuple rather than a dataclass: a page of 50,000 changes builds 50,000 of them.
    """

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


def _head(page: Page) -> dict[str, Any]:
    """Every field of a page but its changes."""
    return {
        "v": PAGE_VERSION,
        "feed": page.feed,
        "kind": page.kind,
        "publisher": page.publisher,
        "subscriber": page.subscriber,
        "nonce": page.nonce,
        "cursor": page.cursor,
        "next_cursor": page.next_cursor,
        "more": page.more,
    }


def encode(page: Page, raw_changes: list[dict[str, Any]] | None = None) -> bytes:
    """The canonical bytes that get signed and sent (``raw_changes``, when given, replace
    ``page.changes`` as already-built JSON objects)."""
    body = {
        **_head(page),
        "changes": raw_changes if raw_changes is not None else [c.to_json() for c in page.changes],
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def encode_rows(page: Page, rows: Sequence[ChangeRow]) -> bytes:
    """The canonical bytes of ``page`` with ``rows`` as its changes, the same bytes ``encode``
    gives for them: each change is written straight as text (keys in sorted order, strings
    escaped by ``json``'s own encoder), without a dict per change, for the serving path."""
    enc = encode_basestring
    changes = ",".join(
        [
            f'{{"class":{enc(cls)},"expires":{"null" if expires is None else enc(expires)},'
            f'"id":{entry_id},"op":{enc(op)},"seq":{seq},"type":{enc(stype)},'
            f'"value":{enc(value)}}}'
            for seq, op, entry_id, stype, value, cls, expires in rows
        ]
    )
    head = _head(page)
    rest = json.dumps(head, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # "changes" sorts before every other key: it comes first
    return f'{{"changes":[{changes}],{rest[1:]}'.encode()


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
            changes=_changes(data["changes"]),
        )
    except (KeyError, TypeError) as exc:
        raise PageRefused(f"the page lacks a field: {exc}") from None
    if page.feed != feed:
        raise PageRefused(f"the page is of feed {page.feed[:64]!r}, not {feed!r}")
    if page.nonce != nonce or page.cursor != cursor:
        raise PageRefused("replayed page: it answers another request than this one")
    if page.next_cursor < page.cursor:
        raise PageRefused(f"the cursor goes backwards (from {page.cursor} to {page.next_cursor})")
    changes = page.changes
    if changes:
        seqs = list(map(itemgetter(0), changes))
        # one pass in C for the usual, well-ordered page; the loop below names the culprit
        if seqs[0] > page.cursor and seqs[-1] <= page.next_cursor and all(map(lt, seqs, seqs[1:])):
            return page
    last, end = page.cursor, page.next_cursor
    for i, change in enumerate(changes):
        seq = change[0]
        if seq <= last or seq > end:
            raise PageRefused(f"change {i + 1} (seq {seq}) is out of order")
        last = seq
    return page


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("an integer was expected")
    return value


def _changes(raw: Any) -> tuple[Change, ...]:
    """A page's changes; ``PageRefused`` names the first malformed one."""
    if type(raw) is list:
        plain = _plain_changes(raw)
        if plain is not None:
            return plain
    return tuple(_change(i, c) for i, c in enumerate(raw))


def _plain_changes(raw: list[Any]) -> tuple[Change, ...] | None:
    """The changes, checked column by column, when every one is in its plain form (every
    field present, each of its exact type, a known op); None otherwise, for ``_change`` to
    check (and convert, or name) them one by one. Same result as ``_change`` on plain input.
    """
    if not raw:
        return ()
    if set(map(type, raw)) != {dict}:
        return None
    try:
        rows = list(map(_change_fields, raw))
    except KeyError:
        return None
    seq, op, entry_id, stype, value, cls, expires = zip(*rows, strict=True)
    if (
        set(map(type, seq)) != {int}  # exact: bool, a subclass of int, is no integer here
        or set(map(type, entry_id)) != {int}
        or set(map(type, op)) != {str}
        or not set(op) <= OPS
        or not set(map(type, stype)) | set(map(type, value)) | set(map(type, cls)) <= {str}
        or not set(map(type, expires)) <= {str, type(None)}
    ):
        return None
    return tuple(map(Change._make, rows))


def _change(index: int, raw: Any) -> Change:
    if type(raw) is not dict:
        raise PageRefused(f"change {index + 1} is not an object")
    get = raw.get
    seq, op, entry_id = get("seq"), get("op"), get("id")
    # type() is exact: bool, a subclass of int, is no integer here.
    if type(seq) is not int or type(entry_id) is not int or op is None:
        raise PageRefused(f"change {index + 1} lacks seq, op or id, or has a non-integer one")
    if type(op) is not str or op not in OPS:
        raise PageRefused(f"change {index + 1} (seq {seq}) has an unknown op {str(op)[:20]!r}")
    stype, value, cls, expires = get("type"), get("value"), get("class"), get("expires")
    return Change(
        seq,
        op,
        entry_id,
        stype if type(stype) is str else _text(stype),
        value if type(value) is str else _text(value),
        cls if type(cls) is str else _text(cls),
        None if expires is None else str(expires),
    )


def _text(value: Any) -> str:
    """A text field as ``str`` (missing, null or empty: ``""``)."""
    return value if type(value) is str else str(value or "")
