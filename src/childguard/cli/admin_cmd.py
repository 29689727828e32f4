"""``childguard org``, ``childguard key`` and ``childguard audit``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer
from sqlalchemy import select

from childguard import audit, witness_client
from childguard import audit_checkpoints as checkpoints
from childguard.audit import cli_actor
from childguard.auth import create_key, create_org, get_org, revoke_key
from childguard.cli.common import JSON_HELP, handle_errors, load_settings, print_json, report
from childguard.errors import InvalidInput
from childguard.store.db import Database
from childguard.store.models import MAX_ID, ApiKey, AuditRecord, Org

org_app = typer.Typer(help="Organisations using this deployment.", no_args_is_help=True)
key_app = typer.Typer(help="API keys (stored hashed, shown once).", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@org_app.command("create")
@handle_errors
def org_create(
    name: str = typer.Argument(..., help="Lowercase slug, e.g. acme-social."),
    display_name: str = typer.Option("", "--display-name", help="Human-readable name."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Create an organisation."""
    db = Database.open(load_settings())
    with db.session(write=True) as s:
        org = create_org(s, name, display_name, actor=cli_actor())
        payload = {"id": org.id, "name": org.name, "display_name": org.display_name}
    report(json_out, payload, f"created organisation {org.name} (id {org.id})")


@org_app.command("list")
@handle_errors
def org_list(json_out: bool = typer.Option(False, "--json", help="JSON lines.")) -> None:
    """List organisations."""
    db = Database.open(load_settings())
    with db.session() as s:
        for org in s.scalars(select(Org).order_by(Org.name)):
            if json_out:
                print_json({"id": org.id, "name": org.name, "display_name": org.display_name})
            else:
                typer.echo(f"{org.id:5}  {org.name:24} {org.display_name}")


