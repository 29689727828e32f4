"""PDQ hex strings pack into uint64 rows and back; malformed values are named in the error."""

from __future__ import annotations

import numpy as np
import pytest

from childguard.errors import InvalidInput
from childguard.media.index import pdq_codec
from childguard.media.index.pdq_codec import pack_hex, unpack_hex


def hex_values(count: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [rng.bytes(32).hex() for _ in range(count)]


@pytest.mark.parametrize("count", (0, 1, 8, 300))
def test_round_trip_and_byte_layout(count: int) -> None:
    values = hex_values(count, count)
    rows = pack_hex(values)
    assert rows.shape == (count, 4) and rows.dtype == np.uint64
    assert rows.flags.writeable and rows.flags.c_contiguous
    assert unpack_hex(rows) == values
    for value, row in zip(values, rows, strict=True):
        assert row.tobytes() == bytes.fromhex(value)
    if count:
        rows[0, 0] ^= np.uint64(1)  # a caller may change its own rows


def test_upper_case_is_accepted() -> None:
    value = hex_values(1)[0]
    assert unpack_hex(pack_hex([value.upper()])) == [value]


def test_batched_path_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    values = hex_values(25, 1)
    whole = pack_hex(values)
    monkeypatch.setattr(pdq_codec, "_PARSE_BATCH", 4)
    np.testing.assert_array_equal(pack_hex(values), whole)
    bad = [*values[:9], "zz" * 32, *values[10:]]
    with pytest.raises(InvalidInput, match="'zzzz"):
        pack_hex(bad)


@pytest.mark.parametrize(
    "bad",
    [
        "ab" * 31,  # short
        "ab" * 33,  # long
        "g" + "a" * 63,  # not hex
        " " + "a" * 63,  # whitespace, which fromhex would skip
    ],
)
def test_malformed_value_is_named(bad: str) -> None:
    good = hex_values(3, 2)
    with pytest.raises(InvalidInput, match="not a PDQ hash") as err:
        pack_hex([good[0], bad, good[1]])
    assert repr(bad)[:20] in str(err.value)


def test_short_and_long_values_cannot_cancel_out() -> None:
    short, long = "a" * 62, "b" * 66  # together 128 digits: the total length alone looks right
    with pytest.raises(InvalidInput, match=repr(short)):
        pack_hex([short, long])


def test_non_string_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="not a PDQ hash"):
        pack_hex([b"ab" * 32])  # type: ignore[list-item]
