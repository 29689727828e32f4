from typing import Any

from _typeshed import ReadableBuffer
from numpy.typing import NDArray

# numpy's stubs do not declare the buffer protocol on Python 3.11.
_Buffer = ReadableBuffer | NDArray[Any]

def probe(
    hashes: _Buffer,
    offsets: _Buffer,
    postings: _Buffer,
    queries: _Buffer,
    chunk: _Buffer,
    mask: _Buffer,
    table_base: _Buffer,
    index_bytes: int,
    address_bits: int,
    radius: int,
) -> tuple[bytes, bytes, bytes]:
    """Every (query, row) pair within ``radius`` found by the MIH probes of a segment.

    Returns query numbers (int64), rows (int64) and distances (int32), ordered by (query, row),
    each pair once. ``hashes`` and ``queries`` are packed uint64 rows of 4 words; ``offsets`` and
    ``postings`` hold ``index_bytes``-wide entries (4: uint32, 8: int64); ``chunk`` (int64),
    ``mask`` and ``table_base`` (uint64) are the probe plan. ValueError on inconsistent sizes
    or tables.
    """

def scan(
    hashes: _Buffer,
    queries: _Buffer,
    dead: _Buffer,
    radius: int,
) -> tuple[bytes, bytes, bytes]:
    """Brute force: every (query, row) pair within ``radius`` bits.

    Rows whose byte in ``dead`` is nonzero are skipped (``dead`` empty: none is). Returns query
    numbers (int64), rows (int64) and distances (int32), ordered by (query, row). ``hashes`` and
    ``queries`` are packed uint64 rows of 4 words. ValueError on inconsistent sizes.
    """
