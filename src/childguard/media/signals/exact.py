"""Exact cryptographic hashes of a file's bytes: ``md5`` and ``sha256``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import ClassVar

from childguard.config import Settings
from childguard.errors import HashingError, InvalidInput
from childguard.media.index.exact import ExactIndex
from childguard.media.signals.base import (
    ContentKind,
    HashResult,
    LookupHash,
    MediaFile,
    SignalIndex,
    SignalType,
)

_CHUNK = 1 << 20
_HEX_DIGITS = re.compile(r"[0-9a-f]*")


def file_digests(media: MediaFile, names: tuple[str, ...] = ("md5", "sha256")) -> dict[str, str]:
    """Hex digests of the file for each hashlib algorithm in ``names``, reading it once."""
    hashers = {name: hashlib.new(name) for name in names}
    if media.data is not None:
        for h in hashers.values():
            h.update(media.data)
        return {name: h.hexdigest() for name, h in hashers.items()}
    try:
        with media.path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                for h in hashers.values():
                    h.update(chunk)
    except OSError as exc:
        raise HashingError(f"cannot read {media.path.name}: {exc.strerror or exc}") from exc
    return {name: h.hexdigest() for name, h in hashers.items()}


class _ExactSignal(SignalType):
    """A hashlib digest of the whole file; matches only on equality."""

    algorithm: ClassVar[str]
    hex_length: ClassVar[int]
    content_kinds = frozenset({ContentKind.PHOTO, ContentKind.VIDEO, ContentKind.OTHER})

    @classmethod
    def validate(cls, value: str) -> str:
        canon = value.strip().lower()
        # Compiled once: feed pages and bank imports validate millions of values.
        if len(canon) != cls.hex_length or not _HEX_DIGITS.fullmatch(canon):
            raise InvalidInput(
                f"{value[:80]!r} is not a {cls.name} hash: expected {cls.hex_length} hex digits"
            )
        return canon

    @classmethod
    def all_canonical(cls, values: Sequence[str]) -> bool:
        """Every value is ``hex_length`` lowercase hex digits: one length set and one regex
        pass over the values joined (a feed page validates 50,000 at once)."""
        return set(map(len, values)) <= {cls.hex_length} and bool(
            _HEX_DIGITS.fullmatch("".join(values))
        )

    def hash_file(self, media: MediaFile, settings: Settings) -> HashResult:
        digest = file_digests(media, (self.algorithm,))[self.algorithm]
        return HashResult(self.name, digest, lookups=(LookupHash(digest),))

    @classmethod
    def index_class(cls) -> type[SignalIndex]:
        return ExactIndex


class Md5Signal(_ExactSignal):
    """MD5 of the file bytes (legacy lists such as older NCMEC and IWF exports)."""

    name = "md5"
    algorithm = "md5"
    hex_length = 32

    @classmethod
    def examples(cls) -> list[str]:
        return ["d41d8cd98f00b204e9800998ecf8427e"]


class Sha256Signal(_ExactSignal):
    """SHA-256 of the file bytes."""

    name = "sha256"
    algorithm = "sha256"
    hex_length = 64

    @classmethod
    def examples(cls) -> list[str]:
        return ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]
