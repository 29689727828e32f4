"""A local CyberTipline for development and tests: ``childguard dev fake-ncmec --port N``.

Serves ``/status``, ``/submit``, ``/upload``, ``/fileinfo``, ``/finish`` and ``/retract`` under
``/ispws`` (and at the root) like NCMEC's API: HTTP Basic auth, documents validated against the
project's schema, ``Request-ID`` on every answer, NCMEC's response codes, and unfinished reports
expiring (``expire_seconds`` after opening or ``idle_seconds`` after the last change, whichever
is later). Faults are injected by rules (``POST /_faults``): ``500`` (answer 500, nothing done),
``drop`` (do it, then close the connection without answering), ``timeout`` (wait ``delay``, then
do it and answer late) and ``hang`` (wait ``delay``, then close without doing anything); or at a
random ``rate``. ``GET /_state`` shows what it holds (reports, files, finish counts) so tests can
check that nothing was filed twice. Built on the standard library's HTTP server: a dev tool.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
import uuid
from base64 import b64decode
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from childguard.errors import InvalidInput
from childguard.reports.ncmec_xml import answer_xml, validate

ENDPOINTS = ("status", "submit", "upload", "fileinfo", "finish", "retract")
FAULT_KINDS = ("500", "drop", "timeout", "hang")


@dataclass
class FakeReport:
    """A report the fake holds."""

    id: str
    opened_at: float
    changed_at: float
    status: str = "open"
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    finish_calls: int = 0
    finished_times: int = 0
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class FaultRule:
    """Fail the next ``times`` calls of ``endpoint`` (``*`` for any) with ``kind``."""

    endpoint: str
    kind: str
    times: int = 1


class FakeCyberTipline:
    """The fake's state and rules; thread-safe. ``serve`` binds it to a port."""

    def __init__(
        self,
        username: str = "user",
        password: str = "pass",
        *,
        expire_seconds: float = 24 * 3600,
        idle_seconds: float = 3600,
        delay: float = 2.0,
        seed: int = 0,
    ) -> None:
        self.username = username
        self.password = password
        self.expire_seconds = expire_seconds
        self.idle_seconds = idle_seconds
        self.delay = delay
        self.rules: list[FaultRule] = []
        self.rate = 0.0
        self.rate_kinds: tuple[str, ...] = ("500", "drop", "timeout")
        self.reports: dict[str, FakeReport] = {}
        self.calls: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
        self.faults_injected: dict[str, int] = dict.fromkeys(FAULT_KINDS, 0)
        self._next_report = 1000
        self._next_file = 1
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    # -- control ---------------------------------------------------------------------------------

    def set_faults(self, spec: dict[str, Any]) -> None:
        """Replace the fault rules: ``{"rules": [{"endpoint", "kind", "times"}], "rate",
        "kinds", "delay"}``."""
        rules = []
        for raw in spec.get("rules") or []:
            rule = FaultRule(str(raw["endpoint"]), str(raw["kind"]), int(raw.get("times", 1)))
            if rule.kind not in FAULT_KINDS:
                raise InvalidInput(f"unknown fault kind {rule.kind!r}; kinds: {FAULT_KINDS}")
            rules.append(rule)
        with self._lock:
            self.rules = rules
            self.rate = float(spec.get("rate", 0.0))
            self.rate_kinds = tuple(spec.get("kinds") or self.rate_kinds)
            if "delay" in spec:
                self.delay = float(spec["delay"])

    def expire(self, report_id: str) -> None:
        """Make an open report expire now (as if a day had passed)."""
        with self._lock:
            report = self.reports.get(report_id)
            if report is not None:
                report.opened_at = report.changed_at = 0.0

    def state(self) -> dict[str, Any]:
        """Everything the fake holds, as JSON."""
        with self._lock:
            return {
                "calls": dict(self.calls),
                "faults_injected": dict(self.faults_injected),
                "reports": {
                    rid: {
                        "status": self._status(r),
                        "files": r.files,
                        "finish_calls": r.finish_calls,
                        "finished_times": r.finished_times,
                        "summary": r.summary,
                    }
                    for rid, r in self.reports.items()
                },
            }

    def _status(self, report: FakeReport) -> str:
        if report.status == "open":
            deadline = max(
                report.opened_at + self.expire_seconds, report.changed_at + self.idle_seconds
            )
            if time.time() > deadline:
                return "expired"
        return report.status

    def pick_fault(self, endpoint: str) -> str | None:
        """The fault to inject into this call, if any (rules first, then the random rate)."""
        with self._lock:
            for rule in self.rules:
                if rule.times > 0 and rule.endpoint in (endpoint, "*"):
                    rule.times -= 1
                    self.faults_injected[rule.kind] += 1
                    return rule.kind
            if self.rate and endpoint != "status" and self._random.random() < self.rate:
                kind = self._random.choice(self.rate_kinds)
                self.faults_injected[kind] += 1
                return kind
        return None

    # -- the API -----------------------------------------------------------------------------------

    def authorised(self, header: str) -> bool:
        """Whether ``Authorization`` carries the fake's Basic credentials."""
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.username and password == self.password

    def handle(self, endpoint: str, content_type: str, body: bytes) -> tuple[int, bytes]:
        """Do one call; returns the HTTP status and the XML answer."""
        with self._lock:
            self.calls[endpoint] += 1
        if endpoint == "status":
            return 200, answer_xml("reportResponse", 0, "Success")
        if endpoint in ("submit", "fileinfo"):
            try:
                root = validate(body)
            except InvalidInput as exc:
                code = 4110 if "malformed" in exc.message else 4100
                return 400, answer_xml("reportResponse", code, exc.message[:300])
            if endpoint == "submit":
                return self._submit(
                    {
                        "incident_type": root.findtext("incidentSummary/incidentType"),
                        "victims": len(root.findall("victim")),
                        "chats": len(root.findall("internetDetails/chatImIncident")),
                        "reporter_email": root.findtext("reporter/reportingPerson/email"),
                    }
                )
            return self._fileinfo(
                root.findtext("reportId") or "",
                root.findtext("fileId") or "",
                {
                    "viewed": root.findtext("fileViewedByEsp"),
                    "exif_viewed": root.findtext("exifViewedByEsp"),
                    "classification": root.findtext("industryClassification"),
                    "name": root.findtext("originalFileName"),
                },
            )
        form, upload = _form(content_type, body)
        report_id = form.get("id", "")
        if endpoint == "upload":
            return self._upload(report_id, upload)
        return self._close(report_id, endpoint)

    def _submit(self, summary: dict[str, Any]) -> tuple[int, bytes]:
        with self._lock:
            self._next_report += 1
            rid = str(self._next_report)
            now = time.time()
            self.reports[rid] = FakeReport(rid, now, now, summary=summary)
        return 200, answer_xml("reportResponse", 0, "Success", reportId=rid)

    def _open(self, report_id: str) -> FakeReport | tuple[int, bytes]:
        report = self.reports.get(report_id)
        if report is None or self._status(report) == "expired":
            return 200, answer_xml("reportResponse", 5001, "Report does not exist")
        if report.status == "retracted":
            return 200, answer_xml("reportResponse", 5101, "Report already retracted")
        if report.status == "finished":
            return 200, answer_xml("reportResponse", 5102, "Report already finished")
        return report

    def _upload(self, report_id: str, upload: tuple[str, bytes] | None) -> tuple[int, bytes]:
        if upload is None:
            return 400, answer_xml("reportResponse", 4200, "Malformed file submittal")
        with self._lock:
            report = self._open(report_id)
            if not isinstance(report, FakeReport):
                return report
            file_id = f"f{self._next_file}"
            self._next_file += 1
            name, data = upload
            md5 = hashlib.md5(data).hexdigest()
            report.files[file_id] = {
                "name": name,
                "md5": md5,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "fileinfo": 0,
            }
            report.changed_at = time.time()
        return 200, answer_xml(
            "reportResponse", 0, "Success", reportId=report_id, fileId=file_id, hash=md5
        )

    def _fileinfo(
        self, report_id: str, file_id: str, described: dict[str, str | None]
    ) -> tuple[int, bytes]:
        with self._lock:
            report = self._open(report_id)
            if not isinstance(report, FakeReport):
                return report
            if file_id not in report.files:
                return 200, answer_xml("reportResponse", 5002, "File does not exist")
            report.files[file_id]["fileinfo"] += 1
            report.files[file_id]["described"] = described
            report.changed_at = time.time()
        return 200, answer_xml("reportResponse", 0, "Success", reportId=report_id)

    def _close(self, report_id: str, endpoint: str) -> tuple[int, bytes]:
        tag = "reportDoneResponse" if endpoint == "finish" else "reportResponse"
        with self._lock:
            report = self._open(report_id)
            if endpoint == "finish" and report_id in self.reports:
                self.reports[report_id].finish_calls += 1
            if not isinstance(report, FakeReport):
                status, body = report
                return status, body.replace(b"reportResponse", tag.encode())
            if endpoint == "finish":
                report.status = "finished"
                report.finished_times += 1
                return 200, answer_xml(
                    tag, 0, "Success", reportId=report_id, files=list(report.files)
                )
            report.status = "retracted"
        return 200, answer_xml(tag, 0, "Success", reportId=report_id)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
        """A server bound to ``host:port`` (0: any free port); call ``serve_forever`` on it."""
        server = ThreadingHTTPServer((host, port), _handler_for(self))
        server.daemon_threads = True
        return server


