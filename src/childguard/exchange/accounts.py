"""Lantern-like account and URL signals: keyed hashes of confirmed offenders' identifiers.

An identifier (phone, messaging handle, email, URL) is normalised (phones to E.164 with
``phonenumbers``, handles to ``platform:name`` lower-case without ``@``, emails lower-case, URLs
to host and path without scheme, ``www.``, query or fragment) and hashed with HMAC-SHA256 under
the sharing group's key, so only members can compute or match it. Each signal carries a
category, the sharing organisation and an expiry. Signals an organisation shares go out through
its ``signals`` feeds for the group, only in the categories an admin chose to share
(``SharedCategory``); received ones come in through a ``signals`` subscription.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from childguard.exchange import pages
from childguard.exchange.errors import PageRefused
from childguard.store.models import (
    AccountSignal,
    Feed,
    FeedChange,
    Org,
    SharedCategory,
    SharingGroup,
    SharingGroupMember,
    Subscription,
    utcnow,
)

KINDS = ("phone", "handle", "email", "url")
CATEGORIES = ("CSAM_TRADE", "SEXTORTION", "GROOMING", "TRAFFICKING", "OTHER")
GROUP_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
#: A phone number in E.164: '+', a country code not starting with 0, 8 to 15 digits in all.
E164_RE = re.compile(r"^\+[1-9][0-9]{7,14}$")
_HANDLE_RE = re.compile(r"^[a-z0-9_.+\-]{1,64}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[a-z0-9.\-]{1,253}\.[a-z]{2,63}$")
_DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_REGION = "KH"


@dataclass(frozen=True)
class AccountHit:
    """A caller's identifier that matches a shared signal (the identifier is the caller's own)."""

    kind: str
    value: str
    category: str
    sharing_org: str
    group: str
    expires_at: datetime
    signal_id: int

    def to_public(self) -> dict[str, object]:
        """JSON form; ``source`` names where the signal came from."""
        return {
            "kind": self.kind,
            "value": self.value,
            "category": self.category,
            "source": {"organisation": self.sharing_org, "group": self.group},
            "expires_at": self.expires_at.isoformat(),
            "signal_id": self.signal_id,
        }


def normalise(kind: str, value: str, *, platform: str | None = None) -> str:
    """The canonical text of an identifier that gets hashed (``kind:...``); ``InvalidInput``
    naming the kind when it cannot be normalised."""
    raw = value.strip()
    if kind == "phone":
        try:
            number = phonenumbers.parse(raw, DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_possible_number(number):
            return "phone:" + phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.E164
            )
        if E164_RE.fullmatch(raw):
            # E.164 that phonenumbers' metadata does not know (a new range or country code):
            # already canonical, and the API documents E.164 as always accepted
            return f"phone:{raw}"
        raise InvalidInput(
            "the phone number cannot be read: give it in E.164 ('+', then 8 to 15 digits)"
        )
    if kind == "handle":
        name = raw.lower().lstrip("@")
        plat = (platform or "any").strip().lower()
        if not _HANDLE_RE.fullmatch(name) or not _HANDLE_RE.fullmatch(plat):
            raise InvalidInput("a handle is letters, digits, '_', '.', '-' (1 to 64)")
        return f"handle:{plat}:{name}"
    if kind == "email":
        email = raw.lower()
        if not _EMAIL_RE.fullmatch(email):
            raise InvalidInput("the email address is malformed")
        return f"email:{email}"
    if kind == "url":
        text = raw if "://" in raw else f"http://{raw}"
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().removeprefix("www.")
        if not host or "." not in host:
            raise InvalidInput("the URL has no host name")
        path = parts.path.rstrip("/")
        return f"url:{host}{path}"
    raise InvalidInput(f"unknown identifier kind {kind[:20]!r}; kinds: {', '.join(KINDS)}")


def digest(group_key: bytes, canonical: str) -> str:
    """HMAC-SHA256 of a normalised identifier under a group key, in hex."""
    return hmac.new(group_key, canonical.encode(), hashlib.sha256).hexdigest()


def _check_category(category: str) -> str:
    category = category.strip().upper()
    if category not in CATEGORIES:
        raise InvalidInput(
            f"unknown category {category[:30]!r}; categories: {', '.join(CATEGORIES)}"
        )
    return category


def create_group(
    session: Session, org: Org, name: str, key_hex: str | None, actor: Actor
) -> tuple[SharingGroup, str]:
    """Create (or join, when ``key_hex`` is the key another member gave) a sharing group.

    Returns the group and its key in hex: hand it to the other members out of band.
    """
    if not GROUP_NAME_RE.fullmatch(name):
        raise InvalidInput("group names are lowercase letters, digits, '-' and '_'")
    if key_hex is None:
        key_hex = secrets.token_hex(32)
    elif not re.fullmatch(r"[0-9a-f]{64,128}", key_hex.strip().lower()):
        raise InvalidInput("a group key is 64 to 128 hex digits, as printed when it was created")
    key_hex = key_hex.strip().lower()
    group = session.scalar(select(SharingGroup).where(SharingGroup.name == name))
    if group is None:
        group = SharingGroup(name=name, key_hex=key_hex)
        session.add(group)
        session.flush()
    elif group.key_hex != key_hex and key_hex:
        raise Conflict(f"group {name} exists here with another key")
    if session.get(SharingGroupMember, (group.id, org.id)) is None:
        session.add(SharingGroupMember(group_id=group.id, org_id=org.id))
        session.flush()
    audit.append(session, actor, "exchange.group.join", f"group:{group.id}:{group.name}")
    return group, group.key_hex


def get_group(session: Session, org: Org, name: str) -> SharingGroup:
    """A group the organisation is a member of."""
    group = session.scalar(select(SharingGroup).where(SharingGroup.name == name))
    if group is None or session.get(SharingGroupMember, (group.id, org.id)) is None:
        raise NotFound(f"your organisation is not in a sharing group named {name[:64]}")
    return group


def set_category(
    session: Session, org: Org, group: SharingGroup, category: str, *, allow: bool, actor: Actor
) -> None:
    """An admin's choice to share (or stop sharing) one category of signals with a group."""
    category = _check_category(category)
    row = session.get(SharedCategory, (org.id, group.id, category))
    if allow and row is None:
        session.add(SharedCategory(org_id=org.id, group_id=group.id, category=category))
    elif not allow and row is not None:
        session.delete(row)
    session.flush()
    audit.append(
        session,
        actor,
        "exchange.category.allow" if allow else "exchange.category.deny",
        f"group:{group.id}:{group.name}",
        {"category": category},
    )


