"""Server-side browser sessions: a random token in the cookie, its SHA-256 in the table.

A session ends at sign-out or after ``idle`` without a request; each carries its own CSRF token,
which every state-changing form must echo.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.people.users import UserView, view
from childguard.store.models import User, WebSession, utcnow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A live session: who, its CSRF token and the seconds since its previous request."""

    session_id: int
    user: UserView
    csrf_token: str
    idle_seconds: float


def start(session: Session, user: User) -> str:
    """Open a session for ``user``; returns the cookie token (never stored in clear)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
    )
    session.flush()
    return token


def resume(session: Session, token: str, idle: timedelta) -> SignedIn | None:
    """The live session of ``token`` (touched now), or None when unknown, ended or idle too long."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    if now - row.last_seen_at > idle:
        row.ended_at = now
        return None
    user = session.get(User, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    idle_seconds = (now - row.last_seen_at).total_seconds()
    row.last_seen_at = now
    return SignedIn(row.id, view(session, user), row.csrf_token, idle_seconds)


def end(session: Session, token: str) -> None:
    """Sign out: the session of ``token`` ends (harmless when already ended)."""
    row = session.scalar(select(WebSession).where(WebSession.token_hash == _digest(token)))
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()


def csrf_ok(expected: str, presented: str | None) -> bool:
    """Whether ``presented`` is the session's CSRF token (constant-time)."""
    return bool(presented) and hmac.compare_digest(expected, presented or "")
