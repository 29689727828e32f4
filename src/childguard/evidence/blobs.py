"""Encrypted evidence files: their format, where they live, atomic writes and verified deletion.

A file is ``<evidence_dir>/<org_id>/<id % 256 as 2 hex>/<id>.cge``::

    b"CGE1" | data key id (8 bytes, big-endian) | nonce (12 bytes) | AES-256-GCM ciphertext+tag

The authenticated data is the 12-byte header plus ``org:<org_id>:item:<id>``, so a file copied
to another item or another organisation fails to decrypt, and so does any flipped bit. The file
names its data key itself, which keeps a re-encryption consistent without touching the database
in the same step. Writes go to a temporary file in the same folder, are fsynced and renamed into
place, so a reader or a crash never sees half a file.
"""

from __future__ import annotations

import os
import secrets
import struct
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from childguard.config import Settings
from childguard.errors import EvidenceDamaged, StorageError

MAGIC = b"CGE1"
HEADER = struct.Struct(">4sQ")
NONCE_BYTES = 12
SUFFIX = ".cge"
TMP_SUFFIX = ".tmp"


def item_path(settings: Settings, org_id: int, item_id: int) -> Path:
    """Where item ``item_id`` of ``org_id`` is kept."""
    return (
        settings.resolved_evidence_dir / str(org_id) / f"{item_id % 256:02x}" / f"{item_id}{SUFFIX}"
    )


def _aad(header: bytes, org_id: int, item_id: int) -> bytes:
    return header + f"org:{org_id}:item:{item_id}".encode()


def seal(data_key: bytes, key_id: int, org_id: int, item_id: int, plain: bytes) -> bytes:
    """The encrypted file content for ``plain`` as item ``item_id`` of ``org_id``."""
    header = HEADER.pack(MAGIC, key_id)
    nonce = secrets.token_bytes(NONCE_BYTES)
    return header + nonce + AESGCM(data_key).encrypt(nonce, plain, _aad(header, org_id, item_id))


def key_id_of(blob: bytes, item_id: int) -> int:
    """The data key id a file names; ``EvidenceDamaged`` when it is not an evidence file."""
    if len(blob) < HEADER.size + NONCE_BYTES + 16 or not blob.startswith(MAGIC):
        raise EvidenceDamaged(f"evidence {item_id}: the stored file is not an evidence file")
    key_id: int = HEADER.unpack_from(blob)[1]
    return key_id


def open_sealed(data_key: bytes, org_id: int, item_id: int, blob: bytes) -> bytes:
    """The plain bytes of a file; ``EvidenceDamaged`` if it was altered, moved or mis-keyed."""
    header = blob[: HEADER.size]
    nonce = blob[HEADER.size : HEADER.size + NONCE_BYTES]
    try:
        return AESGCM(data_key).decrypt(
            nonce, blob[HEADER.size + NONCE_BYTES :], _aad(header, org_id, item_id)
        )
    except InvalidTag:
        raise EvidenceDamaged(
            f"evidence {item_id} failed its integrity check (altered, moved or damaged)"
        ) from None


def read_blob(path: Path, item_id: int) -> bytes:
    """The encrypted file of an item; ``EvidenceDamaged`` when it is missing."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise EvidenceDamaged(f"evidence {item_id}: the stored file is missing") from None
    except OSError as exc:
        raise StorageError(f"cannot read evidence {item_id}: {exc.strerror or exc}") from exc


def write_atomic(path: Path, blob: bytes) -> None:
    """Put ``blob`` at ``path`` all at once: temp file, fsync, rename, fsync of the folder."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f"{path.stem}.{secrets.token_hex(6)}{TMP_SUFFIX}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        fsync_dir(path.parent)
    except OSError as exc:
        raise StorageError(
            f"cannot write to the evidence directory: {exc.strerror or exc}"
        ) from exc


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def delete_verified(path: Path, item_id: int) -> None:
    """Remove ``path`` and check that it is gone; ``StorageError`` when it is still there."""
    try:
        path.unlink(missing_ok=True)
        if path.parent.exists():
            fsync_dir(path.parent)
    except OSError as exc:
        raise StorageError(f"cannot delete evidence {item_id}: {exc.strerror or exc}") from exc
    if os.path.lexists(path):
        raise StorageError(f"evidence {item_id} is still on disk after deletion")
