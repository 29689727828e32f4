"""``NcmecReportSink``: a decided case filed with NCMEC's CyberTipline.

Steps, each stored before the next: ``submit`` (the report XML; its ``reportId`` kept) ->
``upload`` of each kept file from the evidence store (its ``fileId`` kept) -> ``fileinfo`` per
file -> ``finish`` (the receipt). Credentials per organisation from the secrets file, else from
``CHILDGUARD_NCMEC_URL``/``_USERNAME``/``_PASSWORD``. NCMEC drops unfinished reports 24 h after
opening or 1 h after the last change (whichever is later): ``expired`` notices, and the worker
starts again with a new generation.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from childguard.config import Settings
from childguard.errors import Conflict, NotConfigured
from childguard.evidence.store import mark_reported
from childguard.reports.errors import RemoteReportGone
from childguard.reports.exif import exif_of
from childguard.reports.ncmec_client import NcmecClient
from childguard.reports.ncmec_xml import Reporter, file_details_xml, report_xml
from childguard.reports.sink import ReportSink, StepLog, evidence_batches
from childguard.store.models import Report, utcnow

#: How long NCMEC keeps an unfinished report after opening it, and after its last change.
OPEN_FOR = timedelta(hours=24)
IDLE_FOR = timedelta(hours=1)
PURPOSE = "report:ncmec"


@dataclass(frozen=True)
class NcmecCredentials:
    """Where and as whom an organisation files, and its reporting person."""

    url: str
    username: str
    password: str
    contact_email: str
    contact_name: str


def _secrets(path: Path | None, org_name: str) -> dict[str, str]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotConfigured(
            f"CHILDGUARD_NCMEC_SECRETS_FILE names {path}, which does not exist"
        ) from None
    except ValueError:
        raise NotConfigured(f"CHILDGUARD_NCMEC_SECRETS_FILE ({path.name}) is not JSON") from None
    entry = data.get(org_name) or data.get("*") or {}
    return {str(k): str(v) for k, v in entry.items()} if isinstance(entry, dict) else {}


def credentials(settings: Settings, org_name: str) -> NcmecCredentials:
    """The organisation's CyberTipline credentials; ``NotConfigured`` names what is missing."""
    secret = _secrets(settings.ncmec_secrets_file, org_name)
    password = settings.ncmec_password.get_secret_value() if settings.ncmec_password else ""
    found = NcmecCredentials(
        url=secret.get("url") or settings.ncmec_url,
        username=secret.get("username") or settings.ncmec_username,
        password=secret.get("password") or password,
        contact_email=secret.get("contact_email") or settings.report_contact_email,
        contact_name=secret.get("contact_name") or settings.report_contact_name,
    )
    missing = [
        f"CHILDGUARD_NCMEC_{name.upper()}"
        for name in ("url", "username", "password")
        if not getattr(found, name)
    ]
    if not found.contact_email:
        missing.append("CHILDGUARD_REPORT_CONTACT_EMAIL")
    if missing:
        raise NotConfigured(
            f"NCMEC reporting is not configured for organisation {org_name!r}: set "
            + ", ".join(missing)
            + " (or give them in CHILDGUARD_NCMEC_SECRETS_FILE)"
        )
    return found


