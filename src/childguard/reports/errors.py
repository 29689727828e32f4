"""Errors of report sinks: a hotline out of reach (retried) and a hotline's refusal (not)."""

from __future__ import annotations

from childguard.errors import ChildguardError


class SinkUnavailable(ChildguardError):
    """The hotline timed out, dropped the connection or answered 5xx: retried with backoff."""

    code = "sink_unavailable"
    http_status = 502
    exit_code = 7

    def __init__(self, message: str, request_id: str = "") -> None:
        super().__init__(message)
        self.request_id = request_id


class SinkRefused(ChildguardError):
    """The hotline refused a step (4xx, or a non-zero ``responseCode``): not retried.

    ``response_code`` is the hotline's own code (NCMEC's ``responseCode``), ``status`` the
    HTTP status. The report waits in the ``error`` state for a person.
    """

    code = "sink_refused"
    http_status = 502
    exit_code = 7

    def __init__(
        self, message: str, *, response_code: int | None, status: int, request_id: str = ""
    ) -> None:
        super().__init__(message)
        self.response_code = response_code
        self.status = status
        self.request_id = request_id

    @property
    def reason(self) -> str:
        """A short label for metrics: ``auth``, ``validation`` or ``refused``."""
        if self.status in (401, 403) or self.response_code in (2000, 3000, 3100, 3300):
            return "auth"
        if self.response_code in (4000, 4100, 4110, 4200):
            return "validation"
        return "refused"


class RemoteReportGone(SinkRefused):
    """The hotline no longer knows the report (expired unfinished, NCMEC code 5001)."""

    code = "remote_report_gone"
