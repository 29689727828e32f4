"""The signature header: HMAC-SHA256 of "<t>.<body>" under the webhook's secret."""

from __future__ import annotations

import hashlib
import hmac

from childguard.webhooks.signing import new_secret, signature_header, verify

BODY = b'{"id":"evt_1","type":"case.opened","created_at":"2026-12-04T00:00:00Z","data":{}}'


def test_header_is_t_and_hex_hmac_of_timestamp_dot_body() -> None:
    secret = new_secret()
    header = signature_header(secret, BODY, timestamp=1_700_000_000)
    expected = hmac.new(secret.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_verify_accepts_a_fresh_signature_and_rejects_changes() -> None:
    secret = new_secret()
    header = signature_header(secret, BODY, timestamp=1000)
    assert verify(secret, BODY, header, now=1000)
    assert not verify(secret, BODY + b" ", header, now=1000)
    assert not verify(new_secret(), BODY, header, now=1000)
    assert not verify(secret, BODY, header, now=1000 + 301)
    assert not verify(secret, BODY, "t=abc,v1=00", now=1000)


def test_secrets_differ() -> None:
    assert new_secret() != new_secret()
    assert new_secret().startswith("whsec_")
