"""Errors of the exchange: a refused page and an unreachable partner."""

from __future__ import annotations

from childguard.errors import ChildguardError


class PageRefused(ChildguardError):
    """A feed page failed an integrity check (signature, cursor, replay, malformed change).

    Nothing of the page was applied.
    """

    code = "page_refused"
    http_status = 502
    exit_code = 7


class PartnerUnavailable(ChildguardError):
    """The other side is down, timed out or answered with an error; retried with backoff."""

    code = "partner_unavailable"
    http_status = 502
    exit_code = 7
