"""Administration: banks, users and keys, queues and routing, policies, webhooks, the audit log.

Each page calls the services the API's admin routes call; every change is audited there.
"""

from __future__ import annotations

import io
import json

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard import audit
from childguard.api.permissions import Permission
from childguard.auth import create_key, revoke_key
from childguard.cases import policies, routing
from childguard.errors import InvalidInput, NotFound
from childguard.media.bank_formats import parse_entries
from childguard.media.banks import BankRepository
from childguard.people import users
from childguard.store.models import ApiKey, AuditRecord, BankEntry, Org
from childguard.web.context import Console, ConsoleDep, FormDep, redirect
from childguard.webhooks import subscriptions as webhooks

router = APIRouter(prefix="/admin", include_in_schema=False)

ENTRY_PAGE = 200
AUDIT_PAGE = 100
MAX_IMPORT_BYTES = 64 * 1024 * 1024


def _org(page: Console, session: Session) -> Org:
    org = session.get(Org, page.me.org_id)
    assert org is not None
    return org


@router.get("")
def admin_index(page: ConsoleDep) -> Response:
    """Links to each administration page."""
    page.require(Permission.CASES_MANAGE)
    return page.render("admin/index.html")


# -- banks ---------------------------------------------------------------------------------------


@router.get("/banks")
def banks_page(page: ConsoleDep) -> Response:
    """The banks this organisation sees, with their entry counts."""
    page.require(Permission.BANKS_WRITE)
    with page.state.db.session() as s:
        banks = BankRepository(s, _org(page, s), page.me.actor).list_visible()
    return page.render("admin/banks.html", banks=banks)


@router.post("/banks")
def bank_create(page: ConsoleDep, form: FormDep) -> Response:
    """Create a bank."""
    page.require(Permission.BANKS_WRITE)
    with page.state.db.session(write=True) as s:
        bank = BankRepository(s, _org(page, s), page.me.actor).create(
            form.get("name", "").strip(), description=form.get("description", "")
        )
        name = bank.name
    page.state.apply_changes()
    return redirect(f"/admin/banks/{name}")


@router.get("/banks/{name}")
def bank_page(page: ConsoleDep, name: str, before: int | None = Query(default=None)) -> Response:
    """A bank's entries (hash, classification, false-positive count) and its import form."""
    page.require(Permission.BANKS_WRITE)
    with page.state.db.session() as s:
        repo = BankRepository(s, _org(page, s), page.me.actor)
        info = repo.info(name)
        bank = repo.get(name)
        query = select(BankEntry).where(BankEntry.bank_id == bank.id)
        if before is not None:
            query = query.where(BankEntry.id < before)
        entries = list(s.scalars(query.order_by(BankEntry.id.desc()).limit(ENTRY_PAGE)))
        rows = [
            {
                "id": e.id,
                "signal_type": e.signal_type,
                "value": e.value,
                "classification": e.classification,
                "false_positives": e.false_positives,
                "enabled": e.enabled,
            }
            for e in entries
        ]
    next_before = rows[-1]["id"] if len(rows) == ENTRY_PAGE else None
    return page.render("admin/bank.html", bank=info, entries=rows, next_before=next_before)


@router.post("/banks/{name}/import")
async def bank_import(page: ConsoleDep, form: FormDep, name: str, file: UploadFile) -> Response:
    """Import a file of entries (the CLI's formats); the page shows the upload's progress."""
    page.require(Permission.BANKS_WRITE)
    raw = await file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            "the file is larger than 64 MiB: import it with `childguard bank import`"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "the file is not UTF-8 text (CSV, JSON lines or one hash a line)"
        ) from None
    signal_type = form.get("signal_type") or None
    entries = parse_entries(io.StringIO(text), signal_type=signal_type, source="console")
    with page.state.db.session(write=True) as s:
        repo = BankRepository(s, _org(page, s), page.me.actor)
        summary = repo.add_entries(repo.get(name, write=True), entries)
    page.state.apply_changes()
    return redirect(f"/admin/banks/{name}?added={summary.added}&merged={summary.merged}")


