"""The database and organisation a CLI command works on."""

from __future__ import annotations

from dataclasses import dataclass

from childguard.audit import Actor, cli_actor
from childguard.auth import ensure_org
from childguard.config import Settings
from childguard.store.db import Database
from childguard.store.models import Org


@dataclass(frozen=True)
class CliContext:
    """Open database, the acting organisation (``CHILDGUARD_ORG``) and the audit actor."""

    settings: Settings
    db: Database
    org: Org
    actor: Actor


def open_context(settings: Settings) -> CliContext:
    """Open (creating on first use) the database and the CLI's organisation."""
    db = Database.open(settings)
    with db.session(write=True) as session:
        org = ensure_org(session, settings.org, actor=cli_actor())
    return CliContext(settings, db, org, cli_actor(org.id, org.name))
