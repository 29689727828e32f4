"""Organisations, API keys and roles.

A key is ``cg_<prefix>_<secret>``; only ``sha256(secret)`` is stored, the full key is shown once.
Roles: ``admin`` (everything in its organisation, and organisation/key management when it belongs
to the deployment's admin organisation), ``platform`` (scan, look up, submit, manage its banks),
``reviewer``, ``hotline``, ``regulator`` (aggregated endpoints only).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor, system_actor
from childguard.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from childguard.store.models import MAX_ID, ApiKey, Org, utcnow

ORG_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
KEY_RE = re.compile(r"^cg_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{20,100})$")


class Role(StrEnum):
    """What a key may do."""

    ADMIN = "admin"
    PLATFORM = "platform"
    REVIEWER = "reviewer"
    HOTLINE = "hotline"
    REGULATOR = "regulator"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: organisation, key and role."""

    org_id: int
    org_name: str
    key_id: int | None
    role: Role

    @property
    def actor(self) -> Actor:
        """The audit actor for this caller."""
        return Actor(self.org_id, self.key_id, f"{self.org_name}:{self.role.value}")


#: Why an admin of an organisation other than the deployment's is refused the wide statistics.
DEPLOYMENT_STATISTICS_ONLY = (
    "statistics across organisations are for the regulator and the deployment's admin "
    "organisation; GET /v1/stats gives your organisation's own figures"
)


def sees_across_organisations(principal: Principal, admin_org: str) -> bool:
    """Whether ``principal`` may read figures that span organisations (protected statistics).

    The regulator may, and so may the deployment's admin organisation (``admin_org``); an admin
    of any other organisation sees only its own organisation.
    """
    return principal.role is Role.REGULATOR or principal.org_name == admin_org


def validate_org_name(name: str) -> str:
    """Organisation names are lowercase slugs (``a-z0-9_-``, starting with a letter)."""
    if not ORG_NAME_RE.fullmatch(name):
        raise InvalidInput(
            f"organisation name {name[:70]!r} is invalid: use lowercase letters, digits, '-' "
            "and '_', starting with a letter, at most 64 characters (e.g. acme-social)"
        )
    return name


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def get_org(session: Session, name: str) -> Org:
    """The organisation called ``name`` or ``NotFound``."""
    org = session.scalar(select(Org).where(Org.name == validate_org_name(name)))
    if org is None:
        raise NotFound(f"no organisation named {name}")
    return org


def ensure_org(session: Session, name: str, actor: Actor | None = None) -> Org:
    """The organisation called ``name``, created (and audited) if missing."""
    org = session.scalar(select(Org).where(Org.name == validate_org_name(name)))
    if org is None:
        org = create_org(session, name, actor=actor)
    return org


def create_org(
    session: Session, name: str, display_name: str = "", actor: Actor | None = None
) -> Org:
    """Create an organisation; ``Conflict`` when the name is taken."""
    validate_org_name(name)
    if session.scalar(select(Org.id).where(Org.name == name)) is not None:
        raise Conflict(f"an organisation named {name} already exists")
    org = Org(name=name, display_name=display_name[:200])
    session.add(org)
    session.flush()
    audit.append(session, actor or system_actor(), "org.create", f"org:{org.id}")
    return org


@dataclass(frozen=True)
class NewKey:
    """A freshly created key: ``secret`` is the only time the full key is available."""

    key: ApiKey
    secret: str


def create_key(
    session: Session,
    org: Org,
    role: Role | str,
    *,
    name: str = "",
    expires_at: datetime | None = None,
    actor: Actor | None = None,
) -> NewKey:
    """Create a key for ``org`` with ``role``; the returned secret is never stored."""
    try:
        role = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {str(role)[:30]!r}; roles: {roles}") from None
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise InvalidInput("the expiry date is in the past")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        org_id=org.id,
        role=role.value,
        name=name[:200],
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    audit.append(
        session,
        actor or system_actor(),
        "key.create",
        f"key:{key.id}",
        {"org_id": org.id, "role": role.value},
    )
    return NewKey(key, f"cg_{prefix}_{secret}")


def revoke_key(session: Session, key_ref: str, actor: Actor | None = None) -> ApiKey:
    """Revoke a key by id or prefix; revoking twice is harmless."""
    ref = key_ref.strip()
    query = select(ApiKey)
    if ref.isdigit() and ref.isascii():
        if int(ref) > MAX_ID:
            raise NotFound(f"no key {ref[:40]!r} (ids are at most {MAX_ID})")
        query = query.where(ApiKey.id == int(ref))
    else:
        query = query.where(ApiKey.prefix == ref)
    key = session.scalar(query)
    if key is None:
        raise NotFound(f"no key {ref[:40]!r} (give its id or prefix from `childguard key list`)")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.append(session, actor or system_actor(), "key.revoke", f"key:{key.id}")
    return key


def authenticate(session: Session, presented: str) -> Principal:
    """Resolve a presented key to its principal, or ``Unauthenticated``."""
    match = KEY_RE.fullmatch(presented.strip())
    if not match:
        raise Unauthenticated("malformed API key: expected 'Authorization: Bearer cg_...'")
    prefix, secret = match.groups()
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or not hmac.compare_digest(key.secret_hash, _hash_secret(secret)):
        raise Unauthenticated("unknown API key")
    if key.revoked_at is not None:
        raise Unauthenticated("this API key was revoked")
    if key.expires_at is not None:
        expires = key.expires_at if key.expires_at.tzinfo else key.expires_at.replace(tzinfo=UTC)
        if expires <= datetime.now(UTC):
            raise Unauthenticated("this API key has expired")
    org = session.get(Org, key.org_id)
    if org is None:
        raise Unauthenticated("unknown API key")
    return Principal(org.id, org.name, key.id, Role(key.role))
