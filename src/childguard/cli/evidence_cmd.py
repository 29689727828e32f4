"""``childguard evidence``: the encrypted evidence store (opt-in, list, holds, purge, keys).

Commands act for ``--org`` (default ``CHILDGUARD_ORG``); ``purge`` and ``rotate-key --master``
cover the whole deployment unless ``--org`` narrows the purge. Bytes are never printed: reads
of content go through the API or the console, where they are audited.
"""

from __future__ import annotations

import typer

from childguard import evidence
from childguard.audit import Actor
from childguard.auth import get_org
from childguard.cli.common import handle_errors, load_settings, print_json
from childguard.cli.context import CliContext, open_context
from childguard.errors import InvalidInput
from childguard.evidence.store import EvidenceSettings, public
from childguard.store.models import EvidenceItem

evidence_app = typer.Typer(
    help="The encrypted evidence store: opt-in, items, legal holds, purge and keys.",
    no_args_is_help=True,
)

ORG_OPTION = typer.Option(None, "--org", help="Organisation (default: CHILDGUARD_ORG).")
JSON_OPTION = typer.Option(False, "--json", help="JSON lines.")


def _target(org: str | None) -> tuple[CliContext, int, Actor]:
    """The CLI context, the organisation acted for and the audit actor."""
    ctx = open_context(load_settings())
    if org is None or org == ctx.org.name:
        return ctx, ctx.org.id, ctx.actor
    with ctx.db.session() as s:
        org_id = get_org(s, org).id
    return ctx, org_id, Actor(org_id, None, ctx.actor.name)


def _echo_settings(s: EvidenceSettings, json_out: bool) -> None:
    row = {
        "enabled": s.enabled,
        "org_enabled": s.org_enabled,
        "deployment_enabled": s.deployment_enabled,
        "retention_days": s.retention_days,
        "reported_retention_days": s.reported_retention_days,
    }
    if json_out:
        print_json(row)
        return
    why = (
        "CHILDGUARD_EVIDENCE_ENABLED is on"
        if s.deployment_enabled
        else "the organisation opted in"
        if s.org_enabled
        else "the organisation has not opted in"
    )
    typer.echo(
        f"evidence {'on' if s.enabled else 'off'} ({why}); kept {s.retention_days} days, "
        f"{s.reported_retention_days} days once reported"
    )


def _echo_item(item: EvidenceItem, json_out: bool) -> None:
    if json_out:
        print_json(public(item))
        return
    state = (
        f"deleted {item.deleted_at:%Y-%m-%d} by {item.deleted_by}: {item.delete_reason}"
        if item.deleted_at
        else "held: " + item.hold_reason
        if item.legal_hold
        else f"expires {item.expires_at:%Y-%m-%d}"
    )
    typer.echo(
        f"{item.id:6}  case {item.case_id:<6} {item.sha256[:16]}  {item.size:>10} B  "
        f"{item.mime:14} {state}"
    )


@evidence_app.command("status")
@handle_errors
def status_cmd(org: str | None = ORG_OPTION, json_out: bool = JSON_OPTION) -> None:
    """Show whether the organisation keeps evidence and for how long."""
    ctx, org_id, _ = _target(org)
    with ctx.db.session() as s:
        _echo_settings(evidence.get_settings(s, ctx.settings, org_id), json_out)


def _set(org: str | None, enabled: bool) -> None:
    ctx, org_id, actor = _target(org)
    with ctx.db.session(write=True) as s:
        _echo_settings(evidence.set_enabled(s, ctx.settings, org_id, enabled, actor=actor), False)


@evidence_app.command("enable")
@handle_errors
def enable_cmd(org: str | None = ORG_OPTION) -> None:
    """Opt the organisation in: media of its cases is kept, encrypted (audited)."""
    _set(org, True)


@evidence_app.command("disable")
@handle_errors
def disable_cmd(org: str | None = ORG_OPTION) -> None:
    """Opt the organisation out; items already kept stay until they expire or are deleted."""
    _set(org, False)


@evidence_app.command("list")
@handle_errors
def list_cmd(
    org: str | None = ORG_OPTION,
    case_id: int | None = typer.Option(None, "--case", help="Only this case's items."),
    sha256: str | None = typer.Option(None, "--sha256", help="Only items with this SHA-256."),
    include_deleted: bool = typer.Option(
        False, "--include-deleted", help="Also list tombstones of deleted items."
    ),
    after: int = typer.Option(0, "--after", min=0, help="Start after this item id."),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000, help="Most items listed."),
    json_out: bool = JSON_OPTION,
) -> None:
    """List kept items (metadata only, never content)."""
    ctx, org_id, _ = _target(org)
    with ctx.db.session() as s:
        for item in evidence.list_items(
            s,
            org_id,
            case_id=case_id,
            sha256=sha256,
            include_deleted=include_deleted,
            after=after,
            limit=limit,
        ):
            _echo_item(item, json_out)