# -- users and keys ------------------------------------------------------------------------------


@router.get("/users")
def users_page(page: ConsoleDep) -> Response:
    """The organisation's console users and API keys."""
    page.require(Permission.KEYS_MANAGE)
    with page.state.db.session() as s:
        people = users.list_users(s, page.me.org_id)
        keys = list(
            s.scalars(select(ApiKey).where(ApiKey.org_id == page.me.org_id).order_by(ApiKey.id))
        )
    return page.render("admin/users.html", people=people, keys=keys, shown_secret="")


@router.post("/users")
def user_create(page: ConsoleDep, form: FormDep) -> Response:
    """Create a user with a one-time password shown once on the page."""
    page.require(Permission.KEYS_MANAGE)
    password = users.generate_password()
    with page.state.db.session(write=True) as s:
        users.create_user(
            s,
            _org(page, s),
            form.get("email", ""),
            form.get("role", ""),
            password,
            actor=page.me.actor,
            locale=form.get("locale", ""),
        )
        people = users.list_users(s, page.me.org_id)
        keys = list(s.scalars(select(ApiKey).where(ApiKey.org_id == page.me.org_id)))
        return page.render(
            "admin/users.html",
            people=people,
            keys=keys,
            shown_secret=password,
            shown_what="password",
        )


@router.post("/users/{user_id}/unlock")
def user_unlock(page: ConsoleDep, form: FormDep, user_id: int) -> Response:
    """End a lockout early."""
    page.require(Permission.KEYS_MANAGE)
    with page.state.db.session(write=True) as s:
        users.unlock(s, users.get_user(s, page.me.org_id, user_id), page.me.actor)
    return redirect("/admin/users")


@router.post("/keys")
def key_create(page: ConsoleDep, form: FormDep) -> Response:
    """Create an API key (shown once)."""
    page.require(Permission.KEYS_MANAGE)
    with page.state.db.session(write=True) as s:
        new = create_key(
            s, _org(page, s), form.get("role", ""), name=form.get("name", ""), actor=page.me.actor
        )
        people = users.list_users(s, page.me.org_id)
        keys = list(s.scalars(select(ApiKey).where(ApiKey.org_id == page.me.org_id)))
        return page.render(
            "admin/users.html", people=people, keys=keys, shown_secret=new.secret, shown_what="key"
        )


@router.post("/keys/{key_id}/revoke")
def key_revoke(page: ConsoleDep, form: FormDep, key_id: int) -> Response:
    """Revoke one of the organisation's keys."""
    page.require(Permission.KEYS_MANAGE)
    with page.state.db.session(write=True) as s:
        key = s.get(ApiKey, key_id)
        if key is None or key.org_id != page.me.org_id:
            raise NotFound(f"no key {key_id} in your organisation")
        revoke_key(s, str(key_id), page.me.actor)
    return redirect("/admin/users")


# -- queues, routing and policies ----------------------------------------------------------------


@router.get("/queues")
def queues_page(page: ConsoleDep) -> Response:
    """Queues with their counts, the routing rules (as JSON) and the policies."""
    page.require(Permission.CASES_MANAGE)
    with page.state.db.session(write=True) as s:
        queues = routing.list_queues(s, page.me.org_id)
        rules = [r.to_public() for r in routing.list_rules(s, page.me.org_id)]
        policy_rows = policies.list_policies(s, page.me.org_id, include_disabled=True)
        policy_list = [policies.policy_public(p) for p in policy_rows]
    return page.render(
        "admin/queues.html",
        queues=queues,
        rules=json.dumps(rules, indent=2),
        policies=policy_list,
    )


@router.post("/queues")
def queue_create(page: ConsoleDep, form: FormDep) -> Response:
    """Add a queue."""
    page.require(Permission.CASES_MANAGE)
    with page.state.db.session(write=True) as s:
        routing.create_queue(
            s, page.me.org_id, page.me.actor, form.get("name", ""), form.get("description", "")
        )
    return redirect("/admin/queues")


