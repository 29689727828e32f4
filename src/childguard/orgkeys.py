"""One Ed25519 signing key per organisation, for every artefact it signs (feed pages, ...).

The public key lives in the database (``org_keys``); the private key in a key file under the data
directory (``keys/org-<org id>/<fingerprint>.key``, PKCS#8 PEM, mode 0600), never in the database
and never in logs. A rotated key stays on disk so pages signed before the rotation can still be
served to subscribers that are catching up. The fingerprint shown to humans (and pinned by them) is
the first 32 hex digits of the SHA-256 of the raw 32-byte public key, in groups of four.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.errors import ConfigurationError, InvalidInput, NotFound
from childguard.store.models import OrgKey, utcnow

FINGERPRINT_HEX = 32


@dataclass(frozen=True)
class Rotation:
    """A key rotation: the fingerprints before and after."""

    old_fingerprint: str
    new_fingerprint: str


def fingerprint(public_raw: bytes) -> str:
    """The human fingerprint of a raw public key: ``xxxx:xxxx:...`` (32 hex digits)."""
    digest = hashlib.sha256(public_raw).hexdigest()[:FINGERPRINT_HEX]
    return ":".join(digest[i : i + 4] for i in range(0, FINGERPRINT_HEX, 4))


def normalise_fingerprint(text: str) -> str:
    """A fingerprint as typed (any case, with or without separators) in canonical form."""
    digits = "".join(c for c in text.lower() if c not in ": -")
    if len(digits) != FINGERPRINT_HEX or any(c not in "0123456789abcdef" for c in digits):
        raise InvalidInput(
            f"fingerprint {text[:60]!r} is malformed: expected {FINGERPRINT_HEX} hex digits "
            "as printed by `childguard feed publish` (e.g. 1a2b:3c4d:...)"
        )
    return ":".join(digits[i : i + 4] for i in range(0, FINGERPRINT_HEX, 4))


def public_key_from_hex(text: str) -> Ed25519PublicKey:
    """Parse a raw public key sent as 64 hex digits."""
    try:
        raw = bytes.fromhex(text)
        if len(raw) != 32:
            raise ValueError
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise InvalidInput("a public key must be 64 hex digits (a raw Ed25519 key)") from None


def verify(public_hex: str, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is a valid signature of ``data`` by the key ``public_hex``."""
    try:
        public_key_from_hex(public_hex).verify(signature, data)
    except (InvalidSignature, InvalidInput):
        return False
    return True


def _key_dir(data_dir: Path, org_id: int) -> Path:
    return data_dir / "keys" / f"org-{org_id}"


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _new_key(session: Session, data_dir: Path, org_id: int, since_seq: int) -> OrgKey:
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    fp = fingerprint(raw)
    # The file is written before the row commits: a crash leaves an unused file, never a row
    # without its private key.
    _write_private(_key_dir(data_dir, org_id) / f"{fp.replace(':', '')}.key", private)
    row = OrgKey(org_id=org_id, public_key=raw.hex(), fingerprint=fp, since_seq=since_seq)
    session.add(row)
    session.flush()
    return row


def active_key(session: Session, data_dir: Path, org_id: int) -> OrgKey:
    """The organisation's current signing key, created on first use."""
    row = session.scalar(
        select(OrgKey)
        .where(OrgKey.org_id == org_id, OrgKey.retired_at.is_(None))
        .order_by(OrgKey.id.desc())
        .limit(1)
    )
    if row is None:
        row = _new_key(session, data_dir, org_id, since_seq=0)
        audit.append(
            session,
            Actor(org_id, None, "system"),
            "orgkey.create",
            f"org:{org_id}",
            {"fingerprint": row.fingerprint},
        )
    return row


def rotate(session: Session, data_dir: Path, org_id: int, since_seq: int, actor: Actor) -> OrgKey:
    """Retire the current key and make a new one that signs what comes after ``since_seq``."""
    old = active_key(session, data_dir, org_id)
    old.retired_at = utcnow()
    new = _new_key(session, data_dir, org_id, since_seq=since_seq)
    audit.append(
        session,
        actor,
        "orgkey.rotate",
        f"org:{org_id}",
        {"old": old.fingerprint, "new": new.fingerprint},
    )
    return new


def sign(data_dir: Path, key: OrgKey, data: bytes) -> bytes:
    """Sign ``data`` with ``key``'s private half, read from its key file."""
    path = _key_dir(data_dir, key.org_id) / f"{key.fingerprint.replace(':', '')}.key"
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise ConfigurationError(
            f"the private key of fingerprint {key.fingerprint} is missing from {path.parent}; "
            "restore the data directory's keys/ folder or rotate the key"
        ) from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigurationError(f"{path.name} is not an Ed25519 key")
    return private.sign(data)


def get_key(session: Session, org_id: int, fp: str) -> OrgKey:
    """One of the organisation's keys by fingerprint."""
    row = session.scalar(select(OrgKey).where(OrgKey.org_id == org_id, OrgKey.fingerprint == fp))
    if row is None:
        raise NotFound(f"no key with fingerprint {fp}")
    return row
