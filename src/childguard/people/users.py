"""Console users: argon2id passwords, an optional TOTP second factor, throttled sign-in.

A user belongs to one organisation and holds one of the API's roles. Sign-in fails the same
way for an unknown email and a wrong password; ``max_failures`` wrong passwords in a row lock
the account for ``lockout``; a locked account refuses even the right password until then.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.auth import Principal, Role
from childguard.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from childguard.store.models import Org, User, utcnow

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
LOCALES = ("en", "km", "vi")

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class AccountLocked(Unauthenticated):
    """Too many failed sign-ins: the account is locked for a while."""

    code = "account_locked"
    http_status = 429


def validate_email(email: str) -> str:
    """A normalised (lower-case, trimmed) email address or ``InvalidInput``."""
    email = email.strip().lower()
    if not EMAIL_RE.fullmatch(email):
        raise InvalidInput(f"{email[:80]!r} is not an email address (name@example.org)")
    return email


def validate_password(password: str) -> str:
    """``InvalidInput`` unless the password is between 12 and 1024 characters."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"the password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def generate_password() -> str:
    """A random one-time password for a new account (shown once)."""
    return secrets.token_urlsafe(15)


@dataclass(frozen=True)
class UserView:
    """What the console needs of a signed-in user (detached from the session)."""

    id: int
    org_id: int
    org_name: str
    email: str
    role: Role
    locale: str
    totp: bool

    @property
    def actor(self) -> Actor:
        """The audit actor: the person, by user id and email."""
        return Actor(self.org_id, None, f"user:{self.id}:{self.email}")

    @property
    def principal(self) -> Principal:
        """The user as the API's principal (role checks use the same table)."""
        return Principal(self.org_id, self.org_name, None, self.role)


def view(session: Session, user: User) -> UserView:
    """The detached view of ``user``."""
    org = session.get(Org, user.org_id)
    assert org is not None
    return UserView(
        user.id,
        user.org_id,
        org.name,
        user.email,
        Role(user.role),
        user.locale,
        user.totp_secret is not None,
    )


def create_user(
    session: Session,
    org: Org,
    email: str,
    role: Role | str,
    password: str,
    *,
    actor: Actor | None = None,
    locale: str = "",
) -> User:
    """Create a user; ``Conflict`` when the email is taken, ``InvalidInput`` for bad fields."""
    email = validate_email(email)
    try:
        role = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {str(role)[:30]!r}; roles: {roles}") from None
    validate_password(password)
    if locale and locale not in LOCALES:
        raise InvalidInput(f"unknown language {locale[:10]!r}; languages: {', '.join(LOCALES)}")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with the email {email} already exists")
    user = User(
        org_id=org.id,
        email=email,
        role=role.value,
        password_hash=hash_password(password),
        locale=locale,
    )
    session.add(user)
    session.flush()
    audit.append(
        session,
        actor or Actor(None, None, "system"),
        "user.create",
        f"user:{user.id}",
        {"org_id": org.id, "role": role.value},
    )
    return user


def get_user(session: Session, org_id: int, user_id: int) -> User:
    """User ``user_id`` of ``org_id`` (``NotFound`` for another organisation's)."""
    user = session.get(User, user_id)
    if user is None or user.org_id != org_id:
        raise NotFound(f"no user {user_id} in your organisation")
    return user


def list_users(session: Session, org_id: int) -> list[User]:
    """The organisation's users by email."""
    return list(session.scalars(select(User).where(User.org_id == org_id).order_by(User.email)))


def verify_sign_in(
    session: Session,
    email: str,
    password: str,
    code: str = "",
    *,
    max_failures: int,
    lockout: timedelta,
) -> User:
    """The user whose email, password (and TOTP code when on) match, or an error.

    ``Unauthenticated`` says nothing about which part was wrong; ``AccountLocked`` while the
    account is locked. Failures are counted and audited; a success resets the count.
    """
    generic = Unauthenticated("the email or password is wrong")
    try:
        email = validate_email(email)
    except InvalidInput:
        raise generic from None
    user = session.scalar(select(User).where(User.email == email))
    if user is None or user.disabled_at is not None:
        _hasher_burn(password)
        raise generic
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked("too many failed sign-ins: this account is locked for a while")
    ok = _password_matches(user, password)
    if ok and user.totp_secret is not None:
        ok = pyotp.TOTP(user.totp_secret).verify(code.strip(), valid_window=1)
    if not ok:
        user.failed_logins += 1
        details: dict[str, object] = {"failures": user.failed_logins}
        if user.failed_logins >= max_failures:
            user.locked_until = now + lockout
            user.failed_logins = 0
            details["locked"] = True
        audit.append(
            session,
            Actor(user.org_id, None, "console"),
            "user.sign_in_failed",
            f"user:{user.id}",
            details,
        )
        if details.get("locked"):
            raise AccountLocked("too many failed sign-ins: this account is locked for a while")
        raise generic
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s (no counting, no lockout: for re-authentication)."""
    return _password_matches(user, password)


def _password_matches(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _hasher_burn(password: str) -> None:
    """Spend the time of one verification so unknown emails answer as slowly as known ones."""
    _hasher.hash(password[:MAX_PASSWORD] or "x")


def set_password(session: Session, user: User, password: str, actor: Actor) -> None:
    """Replace the user's password (audited)."""
    user.password_hash = hash_password(validate_password(password))
    audit.append(session, actor, "user.password", f"user:{user.id}")


def enable_totp(session: Session, user: User, actor: Actor) -> str:
    """Turn the second factor on; returns the secret to enter in an authenticator app."""
    secret = pyotp.random_base32()
    user.totp_secret = secret
    audit.append(session, actor, "user.totp_on", f"user:{user.id}")
    return secret


def unlock(session: Session, user: User, actor: Actor) -> None:
    """End a lockout early (an admin's action, audited)."""
    user.locked_until = None
    user.failed_logins = 0
    audit.append(session, actor, "user.unlock", f"user:{user.id}")


def set_locale(session: Session, user: User, locale: str) -> None:
    """Remember the user's language (``''`` follows the browser)."""
    if locale and locale not in LOCALES:
        raise InvalidInput(f"unknown language {locale[:10]!r}; languages: {', '.join(LOCALES)}")
    user.locale = locale
