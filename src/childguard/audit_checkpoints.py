"""Signed checkpoints of the audit log, so trimming or rewriting it is detected.

The hash chain alone (``audit.verify_chain``) cannot catch someone with database access who
deletes the newest records or edits a record and recomputes every later hash: the chain stays
consistent. A checkpoint fixes the chain at a moment: the number of records, the newest record's
hash and a 32-bit fingerprint of every record added since the previous checkpoint, signed with an
Ed25519 key kept outside the database (a key file in the data directory by default). Checkpoints
are appended, one JSON object per line, to a file outside the database.

``verify`` then walks the log against every checkpoint: fewer records than a checkpoint covers
names the missing range, and a record whose hash no longer matches its fingerprint is the first
bad record. A witness (another childguard instance, as certificate-transparency logs are
witnessed) countersigns checkpoints and remembers the largest one it saw, so deleting lines of the
checkpoint file, or the file itself, is caught too.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from childguard.audit import GENESIS, ChainReport, record_hash
from childguard.config import Settings
from childguard.errors import ConfigurationError, InvalidInput, StorageError
from childguard.store.models import MAX_ID, AuditRecord

#: Hex digits of each record hash kept in a checkpoint (32 bits: locates the first bad record).
FINGERPRINT_HEX = 8
_DOMAIN = "childguard-audit-checkpoint/v1"
_WITNESS_DOMAIN = "childguard-audit-witness/v1"


@dataclass
class Checkpoint:
    """A signed statement: the log held ``size`` records, the newest with hash ``head``.

    ``fingerprints`` holds the first ``FINGERPRINT_HEX`` hex digits of the hash of each record
    after ``previous_size`` up to ``size``; ``origin`` is the signer's key fingerprint and
    ``cosignatures`` the witnesses' countersignatures.
    """

    size: int
    head: str
    at: str
    previous_size: int
    fingerprints: str
    origin: str
    public_key: str
    signature: str = ""
    cosignatures: list[dict[str, str]] = field(default_factory=list)

    def message(self) -> bytes:
        """The bytes the log's key signs."""
        digest = hashlib.sha256(self.fingerprints.encode()).hexdigest()
        return "\n".join(
            [_DOMAIN, str(self.size), self.head, self.at, str(self.previous_size), digest]
        ).encode()

    def witness_message(self) -> bytes:
        """The bytes a witness signs: the checkpoint and the log's own signature."""
        return b"\n".join([_WITNESS_DOMAIN.encode(), self.message(), self.signature.encode()])

    def to_dict(self) -> dict[str, Any]:
        """JSON form (one line of the checkpoint file)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checkpoint:
        """Parse a checkpoint; ``InvalidInput`` names what is malformed."""
        try:
            cp = cls(
                size=int(data["size"]),
                head=str(data["head"]),
                at=str(data["at"]),
                previous_size=int(data["previous_size"]),
                fingerprints=str(data["fingerprints"]),
                origin=str(data["origin"]),
                public_key=str(data["public_key"]),
                signature=str(data.get("signature", "")),
                cosignatures=[dict(c) for c in data.get("cosignatures", [])],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"malformed checkpoint: {type(exc).__name__} {exc}"[:200]) from None
        if cp.size < 0 or not 0 <= cp.previous_size <= cp.size:
            raise InvalidInput("malformed checkpoint: sizes out of order")
        if len(cp.fingerprints) != (cp.size - cp.previous_size) * FINGERPRINT_HEX:
            raise InvalidInput("malformed checkpoint: fingerprints do not cover its records")
        return cp


# -- keys -----------------------------------------------------------------------------------


def key_path(settings: Settings) -> Path:
    """Where the log's signing key lives (``CHILDGUARD_AUDIT_KEY_PATH`` or the data dir)."""
    return settings.audit_key_path or settings.data_dir / "audit-signing.key"


def checkpoint_path(settings: Settings) -> Path:
    """The checkpoint file (``CHILDGUARD_AUDIT_CHECKPOINT_PATH`` or the data dir)."""
    return settings.audit_checkpoint_path or settings.data_dir / "audit-checkpoints.jsonl"


def load_or_create_key(settings: Settings) -> Ed25519PrivateKey:
    """The signing key, created (mode 0600) on first use."""
    path = key_path(settings)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return load_or_create_key(settings)
        except OSError as exc:
            raise StorageError(f"cannot create the audit key {path}: {exc.strerror}") from exc
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        return key
    except OSError as exc:
        raise StorageError(f"cannot read the audit key {path}: {exc.strerror}") from exc
    try:
        loaded = serialization.load_pem_private_key(raw, password=None)
    except ValueError:
        raise ConfigurationError(f"{path} is not a PEM private key") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} is not an Ed25519 key")
    return loaded


def public_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw public key in hex (what a witness or verifier pins)."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def key_fingerprint(public_key_hex: str) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:16]