@evidence_app.command("show")
@handle_errors
def show_cmd(
    item_id: int = typer.Argument(..., help="Evidence item id."),
    org: str | None = ORG_OPTION,
) -> None:
    """Show one item's metadata as JSON."""
    ctx, org_id, _ = _target(org)
    with ctx.db.session() as s:
        print_json(public(evidence.get_item(s, org_id, item_id)))


@evidence_app.command("hold")
@handle_errors
def hold_cmd(
    item_id: int = typer.Argument(..., help="Evidence item id."),
    reason: str = typer.Option(..., "--reason", help="Why (e.g. the court order's reference)."),
    org: str | None = ORG_OPTION,
) -> None:
    """Put an item on legal hold: it is never purged while held."""
    ctx, org_id, actor = _target(org)
    with ctx.db.session(write=True) as s:
        evidence.hold(s, org_id, item_id, actor=actor, reason=reason)
    typer.echo(f"evidence {item_id} is on legal hold")


@evidence_app.command("release")
@handle_errors
def release_cmd(
    item_id: int = typer.Argument(..., help="Evidence item id."),
    org: str | None = ORG_OPTION,
) -> None:
    """Lift an item's legal hold; its expiry applies again."""
    ctx, org_id, actor = _target(org)
    with ctx.db.session(write=True) as s:
        item = evidence.release(s, org_id, item_id, actor=actor)
        typer.echo(f"evidence {item_id} released; expires {item.expires_at:%Y-%m-%d}")


@evidence_app.command("delete")
@handle_errors
def delete_cmd(
    item_id: int = typer.Argument(..., help="Evidence item id."),
    reason: str = typer.Option(..., "--reason", help="Why it is deleted now."),
    org: str | None = ORG_OPTION,
) -> None:
    """Delete an item now: file removed and verified gone, record kept as a tombstone."""
    ctx, org_id, actor = _target(org)
    with ctx.db.session(write=True) as s:
        evidence.delete(s, ctx.settings, org_id, item_id, actor=actor, reason=reason)
    typer.echo(f"evidence {item_id} deleted")


@evidence_app.command("purge")
@handle_errors
def purge_cmd(
    org: str | None = typer.Option(None, "--org", help="Only this organisation (default: all)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Delete every expired item not on legal hold, then sweep leftover files."""
    ctx = open_context(load_settings())
    org_id = None
    if org is not None:
        with ctx.db.session() as s:
            org_id = get_org(s, org).id
    actor = Actor(None, None, ctx.actor.name)
    report = evidence.purge(ctx.db, ctx.settings, org_id=org_id, actor=actor)
    if json_out:
        print_json(report.as_dict())
        return
    typer.echo(
        f"purged {report.purged} expired items; removed {report.orphans_removed} orphaned "
        f"and {report.temp_removed} temporary files"
    )
    if report.missing:
        ids = ", ".join(str(i) for i in report.missing[:20])
        typer.echo(f"warning: {len(report.missing)} live items have no file: {ids}", err=True)


@evidence_app.command("rotate-key")
@handle_errors
def rotate_key_cmd(
    org: str | None = ORG_OPTION,
    master: bool = typer.Option(
        False, "--master", help="Rotate the master key and re-wrap every data key instead."
    ),
    reencrypt: bool = typer.Option(
        False, "--reencrypt", help="Also rewrite the organisation's older items with the new key."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """Rotate an organisation's data key (or, with --master, the deployment's master key)."""
    ctx = open_context(load_settings())
    if master:
        if org is not None or reencrypt:
            raise InvalidInput("--master rotates the whole deployment: drop --org/--reencrypt")
        rotation = evidence.rotate_master_key(ctx.db, ctx.settings, actor=ctx.actor)
        if json_out:
            print_json(rotation.as_dict())
            return
        typer.echo(
            f"master key {rotation.master_key_id}: {rotation.rewrapped} data keys re-wrapped"
        )
        if rotation.remove_previous_from_settings:
            typer.echo("you may now remove CHILDGUARD_EVIDENCE_PREVIOUS_MASTER_KEYS")
        return
    ctx, org_id, actor = _target(org)
    with ctx.db.session(write=True) as s:
        key_id = evidence.rotate_org_key(s, ctx.settings, org_id, actor=actor).id
    done = evidence.reencrypt_org(ctx.db, ctx.settings, org_id, actor=actor) if reencrypt else 0
    if json_out:
        print_json({"key_id": key_id, "reencrypted": done})
    else:
        typer.echo(f"new data key {key_id}; {done} items re-encrypted")


def register(app: typer.Typer) -> None:
    """Attach the ``evidence`` group."""
    app.add_typer(evidence_app, name="evidence")