@key_app.command("create")
@handle_errors
def key_create(
    org: str = typer.Option(..., "--org", help="Organisation the key acts for."),
    role: str = typer.Option(
        ..., "--role", help="admin, platform, reviewer, hotline or regulator."
    ),
    name: str = typer.Option("", "--name", help="What the key is for."),
    expires_in_days: int | None = typer.Option(
        None, "--expires-in-days", min=1, help="Expire after this many days."
    ),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Create an API key and print it once (only its hash is stored).

    The key is printed alone on the last line of standard output (``key=$(... | tail -1)``).
    """
    expires = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    db = Database.open(load_settings())
    with db.session(write=True) as s:
        new = create_key(s, get_org(s, org), role, name=name, expires_at=expires, actor=cli_actor())
    payload = {
        "id": new.key.id,
        "prefix": new.key.prefix,
        "org": org,
        "role": new.key.role,
        "name": new.key.name,
        "expires_at": expires.isoformat() if expires else None,
        "key": new.secret,
    }
    text = f"created key {new.key.id} ({new.key.prefix}) for {org} as {new.key.role}; the key:"
    report(json_out, payload, f"{text}\n{new.secret}")
    typer.echo("store it now: it cannot be shown again", err=True)


@key_app.command("list")
@handle_errors
def key_list(
    org: str | None = typer.Option(None, "--org", help="Only this organisation."),
    json_out: bool = typer.Option(False, "--json", help="JSON lines."),
) -> None:
    """List keys (never their secrets)."""
    db = Database.open(load_settings())
    with db.session() as s:
        names = {o.id: o.name for o in s.scalars(select(Org))}
        query = select(ApiKey).order_by(ApiKey.id)
        if org:
            query = query.where(ApiKey.org_id == get_org(s, org).id)
        for k in s.scalars(query):
            row = {
                "id": k.id,
                "prefix": k.prefix,
                "org": names.get(k.org_id, "?"),
                "role": k.role,
                "name": k.name,
                "created_at": k.created_at.isoformat(),
                "expires_at": k.expires_at.isoformat() if k.expires_at else None,
                "revoked": k.revoked_at is not None,
            }
            if json_out:
                print_json(row)
            else:
                state = "revoked" if row["revoked"] else "active"
                typer.echo(f"{k.id:5}  {k.prefix}  {row['org']:20} {k.role:10} {state:8} {k.name}")


@key_app.command("revoke")
@handle_errors
def key_revoke(
    key: str = typer.Argument(..., help="Key id or prefix."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Revoke a key; servers stop accepting it within seconds."""
    db = Database.open(load_settings())
    with db.session(write=True) as s:
        k = revoke_key(s, key, actor=cli_actor())
        payload = {"id": k.id, "prefix": k.prefix, "revoked": True}
    report(json_out, payload, f"revoked key {k.id} ({k.prefix})")


@audit_app.command("verify")
@handle_errors
def audit_verify(
    witness: str | None = typer.Option(
        None, "--witness", help="Also check against the newest checkpoint this witness signed."
    ),
    witness_public_key: str | None = typer.Option(
        None, "--witness-public-key", help="The witness's public key (hex), pinned."
    ),
    witness_api_key: str | None = typer.Option(
        None, "--witness-api-key", envvar="CHILDGUARD_WITNESS_API_KEY", help="Key at the witness."
    ),
) -> None:
    """Check the hash chain and the signed checkpoints; exit 1 if the log was tampered with.

    Detects edited, removed or reordered records, and, against the checkpoints, deleted newest
    records (naming the missing range) and rewritten records (naming the first bad one).
    """
    settings = load_settings()
    db = Database.open(settings)
    key = checkpoints.load_or_create_key(settings)
    with db.session() as s:
        cps = checkpoints.read_checkpoints(checkpoints.checkpoint_path(settings))
        report = checkpoints.verify(s, cps, checkpoints.public_hex(key))
        if report.ok and witness is not None:
            if not witness_public_key or not witness_api_key:
                raise InvalidInput("--witness needs --witness-public-key and --witness-api-key")
            origin = checkpoints.key_fingerprint(checkpoints.public_hex(key))
            statement = witness_client.fetch_witnessed(witness, witness_api_key, origin)
            report = checkpoints.check_witnessed(
                s, statement, witness_public_key.strip().lower(), checkpoints.public_hex(key)
            )
    if report.ok:
        signed = f", {cps[-1].size} under the newest signed checkpoint" if cps else ""
        typer.echo(f"audit log intact: {report.records} records{signed}")
        return
    typer.echo(f"audit log BROKEN: {report.problem}", err=True)
    raise typer.Exit(1)


@audit_app.command("checkpoint")
@handle_errors
def audit_checkpoint(
    witness: str | None = typer.Option(
        None, "--witness", help="Base URL of a childguard instance that countersigns it."
    ),
    witness_api_key: str | None = typer.Option(
        None, "--witness-api-key", envvar="CHILDGUARD_WITNESS_API_KEY", help="Key at the witness."
    ),
) -> None:
    """Sign the audit log's head now and append it to the checkpoint file."""
    settings = load_settings()
    db = Database.open(settings)
    with db.session() as s:
        cp = checkpoints.make_checkpoint(s, settings)
    if cp is None:
        cps = checkpoints.read_checkpoints(checkpoints.checkpoint_path(settings))
        cp = cps[-1] if cps else None
        typer.echo("no new records since the last checkpoint")
    else:
        typer.echo(f"checkpoint: {cp.size} records, head {cp.head[:16]}, key {cp.origin}")
    if witness is not None and cp is not None:
        if not witness_api_key:
            raise InvalidInput("--witness needs --witness-api-key (a key at the witness)")
        cosig = witness_client.request_cosignature(witness, witness_api_key, cp)
        checkpoints.add_cosignature(settings, cp, cosig)
        typer.echo(f"countersigned by witness {cosig['witness']}")


@audit_app.command("public-key")
@handle_errors
def audit_public_key() -> None:
    """Print the public key that signs this log's checkpoints (give it to verifiers)."""
    key = checkpoints.load_or_create_key(load_settings())
    typer.echo(checkpoints.public_hex(key))


@audit_app.command("list")
@handle_errors
def audit_list(
    after: int = typer.Option(0, "--after", min=0, max=MAX_ID, help="Only records after this id."),
    limit: int = typer.Option(100, "--limit", min=1, max=100000, help="How many."),
    json_out: bool = typer.Option(False, "--json", help="JSON lines."),
) -> None:
    """Print audit records, oldest first."""
    db = Database.open(load_settings())
    with db.session() as s:
        rows = s.scalars(
            select(AuditRecord).where(AuditRecord.id > after).order_by(AuditRecord.id).limit(limit)
        )
        for rec in rows:
            out = audit.public(rec)
            if json_out:
                print_json(out)
            else:
                typer.echo(f"{rec.id:6} {out['at']} {rec.actor:24} {rec.action:22} {rec.target}")


def register(app: typer.Typer) -> None:
    """Attach ``org``, ``key`` and ``audit``."""
    app.add_typer(org_app, name="org")
    app.add_typer(key_app, name="key")
    app.add_typer(audit_app, name="audit")
