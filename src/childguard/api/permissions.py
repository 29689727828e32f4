"""Which roles may do what. One table, used by every route and by the route x role test."""

from __future__ import annotations

from enum import StrEnum

from childguard.auth import Principal, Role
from childguard.errors import PermissionDenied


class Permission(StrEnum):
    """An action a route needs."""

    SCAN = "scan"
    LOOKUP = "lookup"
    BANKS_READ = "banks:read"
    BANKS_WRITE = "banks:write"
    TEXT_ANALYZE = "text:analyze"
    AUDIT_READ = "audit:read"
    KEYS_MANAGE = "keys:manage"
    STATS_READ = "stats:read"
    METRICS_READ = "metrics:read"
    EVIDENCE_READ = "evidence:read"
    EVIDENCE_MANAGE = "evidence:manage"
    CASES_READ = "cases:read"
    CASES_REVIEW = "cases:review"
    CASES_APPEAL = "cases:appeal"
    CASES_MANAGE = "cases:manage"
    FEEDS_MANAGE = "feeds:manage"
    FEEDS_READ = "feeds:read"
    FEEDBACK_WRITE = "feedback:write"
    SIGNALS_WRITE = "signals:write"
    SIGNALS_MATCH = "signals:match"
    WEBHOOKS_MANAGE = "webhooks:manage"
    AUDIT_WITNESS = "audit:witness"
    REPORTS_READ = "reports:read"
    REPORTS_FILE = "reports:file"
    STATS_SUBMIT = "stats:submit"
    POLICY_ASSESS = "policy:assess"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PLATFORM: frozenset(
        {
            Permission.SCAN,
            Permission.LOOKUP,
            Permission.BANKS_READ,
            Permission.BANKS_WRITE,
            Permission.TEXT_ANALYZE,
            Permission.CASES_APPEAL,
            Permission.FEEDS_READ,
            Permission.FEEDBACK_WRITE,
            Permission.SIGNALS_WRITE,
            Permission.SIGNALS_MATCH,
            Permission.AUDIT_WITNESS,
            Permission.STATS_SUBMIT,
        }
    ),
    Role.REVIEWER: frozenset(
        {
            Permission.LOOKUP,
            Permission.BANKS_READ,
            Permission.CASES_READ,
            Permission.CASES_REVIEW,
            Permission.EVIDENCE_READ,
            Permission.FEEDBACK_WRITE,
            Permission.SIGNALS_MATCH,
            Permission.REPORTS_READ,
            Permission.REPORTS_FILE,
        }
    ),
    # Another organisation's instance (a hotline, a platform) may witness audit checkpoints.
    Role.HOTLINE: frozenset(
        {
            Permission.LOOKUP,
            Permission.BANKS_READ,
            Permission.BANKS_WRITE,
            Permission.FEEDS_READ,
            Permission.FEEDBACK_WRITE,
            Permission.SIGNALS_WRITE,
            Permission.SIGNALS_MATCH,
            Permission.AUDIT_WITNESS,
            # Reports sent to the hotline's organisation (read only).
            Permission.REPORTS_READ,
        }
    ),
    # The regulator sees aggregated statistics and nothing else.
    Role.REGULATOR: frozenset({Permission.STATS_READ}),
}


def allowed(role: Role, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission``."""
    return permission in GRANTS[role]


def check_permission(principal: Principal, permission: Permission) -> None:
    """Raise ``PermissionDenied`` unless the caller's role holds ``permission``."""
    if not allowed(principal.role, permission):
        raise PermissionDenied(
            f"the {principal.role.value} role may not do this (needs {permission.value})"
        )