@router.post("/routing")
def rules_set(page: ConsoleDep, form: FormDep) -> Response:
    """Replace the routing rules with the JSON list from the form."""
    page.require(Permission.CASES_MANAGE)
    try:
        raw = json.loads(form.get("rules", "[]") or "[]")
    except json.JSONDecodeError:
        raise InvalidInput("the rules are not valid JSON (a list of objects)") from None
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise InvalidInput("the rules must be a JSON list of objects")
    allowed = {"queue", "label", "bank", "classification", "language", "min_priority"}
    specs = []
    for number, rule in enumerate(raw):
        unknown = set(rule) - allowed
        if unknown or "queue" not in rule:
            fields = ", ".join(sorted(allowed))
            raise InvalidInput(f"rules[{number}]: each rule needs 'queue' and may have {fields}")
        specs.append(routing.RuleSpec(**rule))
    with page.state.db.session(write=True) as s:
        routing.set_rules(s, page.me.org_id, page.me.actor, specs)
    return redirect("/admin/queues")


@router.post("/policies")
def policy_change(page: ConsoleDep, form: FormDep) -> Response:
    """Add or disable a policy."""
    page.require(Permission.CASES_MANAGE)
    with page.state.db.session(write=True) as s:
        if form.get("action") == "disable":
            policies.disable_policy(s, page.me.org_id, page.me.actor, form.get("name", ""))
        else:
            policies.add_policy(
                s, page.me.org_id, page.me.actor, form.get("name", ""), form.get("description", "")
            )
    return redirect("/admin/queues#policies")


# -- webhooks ------------------------------------------------------------------------------------


@router.get("/webhooks")
def webhooks_page(page: ConsoleDep, webhook: int | None = Query(default=None)) -> Response:
    """Webhooks and, for the chosen one, its delivery log."""
    page.require(Permission.WEBHOOKS_MANAGE)
    with page.state.db.session() as s:
        hooks = [
            {
                "id": h.id,
                "url": h.url,
                "events": webhooks.event_list(h),
                "description": h.description,
            }
            for h in webhooks.list_webhooks(s, page.me.org_id)
        ]
        deliveries = []
        if webhook is not None:
            deliveries = [
                {
                    "id": m.id,
                    "topic": m.topic,
                    "status": m.status,
                    "attempts": m.attempts,
                    "created_at": m.created_at,
                    "last_status_code": m.last_status_code,
                    "last_error": m.last_error,
                }
                for m in webhooks.list_deliveries(s, page.me.org_id, webhook, limit=100)
            ]
    return page.render("admin/webhooks.html", hooks=hooks, deliveries=deliveries, selected=webhook)


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")
def webhook_redeliver(
    page: ConsoleDep, form: FormDep, webhook_id: int, delivery_id: int
) -> Response:
    """Send a dead or delivered delivery again."""
    page.require(Permission.WEBHOOKS_MANAGE)
    with page.state.db.session(write=True) as s:
        webhooks.redeliver(s, page.me.org_id, webhook_id, delivery_id, actor=page.me.actor)
    return redirect(f"/admin/webhooks?webhook={webhook_id}")


# -- audit ---------------------------------------------------------------------------------------


@router.get("/audit")
def audit_page(
    page: ConsoleDep, before: int | None = Query(default=None), verify: int = Query(default=0)
) -> Response:
    """The organisation's audit records, newest first; ``verify=1`` checks the whole chain."""
    page.require(Permission.AUDIT_READ)
    with page.state.db.session() as s:
        query = select(AuditRecord).where(AuditRecord.org_id == page.me.org_id)
        if before is not None:
            query = query.where(AuditRecord.id < before)
        records = [
            audit.public(r)
            for r in s.scalars(query.order_by(AuditRecord.id.desc()).limit(AUDIT_PAGE))
        ]
        report = audit.verify_chain(s) if verify else None
    next_before = records[-1]["id"] if len(records) == AUDIT_PAGE else None
    return page.render("admin/audit.html", records=records, report=report, next_before=next_before)
