"""Identifier normalisation, keyed hashing, page verification and key fingerprints."""

from __future__ import annotations

import json

import pytest

from childguard import orgkeys
from childguard.errors import InvalidInput
from childguard.exchange import accounts, pages
from childguard.exchange.errors import PageRefused
from childguard.store.db import Database
from childguard.store.models import Org


@pytest.mark.parametrize(
    ("kind", "value", "platform", "expected"),
    [
        ("phone", "012 345 678", None, "phone:+85512345678"),
        ("phone", "+855 12-345-678", None, "phone:+85512345678"),
        # E.164 that phonenumbers' metadata calls impossible (the API documents E.164 as valid)
        ("phone", "+100000000", None, "phone:+100000000"),
        ("phone", "+99912345678", None, "phone:+99912345678"),
        ("handle", "@Bad_Actor", "Telegram", "handle:telegram:bad_actor"),
        ("handle", "bad_actor", None, "handle:any:bad_actor"),
        ("email", " Someone@Example.COM ", None, "email:someone@example.com"),
        ("url", "https://www.Example.com/path/?q=1#x", None, "url:example.com/path"),
        ("url", "example.com/path", None, "url:example.com/path"),
    ],
)
def test_normalise(kind: str, value: str, platform: str | None, expected: str) -> None:
    assert accounts.normalise(kind, value, platform=platform) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("phone", "abc"),
        ("phone", "+12"),
        ("phone", "+1234567890123456"),
        ("phone", "+0123456789"),
        ("email", "no-at"),
        ("url", "nohost"),
        ("ssn", "1"),
    ],
)
def test_normalise_refuses(kind: str, value: str) -> None:
    with pytest.raises(InvalidInput):
        accounts.normalise(kind, value)


def test_digest_depends_on_the_group_key() -> None:
    a = accounts.digest(b"k" * 32, "phone:+85512345678")
    assert a != accounts.digest(b"j" * 32, "phone:+85512345678")
    assert len(a) == 64 and "855" not in a


def test_fingerprint_and_signature(db: Database, org: Org, tmp_path: object) -> None:
    from pathlib import Path

    data_dir = Path(str(tmp_path))
    with db.session() as s:
        key = orgkeys.active_key(s, data_dir, org.id)
        assert orgkeys.active_key(s, data_dir, org.id).id == key.id
        assert orgkeys.fingerprint(bytes.fromhex(key.public_key)) == key.fingerprint
        assert orgkeys.normalise_fingerprint(key.fingerprint.replace(":", "").upper()) == (
            key.fingerprint
        )
        page = pages.Page("f", "bank", "p", "s", "n0nce123", 0, 3, False, (
            pages.Change(3, "add", 9, "md5", "a" * 32),
        ))  # fmt: skip
        body = pages.encode(page)
        sig = orgkeys.sign(data_dir, key, body).hex()
        key_file = next((data_dir / "keys").rglob("*.key"))
        assert key_file.stat().st_mode & 0o077 == 0
    ok = pages.verify(
        body, sig, public_key_hex=key.public_key, feed="f", nonce="n0nce123", cursor=0
    )
    assert ok.changes[0].value == "a" * 32
    with pytest.raises(PageRefused, match="replayed"):
        pages.verify(body, sig, public_key_hex=key.public_key, feed="f", nonce="other123", cursor=0)
    with pytest.raises(PageRefused, match="signature"):
        pages.verify(body + b" ", sig, public_key_hex=key.public_key, feed="f", nonce="n", cursor=0)
    data = json.loads(body)
    data["changes"][0]["seq"] = 5
    forged = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    with pytest.raises(PageRefused, match="signature"):
        pages.verify(
            forged, sig, public_key_hex=key.public_key, feed="f", nonce="n0nce123", cursor=0
        )
    with pytest.raises(InvalidInput):
        orgkeys.normalise_fingerprint("12:34")
