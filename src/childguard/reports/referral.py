"""The Cambodian referral: a signed package for APLE's Internet Hotline and the police.

``KhReferralSink`` (``kh_referral``) builds a zip (``package``) with ``referral.pdf`` (Khmer and
English), ``referral.json`` (the same facts for machines), ``manifest.json`` (every file's
SHA-256, the organisation and its public key) and ``manifest.sig`` (Ed25519 signature of
``manifest.json`` with the organisation's key), then delivers it (``deliver``): by e-mail when
``CHILDGUARD_KH_REFERRAL_EMAIL_TO`` is set, otherwise it waits for download (API, console). No
imagery goes in the package: hashes and match details only. ``verify_package`` checks a package.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from childguard import orgkeys
from childguard.errors import InvalidInput, NotFound
from childguard.reports.exif import exif_of
from childguard.reports.facts import CaseReportFacts, e164
from childguard.reports.referral_pdf import render_pdf
from childguard.reports.sink import ReportSink, StepLog
from childguard.reports.smtp import send_package
from childguard.store.models import AuditRecord, CaseEvent, Org, utcnow

PURPOSE = "report:kh_referral"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
#: Entity types investigators get, in the order the package lists them.
ENTITY_TYPES = ("phone", "handle", "payment", "place", "url", "age")


def package_path(settings_data_dir: Path, report_id: int) -> Path:
    """Where a report's package is kept."""
    return settings_data_dir / "reports" / f"referral-{report_id}.zip"


def entities(facts: CaseReportFacts, gps: list[dict[str, str]]) -> dict[str, list[dict[str, Any]]]:
    """Entities for investigators by type: phones in E.164, handles, payment ids, places, GPS."""
    out: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in ENTITY_TYPES}
    for conv in facts.conversations:
        for entity in conv.entities:
            kind = str(entity.get("type", ""))
            value = str(entity.get("value", ""))
            if kind not in out or not value:
                continue
            if kind == "phone":
                value = e164(value)
            detail = {k: v for k, v in entity.items() if k not in ("type", "value", "message")}
            out[kind].setdefault(value, {"value": value, **detail})
    result = {kind: list(values.values()) for kind, values in out.items()}
    result["gps"] = list(gps)
    return result


def timeline(session: Session, case_id: int) -> list[dict[str, Any]]:
    """The case's history: when, who, what (no notes, no content)."""
    return [
        {"at": e.at.isoformat(), "actor": e.actor, "action": e.action}
        for e in session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
    ]


def custody(session: Session, facts: CaseReportFacts) -> list[dict[str, Any]]:
    """Chain of custody: every audited action on the case and its evidence, with record hashes."""
    targets = [f"case:{facts.case_id}"] + [
        f"evidence:{m.evidence_id}" for m in facts.media if m.evidence_id is not None
    ]
    rows = session.scalars(
        select(AuditRecord).where(or_(AuditRecord.target.in_(targets))).order_by(AuditRecord.id)
    )
    out = []
    for rec in rows:
        details = json.loads(rec.details)
        out.append(
            {
                "record": rec.id,
                "at": rec.at.isoformat(),
                "actor": rec.actor,
                "action": rec.action,
                "target": rec.target,
                "purpose": details.get("purpose"),
                "hash": rec.hash,
            }
        )
    return out


def referral_document(
    session: Session, facts: CaseReportFacts, gps: list[dict[str, str]], report_id: int
) -> dict[str, Any]:
    """Everything the package says, as data (``referral.json``; the PDF renders it)."""
    return {
        "report_id": report_id,
        "created_at": utcnow().isoformat(),
        "organisation": facts.org_display_name,
        "case": {
            "id": facts.case_id,
            "labels": facts.labels,
            "found_by": facts.source,
            "policy": facts.policy,
            "decision_id": facts.decision_id,
            "decided_by": facts.decided_by,
            "confirmed_by": facts.confirmed_by,
            "decided_at": facts.decided_at.isoformat() if facts.decided_at else None,
            "opened_at": facts.opened_at.isoformat(),
            "reported_user": facts.user_id,
        },
        "media": [
            {
                "sha256": m.sha256,
                "md5": m.md5,
                "size": m.size,
                "classification": m.classification,
                "viewed_by_a_person": m.viewed,
                "matches": [
                    {
                        "bank": x.get("bank"),
                        "signal_type": x.get("signal_type"),
                        "distance": x.get("distance"),
                        "classification": x.get("classification"),
                    }
                    for x in m.matches
                ],
            }
            for m in facts.media
        ],
        "conversations": [
            {
                "conversation_id": c.conversation_id,
                "languages": c.languages,
                "risk": c.risk,
                "messages": len(c.messages),
            }
            for c in facts.conversations
        ],
        "entities": entities(facts, gps),
        "timeline": timeline(session, facts.case_id),
        "custody": custody(session, facts),
    }


