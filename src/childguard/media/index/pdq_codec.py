"""Conversion between PDQ hex strings and packed ``(n, 4)`` uint64 rows.

A PDQ hash is 64 hex digits (256 bits). Packed, row ``i`` holds the hash's 32 bytes read as four
little-endian uint64 words; the Hamming distance of two hashes is the popcount of the XOR of their
rows, whatever the byte order, and ``unpack_hex`` gives back the exact input string (lowercased).
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from childguard.errors import InvalidInput

HEX_LEN = 64
WORDS = 4
_HEX = frozenset(string.hexdigits)
#: Strings parsed per ``bytes.fromhex`` call, bounding the temporary joined string.
_PARSE_BATCH = 1 << 18

U64Rows = NDArray[np.uint64]


def check_hex(value: object) -> str:
    """Return ``value`` lowercased when it is a 64-digit hex string, else raise ``InvalidInput``."""
    if not isinstance(value, str) or len(value) != HEX_LEN or not _HEX.issuperset(value):
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        raise InvalidInput(f"{shown} is not a PDQ hash: expected 64 hexadecimal digits")
    return value.lower()


def pack_hex(values: Sequence[str]) -> U64Rows:
    """Pack PDQ hex strings into an ``(n, 4)`` uint64 array.

    Raises ``InvalidInput`` naming the first malformed value (wrong length, non-hex, not a str).
    """
    if len(values) <= _PARSE_BATCH:
        # The common case (a scan's few hashes): parsed straight into a writable buffer.
        return np.frombuffer(_parse(values), dtype=np.uint64).reshape(-1, WORDS)
    out = np.empty((len(values), WORDS), dtype=np.uint64)
    flat = out.reshape(-1).view(np.uint8)
    for start in range(0, len(values), _PARSE_BATCH):
        part = values[start : start + _PARSE_BATCH]
        flat[start * 32 : (start + len(part)) * 32] = np.frombuffer(_parse(part), dtype=np.uint8)
    return out


def _parse(values: Sequence[str]) -> bytearray:
    """The 32 bytes of each hex string, concatenated; ``InvalidInput`` naming a bad one."""
    try:
        raw = bytearray.fromhex("".join(values))
    except (ValueError, TypeError):
        raw = bytearray()
    # fromhex skips whitespace, so the total length alone could hide a short value.
    if len(raw) != len(values) * 32 or any(len(v) != HEX_LEN for v in values):
        for v in values:
            check_hex(v)
        raise InvalidInput("PDQ hashes must be 64 hexadecimal digits each")  # pragma: no cover
    return raw


def unpack_hex(rows: U64Rows) -> list[str]:
    """The lowercase hex strings of packed rows (inverse of ``pack_hex``)."""
    raw = np.ascontiguousarray(rows, dtype=np.uint64).tobytes()
    return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]


def row_distances(xored: U64Rows) -> NDArray[np.int32]:
    """Popcount of each row of an ``(n, 4)`` XOR array (column adds beat ``sum(axis=1)``)."""
    c = np.bitwise_count(xored)
    low = c[:, 0] + c[:, 1]  # each <= 128: no uint8 overflow
    high = c[:, 2] + c[:, 3]
    out: NDArray[np.int32] = low.astype(np.int32) + high
    return out
