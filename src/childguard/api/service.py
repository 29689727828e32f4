"""Small request-level helpers shared by the native and HMA-compatible routes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from childguard import audit
from childguard.api.state import AppState
from childguard.auth import Principal
from childguard.errors import NotFound
from childguard.media.bank_formats import validate_bank_name
from childguard.media.banks import BankRepository
from childguard.media.matcher import Match
from childguard.store.models import Org


def bank_repository(session: Session, principal: Principal) -> BankRepository:
    """The bank repository acting for the caller's organisation, audited as the caller."""
    org = session.get(Org, principal.org_id)
    if org is None:  # deleted after its key was cached
        raise NotFound("your organisation no longer exists")
    return BankRepository(session, org, principal.actor)


def resolve_visible(
    state: AppState, principal: Principal, banks: Sequence[str] | None
) -> frozenset[int]:
    """Bank ids the caller may match against, narrowed to ``banks`` names when given."""
    visible = state.visible_banks(principal.org_id)
    if not banks:
        return visible
    wanted = {validate_bank_name(b) for b in banks}
    chosen = {
        ref.id for ref in state.matcher.banks.values() if ref.id in visible and ref.name in wanted
    }
    found = {state.matcher.banks[i].name for i in chosen}
    missing = sorted(wanted - found)
    if missing:
        raise NotFound(f"no enabled bank named {', '.join(missing)}")
    return frozenset(chosen)


def record_scan(state: AppState, principal: Principal, mime: str, matches: Sequence[Match]) -> bool:
    """Count a scan in the metrics and audit it when it matched; returns whether to block.

    The audit record holds banks, entry ids and signal types, never the file or its hashes.
    """
    blocked = any(not m.allow and not m.suppressed for m in matches)
    state.metrics.count_scan(principal.org_name, "matched" if blocked else "clean")
    for m in matches:
        state.metrics.count_match(principal.org_name, m.bank)
    if matches:
        audit.append_now(
            state.db,
            principal.actor,
            "scan.match",
            f"org:{principal.org_id}",
            {
                "blocked": blocked,
                "content_type": mime,
                "matches": [
                    {"bank": m.bank, "entry_id": m.entry_id, "signal_type": m.signal_type}
                    for m in matches
                ],
            },
        )
    return blocked