class NcmecReportSink(ReportSink):
    """Files with NCMEC's CyberTipline (``ncmec``)."""

    name = "ncmec"
    title = "NCMEC CyberTipline (United States)"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._clients: dict[tuple[str, str, str], NcmecClient] = {}
        self._lock = threading.Lock()

    def check_ready(self, org_name: str) -> None:
        """``NotConfigured`` unless the organisation has credentials and a contact."""
        credentials(self.settings, org_name)

    def client(self, creds: NcmecCredentials) -> NcmecClient:
        """A pooled client for these credentials (one per account)."""
        key = (creds.url, creds.username, creds.password)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = NcmecClient(
                    creds.url,
                    creds.username,
                    creds.password,
                    timeout=self.settings.ncmec_timeout_seconds,
                )
            return self._clients[key]

    def close(self) -> None:
        """Close every pooled client."""
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    def expired(self, report: Report, now: datetime) -> bool:
        """Whether NCMEC has dropped the unfinished report by now."""
        if not report.remote_id or report.remote_opened_at is None:
            return False
        changed = report.remote_changed_at or report.remote_opened_at
        return now > max(report.remote_opened_at + OPEN_FOR, changed + IDLE_FOR)

    def advance(self, log: StepLog) -> None:
        """Submit, upload and describe each file, finish: skipping the steps already done."""
        org = log.org()
        creds = credentials(self.settings, org.name)
        client = self.client(creds)
        facts = log.facts
        first, _, last = creds.contact_name.partition(" ")
        reporter = Reporter(creds.contact_email, first, last, org.display_name or org.name)
        remote_id = log.remote_id
        if not remote_id:
            answer = client.submit(report_xml(facts, reporter))
            now = utcnow()
            log.record(
                "submit",
                remote_id=answer.report_id,
                request_id=answer.request_id,
                response_code=answer.response_code,
                updates={
                    "remote_id": answer.report_id,
                    "remote_opened_at": now,
                    "remote_changed_at": now,
                    "status": "sending",
                },
            )
            remote_id = answer.report_id
        # The files still to upload are read (and their reads audited) a batch at a time.
        to_read: dict[int, int] = {}
        for media in facts.media:
            if media.evidence_id is not None and log.done("upload", media.sha256) is None:
                to_read.setdefault(media.evidence_id, media.size)
        batches = iter(evidence_batches(list(to_read.items())))
        loaded: dict[int, bytes] = {}
        for media in facts.media:
            if media.evidence_id is None:
                continue  # hashes only: described in the report, nothing to upload
            uploaded = log.done("upload", media.sha256)
            if uploaded is None:
                if media.evidence_id not in loaded:
                    loaded = log.read_evidence_many(next(batches), PURPOSE)
                data = loaded.pop(media.evidence_id)
                answer = client.upload(remote_id, media.filename or media.sha256, data)
                exif = exif_of(data) if media.exif_viewed else {}
                log.record(
                    "upload",
                    item=media.sha256,
                    remote_id=answer.file_id,
                    request_id=answer.request_id,
                    response_code=answer.response_code,
                    detail=json.dumps({"md5": answer.file_hash, "exif": exif}),
                    updates={"remote_changed_at": utcnow()},
                )
                file_id, exif_fields = answer.file_id, exif
            else:
                file_id = uploaded.remote_id
                exif_fields = json.loads(uploaded.detail or "{}").get("exif") or {}
            if log.done("fileinfo", media.sha256) is None:
                answer = client.fileinfo(file_details_xml(remote_id, file_id, media, exif_fields))
                log.record(
                    "fileinfo",
                    item=media.sha256,
                    remote_id=file_id,
                    request_id=answer.request_id,
                    response_code=answer.response_code,
                    updates={"remote_changed_at": utcnow()},
                )
        answer = client.finish(remote_id)
        kept = sorted({m.evidence_id for m in facts.media if m.evidence_id is not None})

        def mark(session: Session) -> None:
            for evidence_id in kept:
                try:
                    mark_reported(session, self.settings, log.org_id, evidence_id, actor=log.actor)
                except Conflict:
                    continue  # deleted since it was uploaded: there is no retention to extend

        log.record(
            "finish",
            remote_id=remote_id,
            request_id=answer.request_id,
            response_code=answer.response_code,
            detail=answer.description,
            updates={"status": "finished", "finished_at": utcnow()},
            also=mark,
        )

    def retract(self, log: StepLog, remote_id: str) -> None:
        """Retract the open report at NCMEC."""
        org = log.org()
        try:
            answer = self.client(credentials(self.settings, org.name)).retract(remote_id)
        except RemoteReportGone as gone:
            # NCMEC already dropped the unfinished report: nothing is left to withdraw.
            log.record(
                "retract",
                remote_id=remote_id,
                request_id=gone.request_id,
                response_code=gone.response_code,
                detail="the report had already expired at NCMEC",
            )
            return
        log.record(
            "retract",
            remote_id=remote_id,
            request_id=answer.request_id,
            response_code=answer.response_code,
        )
