"""One error hierarchy for the whole product.

Every error carries a stable machine code, an HTTP status and a CLI exit code, so the API renders
``{"error": {"code", "message"}}`` and the CLI prints the message and exits with the code, from the
same exception. Messages say what to fix and never contain media or message bodies.
"""

from __future__ import annotations

import math
from typing import ClassVar


class ChildguardError(Exception):
    """Base of all errors childguard raises on purpose.

    ``code`` is a stable snake_case identifier, ``http_status`` the status the API answers with,
    ``exit_code`` the CLI's exit status.
    """

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """The error as the API and ``--json`` outputs render it."""
        return {"code": self.code, "message": self.message}


class InvalidInput(ChildguardError):
    """The caller sent something malformed; the message names the offending value."""

    code = "invalid_input"
    http_status = 400
    exit_code = 2


class HashingError(InvalidInput):
    """A file could not be hashed (truncated, corrupt, unreadable content)."""

    code = "hashing_error"
    http_status = 422


class UnsupportedMedia(InvalidInput):
    """The content type is not one childguard can hash for the requested signal."""

    code = "unsupported_media"
    http_status = 415


class TooLarge(InvalidInput):
    """Input over a configured limit (bytes, pixels, video seconds)."""

    code = "too_large"
    http_status = 413


class NotFound(ChildguardError):
    """A named thing (bank, entry, file, key) does not exist or is not visible to the caller."""

    code = "not_found"
    http_status = 404
    exit_code = 4


class Conflict(ChildguardError):
    """The change conflicts with what is stored (for example a bank name already taken)."""

    code = "conflict"
    http_status = 409
    exit_code = 6


class PermissionDenied(ChildguardError):
    """The caller may not do this (role, organisation or file-system permission)."""

    code = "permission_denied"
    http_status = 403
    exit_code = 5


class Unauthenticated(ChildguardError):
    """No valid credentials were presented."""

    code = "unauthenticated"
    http_status = 401
    exit_code = 5


class ConfigurationError(ChildguardError):
    """Settings or plugins are inconsistent; raised at start-up, never per request."""

    code = "configuration_error"
    http_status = 500
    exit_code = 3


class NotConfigured(ChildguardError):
    """A feature needs settings that are missing (e.g. a hotline's credentials); the message
    names the settings to set. Not the caller's fault, so not a 4xx; never a traceback."""

    code = "not_configured"
    http_status = 503
    exit_code = 3


class StorageError(ChildguardError):
    """The database or data directory cannot be used (system error, not bad input)."""

    code = "storage_error"
    http_status = 503
    exit_code = 3


class EvidenceDamaged(StorageError):
    """Stored evidence failed its integrity check: tampered with, moved, damaged or missing.

    A fault of the storage, not of the request; the message names the item, never its content.
    """

    code = "evidence_damaged"
    http_status = 500


class ServiceUnavailable(ChildguardError):
    """A service the command depends on (a Dask scheduler, an object store) went away."""

    code = "service_unavailable"
    http_status = 503
    exit_code = 3


class NoBanks(ChildguardError):
    """A scan would look in no bank at all, so nothing could match: a silent miss, refused."""

    code = "no_banks"
    http_status = 409
    exit_code = 7


class RateLimited(ChildguardError):
    """Too many requests (or failed authentications) in the current window; retry later.

    ``retry_after`` is the number of seconds after which a retry may succeed (the API sends it
    as the ``Retry-After`` header).
    """

    code = "rate_limited"
    http_status = 429
    exit_code = 7

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


class Busy(ChildguardError):
    """The server is at capacity for this kind of work (e.g. the image decoding budget).

    Answered 503 with ``Retry-After``; nothing about the request was wrong.
    """

    code = "busy"
    http_status = 503
    exit_code = 3

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


def retry_after(exc: ChildguardError) -> int | None:
    """Seconds to wait before retrying after ``exc``, when it says so."""
    value = getattr(exc, "retry_after", None)
    return value if isinstance(value, int) else None
