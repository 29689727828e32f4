"""Signed submissions of monthly statistics and assessments from a platform to the ministry.

The platform builds an *envelope* (format, kind, organisation, period, its key's public half and
fingerprint, the body) and signs its canonical JSON with the organisation's Ed25519 key
(``orgkeys``). The message goes through the durable outbox (kind ``stats_submission``), so a
crash never loses or doubles it: the ministry keeps one submission per organisation, kind and
period, a second replacing the first (audited).

The ministry's instance accepts a submission from a caller whose organisation has a pinned
fingerprint (``pin``), checks that the envelope names the caller's organisation, that the key
matches the pin, that the signature verifies, and that the period is not in the future.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard import audit, orgkeys
from childguard.audit import Actor
from childguard.errors import InvalidInput, NotFound, PermissionDenied
from childguard.stats import OUTBOX_KIND as OUTBOX_KIND
from childguard.stats.counts import MonthlyCounts, check_month, validate
from childguard.store.models import Org, StatsPin, StatsSubmission, utcnow

FORMAT = "childguard-stats/1"
KINDS = ("stats", "assessment")


def canonical(envelope: dict[str, Any]) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def build(
    session: Session, data_dir: Path, org: Org, kind: str, period: str, body: dict[str, Any]
) -> dict[str, Any]:
    """A signed submission ``{"envelope": ..., "signature": hex}`` of ``body`` for ``period``."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}")
    key = orgkeys.active_key(session, data_dir, org.id)
    envelope = {
        "format": FORMAT,
        "kind": kind,
        "org": org.name,
        "period": check_month(period),
        "public_key": key.public_key,
        "fingerprint": key.fingerprint,
        "created_at": utcnow().isoformat(),
        "body": body,
    }
    return {
        "envelope": envelope,
        "signature": orgkeys.sign(data_dir, key, canonical(envelope)).hex(),
    }


def pin(session: Session, org: Org, fingerprint: str, actor: Actor) -> StatsPin:
    """Pin (or re-pin) the key fingerprint ``org`` signs its submissions with."""
    fp = orgkeys.normalise_fingerprint(fingerprint)
    row = session.get(StatsPin, org.id)
    if row is None:
        row = StatsPin(org_id=org.id, fingerprint=fp)
        session.add(row)
    else:
        row.fingerprint, row.pinned_at = fp, utcnow()
    audit.append(session, actor, "stats.pin", f"org:{org.id}", {"fingerprint": fp})
    return row


@dataclass(frozen=True)
class Received:
    """What the ministry stored: the submission and whether it replaced an earlier one."""

    submission: StatsSubmission
    replaced: bool


def _period_in_future(period: str, now: datetime) -> bool:
    return period > now.strftime("%Y-%m")


def receive(
    session: Session, org: Org, raw: Any, actor: Actor, now: datetime | None = None
) -> Received:
    """Verify and store a submission from ``org`` (the caller's organisation on this instance)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("envelope"), dict):
        raise InvalidInput("a submission is an object with 'envelope' and 'signature'")
    envelope: dict[str, Any] = raw["envelope"]
    if envelope.get("format") != FORMAT:
        raise InvalidInput(f"unknown submission format; expected {FORMAT}")
    kind = str(envelope.get("kind", ""))
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}")
    if envelope.get("org") != org.name:
        raise PermissionDenied(
            "the submission names another organisation than the key that sent it"
        )
    period = check_month(str(envelope.get("period", "")))
    if _period_in_future(period, now or datetime.now(UTC)):
        raise InvalidInput(f"period {period} is in the future; submit months that have begun")
    pinned = session.get(StatsPin, org.id)
    if pinned is None:
        raise PermissionDenied(
            f"no key is pinned for {org.name}: the ministry's admin pins the platform's "
            "fingerprint first (childguard stats pin)"
        )
    public_key = str(envelope.get("public_key", ""))
    try:
        fp = orgkeys.fingerprint(bytes.fromhex(public_key))
    except ValueError:
        raise InvalidInput("public_key must be 64 hex digits") from None
    if fp != pinned.fingerprint:
        raise PermissionDenied(
            f"the submission's key {fp} is not the pinned key {pinned.fingerprint}"
        )
    try:
        signature = bytes.fromhex(str(raw.get("signature", "")))
    except ValueError:
        signature = b""
    if not orgkeys.verify(public_key, signature, canonical(envelope)):
        raise InvalidInput("bad signature: the submission was altered or signed by another key")
    body = envelope.get("body")
    if kind == "stats":
        counts: MonthlyCounts = validate(body, "body")
        if set(counts) - {period}:
            raise InvalidInput(f"a statistics submission holds the counts of {period} only")
        payload = json.dumps(counts, sort_keys=True)
    else:
        from childguard.policy.assessment import validate_submitted

        payload = json.dumps(validate_submitted(body), sort_keys=True)
    row = session.scalar(
        select(StatsSubmission).where(
            StatsSubmission.org_id == org.id,
            StatsSubmission.kind == kind,
            StatsSubmission.period == period,
        )
    )
    if row is not None and row.signature == signature.hex():
        return Received(row, replaced=False)  # the same message delivered again: idempotent
    replaced = row is not None
    if row is None:
        row = StatsSubmission(org_id=org.id, kind=kind, period=period, replaced=0)
        session.add(row)
    else:
        row.replaced += 1
    row.payload, row.fingerprint, row.signature = payload, fp, signature.hex()
    row.received_at = utcnow()
    session.flush()
    audit.append(
        session,
        actor,
        "stats.submission.replace" if replaced else "stats.submission.receive",
        f"org:{org.id}",
        {"kind": kind, "period": period, "fingerprint": fp},
    )
    return Received(row, replaced)


def national_counts(session: Session) -> MonthlyCounts:
    """The counts of every submitting organisation summed, with a by-organisation dimension."""
    from childguard.stats.counts import add, merge

    parts: list[MonthlyCounts] = []
    for org_name, payload in session.execute(
        select(Org.name, StatsSubmission.payload)
        .join(Org, Org.id == StatsSubmission.org_id)
        .where(StatsSubmission.kind == "stats")
    ):
        counts: MonthlyCounts = json.loads(payload)
        for month, dims in counts.items():
            dims.pop("cases_by_organisation", None)
            total = sum(dims.get("cases_by_source", {}).values())
            add(counts, month, "cases_by_organisation", org_name, total)
        parts.append(counts)
    return merge(parts)


def submitters(session: Session) -> list[dict[str, Any]]:
    """Who submitted what for each period: organisation, kind, period, when, replacements."""
    rows = session.execute(
        select(
            StatsSubmission.period,
            StatsSubmission.kind,
            Org.name,
            StatsSubmission.received_at,
            StatsSubmission.replaced,
        )
        .join(Org, Org.id == StatsSubmission.org_id)
        .order_by(StatsSubmission.period.desc(), Org.name, StatsSubmission.kind)
    )
    return [
        {
            "period": period,
            "kind": kind,
            "organisation": name,
            "received_at": at.isoformat(),
            "replaced": replaced,
        }
        for period, kind, name, at, replaced in rows
    ]


def get_org_by_name(session: Session, name: str) -> Org:
    """The organisation ``name`` on this instance (``NotFound`` otherwise)."""
    org = session.scalar(select(Org).where(Org.name == name))
    if org is None:
        raise NotFound(f"no organisation named {name}")
    return org
