"""The raw CyberTipline HTTP client: one method per documented endpoint, nothing about cases.

HTTP Basic auth on every call; each answer's ``Request-ID`` header is kept. Timeouts, dropped
connections and 5xx become ``SinkUnavailable`` (the caller retries with backoff); 4xx answers
and non-zero ``responseCode`` become ``SinkRefused`` with NCMEC's code and description, and code
5001 (report does not exist: expired) ``RemoteReportGone``. Already-finished (5102) and
already-retracted (5101) are returned, not raised, so a repeated call is harmless.
"""

from __future__ import annotations

import socket

import httpx2

from childguard.reports.errors import RemoteReportGone, SinkRefused, SinkUnavailable
from childguard.reports.ncmec_xml import NcmecAnswer, parse_answer

ALREADY_RETRACTED = 5101
ALREADY_FINISHED = 5102
REPORT_DOES_NOT_EXIST = 5001
#: Codes that are an answer to a repeated call, not a failure.
IDEMPOTENT_CODES = frozenset({ALREADY_RETRACTED, ALREADY_FINISHED})
XML = {"Content-Type": "text/xml; charset=utf-8"}


class NcmecClient:
    """A pooled client for one CyberTipline base URL (``.../ispws``) and one account."""

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 60.0,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx2.Client(
            base_url=self.base_url,
            auth=httpx2.BasicAuth(username, password),
            timeout=timeout,
            follow_redirects=False,
            # Request headers and body are separate writes: without TCP_NODELAY each call can
            # wait for a delayed ACK (~40 ms).
            transport=transport
            or httpx2.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]),
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    def __enter__(self) -> NcmecClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, step: str, **request: object) -> NcmecAnswer:
        try:
            response = self._client.post(f"/{step}", **request)  # type: ignore[arg-type]
        except httpx2.TimeoutException:
            raise SinkUnavailable(f"CyberTipline {step}: timed out") from None
        except httpx2.HTTPError as exc:
            raise SinkUnavailable(f"CyberTipline {step}: {type(exc).__name__}") from None
        request_id = response.headers.get("Request-ID", "")
        if response.status_code >= 500 or response.status_code == 429:
            raise SinkUnavailable(
                f"CyberTipline {step}: HTTP {response.status_code}", request_id=request_id
            )
        if response.status_code >= 400:
            code = _code_of(response.content)
            raise SinkRefused(
                f"CyberTipline {step} refused: HTTP {response.status_code}"
                + (f", responseCode {code.response_code} {code.description}" if code else ""),
                response_code=code.response_code if code else None,
                status=response.status_code,
                request_id=request_id,
            )
        try:
            answer = parse_answer(response.content, request_id)
        except Exception:
            raise SinkUnavailable(
                f"CyberTipline {step}: unreadable answer", request_id=request_id
            ) from None
        if answer.response_code == 0 or answer.response_code in IDEMPOTENT_CODES:
            return answer
        error = RemoteReportGone if answer.response_code == REPORT_DOES_NOT_EXIST else SinkRefused
        raise error(
            f"CyberTipline {step} refused: responseCode {answer.response_code} "
            f"{answer.description}".strip(),
            response_code=answer.response_code,
            status=response.status_code,
            request_id=request_id,
        )

    def submit(self, report_xml: bytes) -> NcmecAnswer:
        """Open a report (``POST /submit``); the answer carries its ``reportId``."""
        return self._call("submit", content=report_xml, headers=XML)

    def upload(self, report_id: str, filename: str, data: bytes) -> NcmecAnswer:
        """Upload one file to an open report; the answer carries ``fileId`` and the MD5."""
        return self._call(
            "upload",
            data={"id": report_id},
            files={"file": (filename or "file", data, "application/octet-stream")},
        )

    def fileinfo(self, file_details_xml: bytes) -> NcmecAnswer:
        """Describe one uploaded file (``POST /fileinfo``)."""
        return self._call("fileinfo", content=file_details_xml, headers=XML)

    def finish(self, report_id: str) -> NcmecAnswer:
        """Finish a report: irreversible, the answer is the legal receipt."""
        return self._call("finish", data={"id": report_id})

    def retract(self, report_id: str) -> NcmecAnswer:
        """Retract an unfinished report."""
        return self._call("retract", data={"id": report_id})


def _code_of(body: bytes) -> NcmecAnswer | None:
    try:
        return parse_answer(body)
    except Exception:
        return None