def share(
    session: Session,
    org: Org,
    group: SharingGroup,
    kind: str,
    value: str,
    category: str,
    *,
    expires_in: timedelta,
    actor: Actor,
    platform: str | None = None,
) -> AccountSignal:
    """Share one identifier's keyed hash with the group (through the org's signals feeds).

    ``PermissionDenied`` unless an admin allowed the category for this group. The identifier
    itself is neither stored nor audited.
    """
    category = _check_category(category)
    if session.get(SharedCategory, (org.id, group.id, category)) is None:
        raise PermissionDenied(
            f"{category} signals are not shared with group {group.name}: an admin must allow "
            f"it first (`childguard signals allow {group.name} {category}`)"
        )
    if expires_in <= timedelta(0):
        raise InvalidInput("the expiry must be in the future")
    canonical = normalise(kind, value, platform=platform)
    signal = AccountSignal(
        group_id=group.id,
        digest=digest(bytes.fromhex(group.key_hex), canonical),
        kind=kind,
        category=category,
        sharing_org=org.name,
        origin_org_id=org.id,
        expires_at=utcnow() + expires_in,
    )
    session.add(signal)
    session.flush()
    _emit(session, org, group, signal, "add")
    audit.append(
        session,
        actor,
        "exchange.signal.share",
        f"signal:{signal.id}",
        {"group": group.name, "kind": kind, "category": category},
    )
    return signal


def revoke(session: Session, org: Org, signal_id: int, actor: Actor) -> None:
    """Withdraw a signal this organisation shared; members remove it at their next sync."""
    signal = session.get(AccountSignal, signal_id)
    if signal is None or signal.origin_org_id != org.id:
        raise NotFound(f"your organisation shared no signal {signal_id}")
    group = session.get(SharingGroup, signal.group_id)
    signal.revoked_at = utcnow()
    if group is not None:
        _emit(session, org, group, signal, "remove")
    audit.append(session, actor, "exchange.signal.revoke", f"signal:{signal.id}")


def _emit(session: Session, org: Org, group: SharingGroup, signal: AccountSignal, op: str) -> None:
    feeds = session.scalars(
        select(Feed)
        .where(Feed.org_id == org.id, Feed.kind == "signals", Feed.group_id == group.id)
        .with_for_update()
    )
    for feed in feeds:
        session.add(
            FeedChange(
                feed_id=feed.id,
                op=op,
                entry_id=signal.id,
                signal_type=signal.kind,
                value=signal.digest if op == "add" else "",
                classification=signal.category if op == "add" else "",
                expires_at=signal.expires_at if op == "add" else None,
            )
        )
    session.flush()


