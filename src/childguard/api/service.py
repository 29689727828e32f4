"""Small request-level helpers shared by the native and HMA-compatible routes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from childguard.api.state import AppState
from childguard.auth import Principal
from childguard.errors import NotFound
from childguard.media.bank_formats import validate_bank_name
from childguard.media.banks import BankRepository
from childguard.media.matcher import Match
from childguard.media.scan_audit import audit_scan, is_blocking
from childguard.store.models import Org


def bank_repository(session: Session, principal: Principal) -> BankRepository:
    """The bank repository acting for the caller's organisation, audited as the caller."""
    org = session.get(Org, principal.org_id)
    if org is None:  # deleted after its key was cached
        raise NotFound("your organisation no longer exists")
    return BankRepository(session, org, principal.actor)


def caller_org(session: Session, principal: Principal) -> Org:
    """The caller's organisation (``NotFound`` when deleted after its key was cached)."""
    org = session.get(Org, principal.org_id)
    if org is None:
        raise NotFound("your organisation no longer exists")
    return org


def resolve_visible(
    state: AppState, principal: Principal, banks: Sequence[str] | None
) -> frozenset[int]:
    """Bank ids the caller may match against, narrowed to ``banks`` names when given."""
    visible = state.visible_banks(principal.org_id)
    if not banks:
        return visible
    wanted = set(banks)
    for b in wanted:
        validate_bank_name(b.rpartition(":")[2])
    chosen = {
        ref.id
        for ref in state.matcher.banks.values()
        if ref.id in visible and {ref.name, f"{ref.owner}:{ref.name}"} & wanted
    }
    found: set[str] = set()
    for i in chosen:
        ref = state.matcher.banks[i]
        found |= {ref.name, f"{ref.owner}:{ref.name}"}
    missing = sorted(wanted - found)
    if missing:
        raise NotFound(f"no enabled bank named {', '.join(missing)}")
    return frozenset(chosen)


def record_scan(
    state: AppState,
    principal: Principal,
    mime: str,
    matches: Sequence[Match],
    session: Session | None = None,
) -> bool:
    """Count a scan in the metrics and audit it when it matched; returns whether to block.

    The audit record holds banks, entry ids and signal types, never the file or its hashes. It
    is written in ``session``'s transaction when given (with the case the match opens), else in
    a transaction of its own.
    """
    count_scan(state, principal, matches)
    return audit_scan(state.db, principal.actor, principal.org_id, mime, matches, session)


def count_scan(state: AppState, principal: Principal, matches: Sequence[Match]) -> bool:
    """Count a scan and its matches in the metrics; returns whether to block it."""
    blocked = is_blocking(matches)
    state.metrics.count_scan(principal.org_name, "matched" if blocked else "clean")
    for m in matches:
        state.metrics.count_match(principal.org_name, m.bank)
    return blocked
