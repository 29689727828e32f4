"""The ``SignalType`` and ``SignalIndex`` plugin shapes.

A signal type knows which content kinds it hashes, how to hash a file, how to validate and compare
hash strings, and which index class serves lookups. Shapes follow python-threatexchange's
``SignalType`` (ideas only).
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, ClassVar

from childguard.config import Settings


class ContentKind(StrEnum):
    """Broad kind of a file, decided from its sniffed bytes."""

    PHOTO = "photo"
    VIDEO = "video"
    OTHER = "other"


@dataclass(frozen=True)
class MediaFile:
    """A file with its sniffed MIME type and kind, on disk or (``data`` set) held in memory.

    When ``data`` is set it is the whole content and ``path`` only names the file in messages;
    signals must read ``data`` rather than the path (``open`` does the right thing).
    """

    path: Path
    mime: str
    kind: ContentKind
    size: int
    data: bytes | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The file name used in messages."""
        return self.path.name

    def open(self) -> BinaryIO:
        """A binary stream of the content (memory or disk); the caller closes it."""
        if self.data is not None:
            return io.BytesIO(self.data)
        return self.path.open("rb")


@dataclass(frozen=True)
class LookupHash:
    """One hash to look up for a file, and the transform of the file that produced it.

    ``transform`` is ``"original"`` for the stored pixels, ``"exif-upright"`` for the
    EXIF-rotated image, or a dihedral name such as ``"rotate-90"`` or ``"flip-x"``.
    """

    value: str
    transform: str = "original"
    quality: int | None = None


@dataclass(frozen=True)
class HashResult:
    """A file's hash for one signal type.

    ``value`` is the canonical hash (what ``childguard hash`` prints and a bank stores);
    ``lookups`` are every hash to search for when matching, the canonical one first;
    ``usable`` is False when quality is too low for matching.
    """

    signal_type: str
    value: str
    quality: int | None = None
    usable: bool = True
    lookups: tuple[LookupHash, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)

    def to_public(self) -> object:
        """The JSON form used by the CLI and the API: a bare string for exact hashes."""
        if self.quality is None and not self.extra:
            return self.value
        out: dict[str, object] = {"hash": self.value}
        if self.quality is not None:
            out["quality"] = self.quality
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class IndexMatch:
    """An index hit: the id the caller stored and its distance to the query (0 for exact).

    ``detail`` carries signal-specific evidence, e.g. vPDQ's matched-frame percentages.
    """

    entry_id: int
    distance: int
    detail: dict[str, float] | None = None


class SignalIndex(ABC):
    """An index from hash strings to integer entry ids.

    Contract: ``query`` returns every stored id within ``max_distance`` of the query and none
    beyond it. Indexes persist with ``save``/``load`` in a documented, non-pickle format.
    """

    @classmethod
    @abstractmethod
    def build(cls, entries: Iterable[tuple[str, int]]) -> SignalIndex:
        """Make an index holding ``(hash, entry_id)`` pairs."""

    @abstractmethod
    def add(self, value: str, entry_id: int) -> None:
        """Add one entry; visible to the next query."""

    def add_new(self, values: Sequence[str], entry_ids: Sequence[int]) -> None:
        """Add many entries the index does not hold yet (a bank's bulk add); indexes override
        this with a vectorised version."""
        for value, entry_id in zip(values, entry_ids, strict=True):
            self.add(value, entry_id)

    @abstractmethod
    def remove(self, entry_id: int) -> None:
        """Remove every hash stored under ``entry_id``; unknown ids are ignored."""

    @abstractmethod
    def query(self, value: str, max_distance: int) -> list[IndexMatch]:
        """Every stored entry within ``max_distance`` of ``value``."""

    def query_many(self, values: Sequence[str], max_distance: int) -> list[list[IndexMatch]]:
        """``query`` for each value; indexes override this with a vectorised version."""
        return [self.query(v, max_distance) for v in values]

    @abstractmethod
    def __len__(self) -> int:
        """Number of entries held."""

    @abstractmethod
    def save(self, path: Path) -> None:
        """Write the index to ``path`` atomically."""

    @classmethod
    @abstractmethod
    def load(cls, path: Path) -> SignalIndex:
        """Read an index written by ``save``; raises ``StorageError`` when it is corrupt."""


class SignalType(ABC):
    """A kind of hash: its name, the content it applies to, hashing, validation and comparison."""

    name: ClassVar[str]
    content_kinds: ClassVar[frozenset[ContentKind]]
    #: Largest distance that can count as a match; 0 for exact hashes.
    default_threshold: ClassVar[int] = 0

    @classmethod
    @abstractmethod
    def validate(cls, value: str) -> str:
        """Return the canonical form of ``value`` or raise ``InvalidInput`` naming it."""

    @classmethod
    def all_canonical(cls, values: Sequence[str]) -> bool:
        """Whether every one of ``values`` is valid and already canonical (``validate`` would
        return it unchanged), checked in bulk; False when unsure, for the caller to
        ``validate`` them one by one. The default is always unsure."""
        return False

    @abstractmethod
    def hash_file(self, media: MediaFile, settings: Settings) -> HashResult:
        """Hash ``media``; raise ``HashingError`` (never return an empty hash) when it cannot."""

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """Distance between two canonical hashes (0 or 1 for exact signals)."""
        return 0 if a == b else 1

    @classmethod
    @abstractmethod
    def index_class(cls) -> type[SignalIndex]:
        """The index class that serves lookups for this signal."""

    @classmethod
    def examples(cls) -> list[str]:
        """A few valid hash strings, for docs and tests."""
        return []

    def applies_to(self, media: MediaFile) -> bool:
        """Whether this signal hashes ``media``."""
        return media.kind in self.content_kinds