def apply_signals_page(session: Session, sub: Subscription, page: pages.Page) -> tuple[int, int]:
    """Apply a verified ``signals`` page to the subscription's group (``subscriptions.sync``
    calls it inside the page's transaction); a malformed change refuses the page."""
    if sub.group_id is None:
        raise PageRefused("the subscription has no sharing group")
    added = removed = 0
    for i, change in enumerate(page.changes):
        where = f"change {i + 1} (seq {change.seq})"
        if change.op == "remove":
            n = session.execute(
                delete(AccountSignal).where(
                    AccountSignal.subscription_id == sub.id, AccountSignal.origin_id == change.id
                )
            )
            removed += int(getattr(n, "rowcount", 0) or 0)
            continue
        if change.op != "add":
            continue
        if change.type not in KINDS or not _DIGEST_RE.fullmatch(change.value):
            raise PageRefused(f"{where}: not a keyed hash of a known identifier kind")
        try:
            category = _check_category(change.classification)
            expires = datetime.fromisoformat(change.expires or "")
        except (InvalidInput, ValueError):
            raise PageRefused(f"{where}: bad category or expiry") from None
        exists = session.scalar(
            select(AccountSignal.id).where(
                AccountSignal.subscription_id == sub.id, AccountSignal.origin_id == change.id
            )
        )
        if exists is not None:
            continue
        session.add(
            AccountSignal(
                group_id=sub.group_id,
                digest=change.value,
                kind=change.type,
                category=category,
                sharing_org=(page.publisher or sub.publisher)[:64],
                subscription_id=sub.id,
                origin_id=change.id,
                expires_at=expires,
            )
        )
        added += 1
    session.flush()
    return added, removed


def _candidates(entities: Iterable[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(kind, value as given, canonical) for every entity that is an identifier."""
    out: list[tuple[str, str, str]] = []
    for entity in entities:
        etype = str(entity.get("type", ""))
        value = str(entity.get("value", ""))
        kind = {"phone": "phone", "handle": "handle", "email": "email", "url": "url"}.get(etype)
        if kind is None or not value:
            continue
        try:
            if kind == "handle":
                platform = entity.get("platform")
                out.append((kind, value, normalise(kind, value, platform=platform or "any")))
                if platform:  # a member may have shared the handle without its platform
                    out.append((kind, value, normalise(kind, value, platform="any")))
            else:
                out.append((kind, value, normalise(kind, value)))
        except InvalidInput:
            continue
    return out


def match_entities(
    session: Session, org_id: int, entities: Iterable[Mapping[str, Any]]
) -> list[AccountHit]:
    """Identifiers among ``entities`` (text-risk or case entities: ``{"type", "value",
    "platform"?}``) that match unexpired signals of the groups ``org_id`` belongs to.

    Signals shared by ``org_id`` itself count too. Each hit names its category and source.
    """
    groups = list(
        session.scalars(
            select(SharingGroup)
            .join(SharingGroupMember, SharingGroupMember.group_id == SharingGroup.id)
            .where(SharingGroupMember.org_id == org_id)
        )
    )
    candidates = _candidates(entities)
    if not groups or not candidates:
        return []
    hits: list[AccountHit] = []
    seen: set[tuple[int, str]] = set()
    now = utcnow()
    for group in groups:
        key = bytes.fromhex(group.key_hex)
        by_digest: dict[str, tuple[str, str]] = {}
        for kind, value, canonical in candidates:
            by_digest.setdefault(digest(key, canonical), (kind, value))
        rows = session.scalars(
            select(AccountSignal).where(
                AccountSignal.group_id == group.id,
                AccountSignal.digest.in_(list(by_digest)),
                AccountSignal.expires_at > now,
                AccountSignal.revoked_at.is_(None),
            )
        )
        for row in rows:
            kind, value = by_digest[row.digest]
            if (row.id, value) in seen:
                continue
            seen.add((row.id, value))
            hits.append(
                AccountHit(
                    kind, value, row.category, row.sharing_org, group.name, row.expires_at, row.id
                )
            )
    return hits


def counts(session: Session) -> dict[str, int]:
    """Deployment-wide counts of account signals shared and received (no values)."""
    shared = session.scalar(
        select(func.count())
        .select_from(AccountSignal)
        .where(AccountSignal.origin_org_id.is_not(None))
    )
    received = session.scalar(
        select(func.count())
        .select_from(AccountSignal)
        .where(AccountSignal.subscription_id.is_not(None))
    )
    return {
        "account_signals_shared": int(shared or 0),
        "account_signals_received": int(received or 0),
    }
