"""Master keys and per-organisation data keys of the evidence store.

Each organisation has AES-256 data keys; only their AES-GCM wrapping by a master key is stored
(``evidence_keys``), bound to the organisation by the authenticated data. The master key comes
from ``CHILDGUARD_EVIDENCE_MASTER_KEY`` (with ``CHILDGUARD_EVIDENCE_PREVIOUS_MASTER_KEYS`` during
a rotation) or from a key file holding base64 keys one per line, the current one first, which is
generated with mode 0600 on first use. A wrapped key records the fingerprint of the master key
that wrapped it, so the keyring picks the right one while a rotation is under way.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.config import Settings
from childguard.errors import ConfigurationError, EvidenceDamaged, StorageError
from childguard.store.models import EvidenceKey, utcnow

KEY_BYTES = 32
NONCE_BYTES = 12


def fingerprint(master_key: bytes) -> str:
    """A short one-way name for a master key (stored beside each key it wraps)."""
    return hashlib.sha256(b"childguard-evidence-master:" + master_key).hexdigest()[:16]


def _decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigurationError(
            f"{where} is not a base64 32-byte key (make one with "
            "`python -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())'`)"
        )
    return key


def _encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode()


@dataclass(frozen=True)
class MasterKeys:
    """The current master key and every key accepted for unwrapping, by fingerprint."""

    current: bytes
    accepted: dict[str, bytes]
    #: The key file they came from, or None when they came from settings.
    path: Path | None

    @property
    def current_id(self) -> str:
        """Fingerprint of the current master key."""
        return fingerprint(self.current)

    @classmethod
    def of(cls, keys: list[bytes], path: Path | None) -> MasterKeys:
        """A keyring whose current key is ``keys[0]``."""
        return cls(keys[0], {fingerprint(k): k for k in keys}, path)


def load_master_keys(settings: Settings, *, create: bool = True) -> MasterKeys:
    """The master keyring from settings, else from the key file (generated when missing).

    Raises ``ConfigurationError`` for a malformed key or a key file others may read.
    """
    if settings.evidence_master_key is not None:
        current = _decode_key(
            settings.evidence_master_key.get_secret_value(), "CHILDGUARD_EVIDENCE_MASTER_KEY"
        )
        previous = []
        if settings.evidence_previous_master_keys is not None:
            previous = [
                _decode_key(part, "CHILDGUARD_EVIDENCE_PREVIOUS_MASTER_KEYS")
                for part in settings.evidence_previous_master_keys.get_secret_value().split(",")
                if part.strip()
            ]
        return MasterKeys.of([current, *previous], None)
    path = settings.resolved_evidence_key_file
    if not path.exists():
        if not create:
            raise ConfigurationError(f"no evidence master key file at {path}")
        _create_key_file(path)
    return MasterKeys.of(_read_key_file(path), path)


def _read_key_file(path: Path) -> list[bytes]:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read the evidence key file {path}: {exc}") from exc
    if mode & 0o077:
        raise ConfigurationError(
            f"the evidence key file {path} may be read by others: run `chmod 600 {path}`"
        )
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines:
        raise ConfigurationError(f"the evidence key file {path} holds no key")
    return [_decode_key(ln, f"a line of {path}") for ln in lines]


def _write_private(path: Path, keys: list[bytes], *, replace: bool) -> None:
    """Write ``keys`` to ``path`` atomically with mode 0600 (never a half-written key file).

    With ``replace`` False the file is only created: a concurrent creator wins and its key is
    kept (``FileExistsError`` is swallowed).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write("".join(_encode_key(k) + "\n" for k in keys))
                out.flush()
                os.fsync(out.fileno())
            if replace:
                os.replace(tmp, path)
            else:
                with contextlib.suppress(FileExistsError):
                    os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(path.parent)
    except OSError as exc:
        raise StorageError(f"cannot write the evidence key file {path}: {exc}") from exc


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create_key_file(path: Path) -> None:
    _write_private(path, [secrets.token_bytes(KEY_BYTES)], replace=False)


def stage_new_master_key(keys: MasterKeys) -> MasterKeys:
    """Put a fresh master key first in the key file, keeping the others acceptable."""
    if keys.path is None:
        raise ConfigurationError(
            "the master key comes from CHILDGUARD_EVIDENCE_MASTER_KEY: set the new key there, "
            "the old one in CHILDGUARD_EVIDENCE_PREVIOUS_MASTER_KEYS, then re-wrap"
        )
    new = [secrets.token_bytes(KEY_BYTES), *keys.accepted.values()]
    _write_private(keys.path, new, replace=True)
    return MasterKeys.of(new, keys.path)


def drop_previous_master_keys(keys: MasterKeys) -> None:
    """Leave only the current key in the key file (after every data key was re-wrapped)."""
    if keys.path is not None and len(keys.accepted) > 1:
        _write_private(keys.path, [keys.current], replace=True)


def _key_aad(org_id: int) -> bytes:
    return f"childguard-evidence-data-key:v1:org:{org_id}".encode()


def wrap(keys: MasterKeys, org_id: int, data_key: bytes) -> bytes:
    """``data_key`` encrypted under the current master key, bound to ``org_id``."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(keys.current).encrypt(nonce, data_key, _key_aad(org_id))


def unwrap(keys: MasterKeys, row: EvidenceKey) -> bytes:
    """The plain data key of ``row``; ``EvidenceDamaged`` if no accepted master key opens it."""
    master = keys.accepted.get(row.master_key_id)
    if master is None:
        raise ConfigurationError(
            f"evidence data key {row.id} is wrapped by master key {row.master_key_id}, which "
            "is not configured (CHILDGUARD_EVIDENCE_MASTER_KEY or the key file)"
        )
    try:
        return AESGCM(master).decrypt(
            row.wrapped[:NONCE_BYTES], row.wrapped[NONCE_BYTES:], _key_aad(row.org_id)
        )
    except InvalidTag:
        raise EvidenceDamaged(f"evidence data key {row.id} failed its integrity check") from None


def active_key(session: Session, keys: MasterKeys, org_id: int) -> EvidenceKey:
    """The organisation's active data key, created on first use."""
    row = session.scalar(
        select(EvidenceKey)
        .where(EvidenceKey.org_id == org_id, EvidenceKey.retired_at.is_(None))
        .order_by(EvidenceKey.id.desc())
        .limit(1)
    )
    return row if row is not None else new_data_key(session, keys, org_id)


def new_data_key(session: Session, keys: MasterKeys, org_id: int) -> EvidenceKey:
    """Make a fresh data key the organisation's active one; earlier keys are retired."""
    now = utcnow()
    for old in session.scalars(
        select(EvidenceKey).where(EvidenceKey.org_id == org_id, EvidenceKey.retired_at.is_(None))
    ):
        old.retired_at = now
    row = EvidenceKey(
        org_id=org_id,
        wrapped=wrap(keys, org_id, secrets.token_bytes(KEY_BYTES)),
        master_key_id=keys.current_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def org_key(session: Session, org_id: int, key_id: int) -> EvidenceKey:
    """The data key ``key_id`` when it belongs to ``org_id``; ``EvidenceDamaged`` otherwise."""
    row = session.get(EvidenceKey, key_id)
    if row is None or row.org_id != org_id:
        raise EvidenceDamaged(f"evidence names data key {key_id}, which is not its organisation's")
    return row