_PARAM_RE = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))')


def _params(header: str) -> dict[str, str]:
    """The ``name=value`` parameters of a header such as Content-Disposition (lower-case names;
    quoted values unescaped as HTML forms escape them)."""
    out: dict[str, str] = {}
    for match in _PARAM_RE.finditer(header):
        quoted, bare = match.group(2), match.group(3)
        value = bare if quoted is None else re.sub(r"\\(.)", r"\1", quoted)
        out[match.group(1).lower()] = value.replace("%22", '"')
    return out


def _form(content_type: str, body: bytes) -> tuple[dict[str, str], tuple[str, bytes] | None]:
    """Fields and the uploaded file of a urlencoded or multipart body.

    Multipart is split on its boundary directly (the standard library's e-mail parser took
    most of the fake's time per upload, which made it the bottleneck of the report bench).
    """
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(body.decode("latin-1")).items()}, None
    if not content_type.startswith("multipart/form-data"):
        return {}, None
    boundary = _params(content_type).get("boundary", "")
    if not boundary:
        return {}, None
    fields: dict[str, str] = {}
    upload = None
    for part in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break  # the closing delimiter
        head, sep, payload = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            continue
        payload = payload.removesuffix(b"\r\n")
        disposition = ""
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                disposition = value
        params = _params(disposition)
        if "filename" in params:
            upload = (params["filename"], payload)
        elif "name" in params:
            fields[params["name"]] = payload.decode()
    return fields, upload