def build_package(
    files: dict[str, bytes], org: str, public_key: str, fingerprint: str, sign: Any
) -> bytes:
    """A zip of ``files`` plus a manifest of their SHA-256s signed by ``sign(bytes) -> bytes``."""
    manifest = {
        "format": "childguard-referral/1",
        "organisation": org,
        "public_key": public_key,
        "fingerprint": fingerprint,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
        zf.writestr(MANIFEST, manifest_bytes)
        zf.writestr(SIGNATURE, sign(manifest_bytes).hex())
    return buffer.getvalue()


@dataclass(frozen=True)
class Verification:
    """The result of ``verify_package``: ``ok``, the signer's fingerprint, and what is wrong."""

    ok: bool
    fingerprint: str
    problems: list[str]


def verify_package(data: bytes, fingerprint: str | None = None) -> Verification:
    """Check a package: the manifest's signature, every file's SHA-256, no file added or missing.

    ``fingerprint`` pins the signer (as printed by the sender); without it the key in the
    manifest is trusted and its fingerprint returned for the reader to compare.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidInput("not a zip file: a referral package is a .zip") from None
    with zf:
        names = set(zf.namelist())
        if MANIFEST not in names or SIGNATURE not in names:
            raise InvalidInput("not a referral package: manifest.json or manifest.sig is missing")
        manifest_bytes = zf.read(MANIFEST)
        try:
            manifest = json.loads(manifest_bytes)
            signature = bytes.fromhex(zf.read(SIGNATURE).decode().strip())
        except ValueError:
            return Verification(False, "", ["manifest.json or manifest.sig is damaged"])
        public_key = str(manifest.get("public_key", ""))
        signer = orgkeys.fingerprint(bytes.fromhex(public_key)) if len(public_key) == 64 else ""
        problems = []
        if not orgkeys.verify(public_key, signature, manifest_bytes):
            problems.append("manifest.json: the signature does not match (manifest changed)")
        if fingerprint and signer != orgkeys.normalise_fingerprint(fingerprint):
            problems.append(f"signed by {signer or 'an unknown key'}, not {fingerprint}")
        listed: dict[str, str] = manifest.get("files") or {}
        for name, digest in sorted(listed.items()):
            if name not in names:
                problems.append(f"{name}: missing from the package")
            elif hashlib.sha256(zf.read(name)).hexdigest() != digest:
                problems.append(f"{name}: changed (SHA-256 differs from the manifest)")
        for name in sorted(names - set(listed) - {MANIFEST, SIGNATURE}):
            problems.append(f"{name}: added (not in the manifest)")
    return Verification(not problems, signer, problems)


class KhReferralSink(ReportSink):
    """Cambodia: a signed referral package for the Internet Hotline / police (``kh_referral``)."""

    name = "kh_referral"
    title = "Cambodia: referral package for APLE's Internet Hotline and the police"

    def check_ready(self, org_name: str) -> None:
        """Always ready: without an e-mail address the package waits for download."""

    def recipient_org_id(self, session: Session) -> int | None:
        """The hotline's local organisation (``CHILDGUARD_KH_REFERRAL_HOTLINE_ORG``)."""
        name = self.settings.kh_referral_hotline_org.strip()
        if not name:
            return None
        org = session.scalar(select(Org).where(Org.name == name))
        return org.id if org else None

    def _gps(self, log: StepLog) -> list[dict[str, str]]:
        out = []
        for media in log.facts.media:
            if media.evidence_id is None or not media.mime.startswith("image/"):
                continue
            meta = exif_of(log.read_evidence(media.evidence_id, PURPOSE))
            if "GPSLatitude" in meta:
                out.append(
                    {
                        "sha256": media.sha256,
                        "latitude": meta["GPSLatitude"],
                        "longitude": meta["GPSLongitude"],
                    }
                )
        return out

    def advance(self, log: StepLog) -> None:
        """Build and sign the package (once), then deliver it (once)."""
        path = package_path(self.settings.data_dir, log.report_id)
        if log.done("package") is None:
            gps = self._gps(log)
            with log.db.session(write=True) as session:
                doc = referral_document(session, log.facts, gps, log.report_id)
                key = orgkeys.active_key(session, self.settings.data_dir, log.org_id)
                public_key, fp = key.public_key, key.fingerprint
                data_dir = self.settings.data_dir
                files = {
                    "referral.pdf": render_pdf(doc),
                    "referral.json": json.dumps(doc, indent=2, ensure_ascii=False).encode(),
                }
                package = build_package(
                    files,
                    log.facts.org_display_name,
                    public_key,
                    fp,
                    lambda data: orgkeys.sign(data_dir, key, data),
                )
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(package)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
            digest = hashlib.sha256(package).hexdigest()
            log.record(
                "package",
                remote_id=digest[:64],
                detail=f"signed by {fp}",
                updates={"package_sha256": digest, "status": "sending"},
            )
        if log.done("deliver") is None:
            to = self.settings.kh_referral_email_to.strip()
            if to:
                send_package(self.settings, to, path.name, path.read_bytes(), log.report_id)
                log.record("deliver", detail=f"e-mailed to {to}")
            else:
                log.record("deliver", detail="ready for download")


def read_package(data_dir: Path, report_id: int) -> bytes:
    """A report's stored package; ``NotFound`` before it is built."""
    try:
        return package_path(data_dir, report_id).read_bytes()
    except FileNotFoundError:
        raise NotFound(f"report {report_id} has no referral package (yet)") from None