def _verify_sig(public_key_hex: str, signature_b64: str, message: bytes) -> bool:
    try:
        pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        pub.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode()


# -- the checkpoint file --------------------------------------------------------------------


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Every checkpoint in the file, oldest first (none when the file does not exist)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from exc
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(Checkpoint.from_dict(json.loads(line)))
        except (ValueError, InvalidInput) as exc:
            raise InvalidInput(f"{path.name} line {number}: not a checkpoint ({exc})") from None
    return out


def _append_line(path: Path, cp: Checkpoint) -> None:
    line = json.dumps(cp.to_dict(), separators=(",", ":")) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)  # several server processes may append at once
            f.write(line)
    except OSError as exc:
        raise StorageError(f"cannot append to {path}: {exc.strerror}") from exc


def _records(session: Session, after: int, upto: int) -> Iterator[AuditRecord]:
    yield from session.scalars(
        select(AuditRecord)
        .where(AuditRecord.id > after, AuditRecord.id <= upto)
        .order_by(AuditRecord.id)
        .execution_options(yield_per=2000)
    )


def make_checkpoint(session: Session, settings: Settings) -> Checkpoint | None:
    """Sign the current head and append it to the checkpoint file.

    Returns None when nothing was added since the last checkpoint. The log is verified against
    the previous checkpoints first: a checkpoint never vouches for a tampered log.
    """
    path = checkpoint_path(settings)
    previous = read_checkpoints(path)
    key = load_or_create_key(settings)
    last = previous[-1] if previous else None
    size = session.scalar(select(func.max(AuditRecord.id))) or 0
    if last is not None and size == last.size:
        return None
    problem = _tail_problem(session, last)
    if problem:
        raise StorageError(f"audit log fails verification, not signing it: {problem}")
    after = last.size if last else 0
    prints = []
    head = last.head if last else ""
    for rec in _records(session, after, size):
        prints.append(rec.hash[:FINGERPRINT_HEX])
        head = rec.hash
    cp = Checkpoint(
        size=size,
        head=head,
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        previous_size=after,
        fingerprints="".join(prints),
        origin=key_fingerprint(public_hex(key)),
        public_key=public_hex(key),
    )
    cp.signature = _sign(key, cp.message())
    _append_line(path, cp)
    return cp


def _tail_problem(session: Session, last: Checkpoint | None) -> str:
    """What is wrong with the records a new checkpoint would cover, or "".

    Checks that the newest signed record still has its signed hash and that every later record
    is chained and hashed correctly: a signature never vouches for a tampered tail. (Records
    before ``last`` are the business of ``verify``; walking them every time would cost a full
    scan of the log per checkpoint.)
    """
    after, prev = (last.size, last.head) if last else (0, GENESIS)
    if last is not None and after > 0:
        head = session.scalar(select(AuditRecord.hash).where(AuditRecord.id == after))
        if head is None:
            return f"record {after} is missing (the newest checkpoint covers it)"
        if head != last.head:
            return f"record {after} differs from the newest checkpoint"
    expected = after + 1
    for rec in _records(session, after, MAX_ID):
        if rec.id != expected:
            return f"record {expected} is missing"
        if rec.prev_hash != prev or record_hash(rec) != rec.hash:
            return f"record {rec.id} was altered"
        prev = rec.hash
        expected += 1
    return ""


def add_cosignature(settings: Settings, cp: Checkpoint, cosignature: Mapping[str, str]) -> None:
    """Record a witness's countersignature of ``cp`` (appended as a new line of the file)."""
    if not _verify_sig(cosignature["public_key"], cosignature["signature"], cp.witness_message()):
        raise InvalidInput("the witness's countersignature does not verify")
    cp.cosignatures.append(dict(cosignature))
    _append_line(checkpoint_path(settings), cp)


# -- verification ---------------------------------------------------------------------------


def verify(
    session: Session, checkpoints: list[Checkpoint], public_key_hex: str | None = None
) -> ChainReport:
    """Check the chain and every checkpoint: signatures, truncation and rewritten records.

    ``public_key_hex`` pins the key checkpoints must be signed with (default: this log's key as
    recorded in the first checkpoint). Reports the missing range or the first bad record.
    """
    pinned = public_key_hex or (checkpoints[0].public_key if checkpoints else None)
    expected: dict[int, str] = {}
    newest = 0
    for cp in checkpoints:
        if cp.public_key != pinned or not _verify_sig(cp.public_key, cp.signature, cp.message()):
            return ChainReport(0, False, f"checkpoint of size {cp.size} has a bad signature")
        for i in range(cp.size - cp.previous_size):
            rid = cp.previous_size + 1 + i
            expected[rid] = cp.fingerprints[i * FINGERPRINT_HEX : (i + 1) * FINGERPRINT_HEX]
        newest = max(newest, cp.size)
    return _walk(session, expected, newest, checkpoints)


