"""FastAPI dependencies: app state, database sessions and the authenticated caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from childguard.api.permissions import Permission, check_permission
from childguard.api.state import AppState
from childguard.auth import DEPLOYMENT_STATISTICS_ONLY, Principal, sees_across_organisations
from childguard.errors import PermissionDenied


async def get_state(request: Request) -> AppState:
    """The app's ``AppState``.

    ``async`` because it only reads an attribute: FastAPI runs a plain ``def`` dependency in its
    thread pool, a hop that costs more than the work (the same for ``require``'s checks).
    """
    state: AppState = request.app.state.cg
    return state


StateDep = Annotated[AppState, Depends(get_state)]


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_principal(request: Request, state: StateDep) -> Principal:
    """Authenticate ``Authorization: Bearer <key>`` (401 when missing or invalid)."""
    client = request.client.host if request.client else ""
    principal = state.authenticate(request.headers.get("authorization", ""), client)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def get_session(request: Request, state: StateDep, _: CurrentPrincipal) -> Iterator[Session]:
    """A session committed when the route returns normally, rolled back on error.

    Routes with a mutating method get a write session (serialised on SQLite). The caller is
    authenticated first: authentication (and counting a failed one for the rate limit, a
    write of its own) must never run while this request holds SQLite's write lock.
    """
    with state.db.session(write=request.method not in READ_METHODS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def require(permission: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets the call through only for roles holding ``permission``."""

    async def check(principal: CurrentPrincipal) -> Principal:
        check_permission(principal, permission)
        return principal

    check.__name__ = f"require_{permission.name.lower()}"
    return check


CurrentScanner = Annotated[Principal, Depends(require(Permission.SCAN))]
CurrentLookup = Annotated[Principal, Depends(require(Permission.LOOKUP))]
CurrentBankReader = Annotated[Principal, Depends(require(Permission.BANKS_READ))]
CurrentBankWriter = Annotated[Principal, Depends(require(Permission.BANKS_WRITE))]
CurrentTextAnalyst = Annotated[Principal, Depends(require(Permission.TEXT_ANALYZE))]
CurrentAuditor = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]
CurrentKeyAdmin = Annotated[Principal, Depends(require(Permission.KEYS_MANAGE))]
CurrentWitnessClient = Annotated[Principal, Depends(require(Permission.AUDIT_WITNESS))]
CurrentRegulator = Annotated[Principal, Depends(require(Permission.STATS_READ))]


async def require_deployment_statistics(principal: CurrentRegulator, state: StateDep) -> Principal:
    """``stats:read`` across organisations: the regulator or the deployment's admin organisation."""
    if not sees_across_organisations(principal, state.settings.resolved_admin_org):
        raise PermissionDenied(DEPLOYMENT_STATISTICS_ONLY)
    return principal


CurrentDeploymentStatsReader = Annotated[Principal, Depends(require_deployment_statistics)]
CurrentEvidenceReader = Annotated[Principal, Depends(require(Permission.EVIDENCE_READ))]
CurrentEvidenceAdmin = Annotated[Principal, Depends(require(Permission.EVIDENCE_MANAGE))]
CurrentCaseReader = Annotated[Principal, Depends(require(Permission.CASES_READ))]
CurrentReviewer = Annotated[Principal, Depends(require(Permission.CASES_REVIEW))]
CurrentAppellant = Annotated[Principal, Depends(require(Permission.CASES_APPEAL))]
CurrentCaseAdmin = Annotated[Principal, Depends(require(Permission.CASES_MANAGE))]
CurrentFeedAdmin = Annotated[Principal, Depends(require(Permission.FEEDS_MANAGE))]
CurrentFeedReader = Annotated[Principal, Depends(require(Permission.FEEDS_READ))]
CurrentFeedbackWriter = Annotated[Principal, Depends(require(Permission.FEEDBACK_WRITE))]
CurrentSignalWriter = Annotated[Principal, Depends(require(Permission.SIGNALS_WRITE))]
CurrentSignalMatcher = Annotated[Principal, Depends(require(Permission.SIGNALS_MATCH))]
CurrentWebhookAdmin = Annotated[Principal, Depends(require(Permission.WEBHOOKS_MANAGE))]
CurrentReportReader = Annotated[Principal, Depends(require(Permission.REPORTS_READ))]
CurrentReporter = Annotated[Principal, Depends(require(Permission.REPORTS_FILE))]
CurrentStatsSubmitter = Annotated[Principal, Depends(require(Permission.STATS_SUBMIT))]
CurrentPolicyAssessor = Annotated[Principal, Depends(require(Permission.POLICY_ASSESS))]