def _handler_for(fake: FakeCyberTipline) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: without this, delayed ACKs add ~40 ms.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the fake logs nothing (bodies may be evidence)."""

        def _send(self, status: int, body: bytes, content_type: str = "text/xml") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Request-ID", uuid.uuid4().hex)
            self.end_headers()
            self.wfile.write(body)

        def _endpoint(self) -> str:
            path = self.path.split("?", 1)[0].rstrip("/")
            return path.removeprefix("/ispws").lstrip("/")

        def do_GET(self) -> None:
            endpoint = self._endpoint()
            if endpoint == "_state":
                self._send(200, json.dumps(fake.state()).encode(), "application/json")
            elif endpoint == "status" and fake.authorised(self.headers.get("Authorization", "")):
                self._send(*fake.handle("status", "", b""))
            elif endpoint == "status":
                self._send(401, answer_xml("reportResponse", 2000, "Authentication required"))
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            endpoint = self._endpoint()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if endpoint.startswith("_"):
                self._control(endpoint, body)
                return
            if endpoint not in ENDPOINTS:
                self._send(404, b"not found", "text/plain")
                return
            if not fake.authorised(self.headers.get("Authorization", "")):
                self._send(401, answer_xml("reportResponse", 2000, "Authentication required"))
                return
            fault = fake.pick_fault(endpoint)
            if fault == "500":
                self._send(500, answer_xml("reportResponse", 1000, "Server error"))
                return
            if fault in ("timeout", "hang"):
                time.sleep(fake.delay)
            if fault == "hang":
                self.close_connection = True
                return
            status, answer = fake.handle(endpoint, self.headers.get("Content-Type", ""), body)
            if fault == "drop":
                self.close_connection = True
                return
            try:
                self._send(status, answer)
            except OSError:
                self.close_connection = True

        def _control(self, endpoint: str, body: bytes) -> None:
            spec = json.loads(body or b"{}")
            try:
                if endpoint == "_faults":
                    fake.set_faults(spec)
                elif endpoint == "_expire":
                    fake.expire(str(spec.get("report_id", "")))
                else:
                    self._send(404, b"not found", "text/plain")
                    return
            except (InvalidInput, KeyError, ValueError) as exc:
                self._send(400, str(exc).encode(), "text/plain")
                return
            self._send(200, b"{}", "application/json")

    return Handler
