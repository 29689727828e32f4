"""What intake works with: a detection's subject, a matched file, and where it went."""

from __future__ import annotations

from dataclasses import dataclass, field

#: PostgreSQL advisory lock class serialising intake within an organisation.
INTAKE_LOCK = 727275
EVIDENCE_KEPT = "original kept in the encrypted evidence store"
EVIDENCE_OFF = "hashes only: the evidence store is off for this organisation"


@dataclass(frozen=True)
class Subject:
    """The platform's opaque identifiers sent with a detection, and who found it."""

    content_id: str | None = None
    user_id: str | None = None
    conversation_id: str | None = None
    user_report: bool = False


@dataclass
class MediaIn:
    """A matched file as a case keeps it: hashes and matches, never the bytes."""

    sha256: str
    md5: str = ""
    pdq: str = ""
    filename: str = ""
    mime: str = ""
    size: int = 0
    signals: dict[str, object] = field(default_factory=dict)
    matches: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class IntakeResult:
    """The case a detection went to; ``opened`` when it made the case, ``replayed`` when an
    ``Idempotency-Key`` had been seen and nothing changed."""

    case_id: int
    opened: bool = False
    replayed: bool = False


def subject_keys(subject: Subject, sha256: str | None = None) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    if sha256:
        keys.append(("sha256", sha256))
    if subject.conversation_id:
        keys.append(("conversation", subject.conversation_id))
    if subject.user_id:
        keys.append(("user", subject.user_id))
    return keys
