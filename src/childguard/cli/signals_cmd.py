"""``childguard signals``: Lantern-like account signals shared as keyed hashes in groups."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import typer

from childguard.cli.common import handle_errors, load_settings, print_json
from childguard.cli.context import open_context
from childguard.errors import InvalidInput
from childguard.exchange import accounts

signals_app = typer.Typer(
    help="Account and URL signals shared with a group as keyed hashes.", no_args_is_help=True
)


@signals_app.command("group")
@handle_errors
def group(
    name: str = typer.Argument(..., help="Group name (slug)."),
    key: str | None = typer.Option(
        None, "--key", envvar="CHILDGUARD_GROUP_KEY", help="Join with the key a member gave."
    ),
) -> None:
    """Create a sharing group (prints its key, for the other members) or join one with --key."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        grp, group_key = accounts.create_group(s, ctx.org, name, key, ctx.actor)
    typer.echo(f"member of group {grp.name}")
    if key is None:
        typer.echo(group_key)
        typer.echo("give this key to the other members over a secure channel", err=True)


@signals_app.command("allow")
@handle_errors
def allow(
    group: str = typer.Argument(..., help="Group name."),
    category: str = typer.Argument(..., help=f"One of {', '.join(accounts.CATEGORIES)}."),
    deny: bool = typer.Option(False, "--deny", help="Stop sharing this category."),
) -> None:
    """Choose to share (or stop sharing) a category of signals with a group."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        grp = accounts.get_group(s, ctx.org, group)
        accounts.set_category(s, ctx.org, grp, category, allow=not deny, actor=ctx.actor)
    typer.echo(f"{'stopped sharing' if deny else 'sharing'} {category.upper()} with {group}")


@signals_app.command("share")
@handle_errors
def share(
    group: str = typer.Argument(..., help="Group name."),
    kind: str = typer.Argument(..., help="phone, handle, email or url."),
    category: str = typer.Argument(..., help="The category, e.g. SEXTORTION."),
    platform: str | None = typer.Option(None, "--platform", help="For handles: telegram, ..."),
    expires_days: int = typer.Option(365, "--expires-days", min=1, max=3650),
) -> None:
    """Share one identifier read from stdin (kept out of shell history) as a keyed hash."""
    value = sys.stdin.readline().strip()
    if not value:
        raise InvalidInput("write the identifier on standard input")
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        grp = accounts.get_group(s, ctx.org, group)
        signal = accounts.share(
            s,
            ctx.org,
            grp,
            kind,
            value,
            category,
            expires_in=timedelta(days=expires_days),
            actor=ctx.actor,
            platform=platform,
        )
    typer.echo(
        f"shared signal {signal.id} ({signal.category}, expires {signal.expires_at:%Y-%m-%d})"
    )


@signals_app.command("match")
@handle_errors
def match(json_out: bool = typer.Option(False, "--json", help="JSON lines.")) -> None:
    """Check entities (a JSON list of {type, value, platform?} on stdin) against signals."""
    try:
        entities = json.loads(sys.stdin.read() or "[]")
    except ValueError:
        raise InvalidInput("standard input must be a JSON list of entities") from None
    if not isinstance(entities, list):
        raise InvalidInput("standard input must be a JSON list of entities")
    ctx = open_context(load_settings())
    with ctx.db.session() as s:
        hits = accounts.match_entities(s, ctx.org.id, [e for e in entities if isinstance(e, dict)])
    for hit in hits:
        if json_out:
            print_json(hit.to_public())
        else:
            typer.echo(f"{hit.kind} {hit.value}: {hit.category} from {hit.sharing_org}")
    if not hits and not json_out:
        typer.echo("no match")


def register(app: typer.Typer) -> None:
    """Attach ``signals``."""
    app.add_typer(signals_app, name="signals")