def _walk(
    session: Session, expected: dict[int, str], newest: int, checkpoints: list[Checkpoint]
) -> ChainReport:
    prev = GENESIS
    count = 0
    heads = {cp.size: cp.head for cp in checkpoints}
    for rec in _records(session, 0, MAX_ID):
        count += 1
        if rec.id != count:
            return ChainReport(count, False, f"record {count} is missing", count)
        print_ = expected.get(rec.id)
        if print_ is not None and rec.hash[:FINGERPRINT_HEX] != print_:
            return ChainReport(
                count,
                False,
                f"record {rec.id} was rewritten: its hash differs from the signed checkpoint",
                rec.id,
            )
        if rec.prev_hash != prev:
            return ChainReport(
                count, False, f"record {rec.id} does not follow its predecessor", rec.id
            )
        if record_hash(rec) != rec.hash:
            return ChainReport(count, False, f"record {rec.id} was altered", rec.id)
        if rec.id in heads and heads[rec.id] != rec.hash:
            return ChainReport(count, False, f"record {rec.id} differs from its checkpoint", rec.id)
        prev = rec.hash
    if count < newest:
        return ChainReport(
            count,
            False,
            f"records {count + 1} to {newest} are missing: the log was truncated "
            f"(a signed checkpoint covers {newest} records)",
            count + 1,
        )
    return ChainReport(count, True)


# -- witnesses ------------------------------------------------------------------------------


def witness_path(settings: Settings) -> Path:
    """Where this instance, as a witness, remembers the newest checkpoint of each log."""
    return settings.data_dir / "audit-witnessed.json"


def witness(settings: Settings, cp: Checkpoint) -> dict[str, str]:
    """Countersign another log's checkpoint, refusing one that contradicts what was seen.

    The checkpoint's own signature must verify; its size may not be below the largest size
    already witnessed for that log, and at an equal size its head must be the same (a log that
    shrinks or forks is refused with ``InvalidInput``). Returns the countersignature.
    """
    if not _verify_sig(cp.public_key, cp.signature, cp.message()):
        raise InvalidInput("the checkpoint's signature does not verify")
    if cp.origin != key_fingerprint(cp.public_key):
        raise InvalidInput("the checkpoint's origin is not its key's fingerprint")
    path = witness_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        text = f.read()
        seen: dict[str, Any] = json.loads(text) if text.strip() else {}
        known = seen.get(cp.origin)
        if known is not None:
            if cp.size < known["size"]:
                raise InvalidInput(
                    f"log {cp.origin} shrank: {cp.size} records, {known['size']} witnessed before"
                )
            if cp.size == known["size"] and cp.head != known["head"]:
                raise InvalidInput(f"log {cp.origin} forked at {cp.size} records")
        key = load_or_create_key(settings)
        cosignature = {
            "witness": key_fingerprint(public_hex(key)),
            "public_key": public_hex(key),
            "signature": _sign(key, cp.witness_message()),
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        seen[cp.origin] = {**cp.to_dict(), "cosignatures": [], "cosignature": cosignature}
        f.seek(0)
        f.truncate()
        f.write(json.dumps(seen, sort_keys=True))
    return cosignature


def witnessed(settings: Settings, origin: str) -> dict[str, Any] | None:
    """The newest checkpoint witnessed for log ``origin``, with the countersignature, or None."""
    try:
        seen: dict[str, Any] = json.loads(witness_path(settings).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return seen.get(origin)


def check_witnessed(
    session: Session,
    statement: Mapping[str, Any] | None,
    witness_key_hex: str,
    log_key_hex: str,
) -> ChainReport:
    """Check the log against the newest checkpoint a witness (pinned by its key) countersigned.

    Catches a truncated log even when the local checkpoint file was cut back with it.
    """
    if statement is None:
        return ChainReport(0, False, "the witness has no checkpoint of this log")
    cp = Checkpoint.from_dict({**statement, "cosignatures": []})
    cosig = statement.get("cosignature") or {}
    if cosig.get("public_key") != witness_key_hex or not _verify_sig(
        witness_key_hex, str(cosig.get("signature", "")), cp.witness_message()
    ):
        return ChainReport(0, False, "the witness's countersignature does not verify")
    if cp.public_key != log_key_hex or not _verify_sig(cp.public_key, cp.signature, cp.message()):
        return ChainReport(0, False, "the witnessed checkpoint is not signed by this log's key")
    size = session.scalar(select(func.max(AuditRecord.id))) or 0
    if size < cp.size:
        return ChainReport(
            size,
            False,
            f"records {size + 1} to {cp.size} are missing: the log was truncated "
            f"(the witness countersigned {cp.size} records)",
            size + 1,
        )
    head = session.scalar(select(AuditRecord.hash).where(AuditRecord.id == cp.size))
    if head != cp.head:
        return ChainReport(
            size, False, f"record {cp.size} differs from the witnessed head", cp.size
        )
    return ChainReport(size, True)
