"""``childguard feed``: publish banks as signed feeds, subscribe to others', sync, feedback."""

from __future__ import annotations

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.auth import ensure_org
from childguard.cli.common import handle_errors, load_settings, print_json
from childguard.cli.context import CliContext, open_context
from childguard.errors import InvalidInput
from childguard.exchange import accounts, feedback, feeds, subscriptions
from childguard.exchange.transport import HttpxClient
from childguard.store.models import Bank, SharingGroup, Subscription

feed_app = typer.Typer(
    help="Signed feeds between organisations: publish, subscribe, sync, feedback.",
    no_args_is_help=True,
)


def _client(ctx: CliContext) -> HttpxClient:
    return HttpxClient(timeout=ctx.settings.feed_timeout_seconds)


@feed_app.command("publish")
@handle_errors
def publish(
    bank: str | None = typer.Argument(None, help="Bank to publish (UPPER_SNAKE name)."),
    name: str | None = typer.Option(None, "--name", help="Feed name (default ORG-BANK)."),
    group: str | None = typer.Option(
        None, "--group", help="Publish this sharing group's signals instead of a bank."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print {name, path, fingerprint}."),
) -> None:
    """Publish a bank as a feed; prints its path and your organisation's key fingerprint."""
    if (bank is None) == (group is None):
        raise InvalidInput("give a BANK or --group GROUP")
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        if bank is not None:
            info = feeds.publish_bank(
                s, ctx.settings.data_dir, ctx.org, bank, name=name, actor=ctx.actor
            )
        else:
            grp = accounts.get_group(s, ctx.org, str(group))
            info = feeds.create_signals_feed(
                s,
                ctx.settings.data_dir,
                ctx.org,
                grp.id,
                name or f"{ctx.org.name}-{grp.name}-signals",
                ctx.actor,
            )
    if json_out:
        print_json({"name": info.name, "path": info.path, "fingerprint": info.fingerprint})
    else:
        typer.echo(f"feed {info.name}: {info.path}")
        typer.echo(f"fingerprint: {info.fingerprint}")
        typer.echo(f"grant access with `childguard feed grant {info.name} ORG`", err=True)


@feed_app.command("list")
@handle_errors
def list_feeds(json_out: bool = typer.Option(False, "--json", help="JSON lines.")) -> None:
    """Feeds your organisation publishes."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        infos = feeds.list_feeds(s, ctx.settings.data_dir, ctx.org)
    for info in infos:
        if json_out:
            print_json(info.to_public())
        else:
            subs = ", ".join(info.subscribers) or "-"
            typer.echo(f"{info.name:32} {info.source:24} {info.changes:>9} changes  to: {subs}")


@feed_app.command("grant")
@handle_errors
def grant(
    feed: str = typer.Argument(..., help="Feed name."),
    org: str = typer.Argument(..., help="Subscribing organisation (created if new)."),
    revoke: bool = typer.Option(False, "--revoke", help="Take the access away instead."),
) -> None:
    """Let an organisation read a feed with its API keys (make one with `childguard key create`)."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        subscriber = ensure_org(s, org, actor=ctx.actor)
        feeds.grant(s, ctx.org, feed, subscriber, revoke=revoke, actor=ctx.actor)
    typer.echo(f"{'revoked' if revoke else 'granted'} {feed} for {org}")


@feed_app.command("rotate-key")
@handle_errors
def rotate_key() -> None:
    """Rotate your signing key; every feed announces the new key, signed by the old one."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        rotation = feeds.announce_rotation(s, ctx.settings.data_dir, ctx.org, ctx.actor)
    typer.echo(f"old fingerprint: {rotation.old_fingerprint}")
    typer.echo(f"new fingerprint: {rotation.new_fingerprint}")


@feed_app.command("subscribe")
@handle_errors
def subscribe(
    url: str = typer.Argument(..., help="http(s)://HOST/v1/feeds/NAME"),
    fingerprint: str = typer.Option(..., "--fingerprint", help="The publisher's fingerprint."),
    bank: str | None = typer.Option(None, "--bank", help="Local bank for a bank feed."),
    group: str | None = typer.Option(None, "--group", help="Sharing group for a signals feed."),
    token: str = typer.Option(
        "", "--token", envvar="CHILDGUARD_FEED_TOKEN", help="API key the publisher gave you."
    ),
) -> None:
    """Subscribe to a feed, pinning the publisher's key; the server then polls it."""
    ctx = open_context(load_settings())
    client = _client(ctx)
    try:
        key = subscriptions.fetch_key(client, url, fingerprint, token)
        with ctx.db.session(write=True) as s:
            group_id = accounts.get_group(s, ctx.org, group).id if group else None
            sub = subscriptions.subscribe(
                s,
                key,
                ctx.org,
                token=token,
                actor=ctx.actor,
                bank_name=bank,
                group_id=group_id,
            )
            typer.echo(f"subscription {sub.id}: {sub.url} -> {bank or group}")
    finally:
        client.close()


def _local(s: Session, sub: Subscription) -> str:
    if sub.bank_id is not None:
        b = s.get(Bank, sub.bank_id)
        return b.name if b else ""
    g = s.get(SharingGroup, sub.group_id) if sub.group_id else None
    return f"group:{g.name}" if g else ""


@feed_app.command("subscriptions")
@handle_errors
def list_subscriptions(json_out: bool = typer.Option(False, "--json", help="JSON lines.")) -> None:
    """Your subscriptions: checkpoint, status, last error, pages applied and refused."""
    ctx = open_context(load_settings())
    with ctx.db.session() as s:
        rows = [
            subscriptions.public(sub, _local(s, sub))
            for sub in s.scalars(
                select(Subscription)
                .where(Subscription.org_id == ctx.org.id)
                .order_by(Subscription.id)
            )
        ]
    for row in rows:
        if json_out:
            print_json(row)
        else:
            typer.echo(
                f"{row['id']:4} {row['status']:12} cursor {row['cursor']:<9} {row['url']} -> "
                f"{row['local']}  {row['last_error']}"
            )


@feed_app.command("sync")
@handle_errors
def sync(
    subscription: str | None = typer.Argument(None, help="Subscription id or URL (default all)."),
    json_out: bool = typer.Option(False, "--json", help="JSON lines."),
) -> None:
    """Pull and apply subscribed feeds now (ignoring backoff); exit 7 if any failed."""
    ctx = open_context(load_settings())
    with ctx.db.session() as s:
        if subscription:
            ids = [subscriptions.get_subscription(s, ctx.org, subscription).id]
        else:
            ids = list(s.scalars(select(Subscription.id).where(Subscription.org_id == ctx.org.id)))
    client = _client(ctx)
    failed = False
    try:
        for sub_id in ids:
            result = subscriptions.sync(
                ctx.db, ctx.settings, client, sub_id, apply_signals=accounts.apply_signals_page
            )
            failed = failed or result.status != "ok"
            if json_out:
                print_json(result.to_public())
            else:
                typer.echo(
                    f"subscription {sub_id}: {result.status}, {result.pages} pages, "
                    f"+{result.added} -{result.removed}"
                    + (f" ({result.error})" if result.error else "")
                )
        delivered = feedback.deliver(ctx.db, client)
        if delivered.sent or delivered.failed:
            typer.echo(f"feedback: {delivered.sent} sent, {delivered.failed} pending", err=True)
    finally:
        client.close()
    if failed:
        raise typer.Exit(7)


@feed_app.command("feedback")
@handle_errors
def give_feedback(
    subscription: str = typer.Argument(..., help="Subscription id or URL."),
    entry_id: int = typer.Argument(..., help="The publisher's entry id."),
    verdict: str = typer.Argument(..., help="seen, true_positive or false_positive."),
) -> None:
    """Queue feedback on one entry of a subscribed feed (sent at the next sync)."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        sub = subscriptions.get_subscription(s, ctx.org, subscription)
        feedback.record_feedback(s, ctx.org, sub, entry_id, verdict, ctx.actor)
    typer.echo(f"queued {verdict} on entry {entry_id}")


@feed_app.command("feedback-counts")
@handle_errors
def feedback_counts(
    feed: str = typer.Argument(..., help="One of your feeds."),
    json_out: bool = typer.Option(False, "--json", help="JSON lines."),
) -> None:
    """Feedback your subscribers sent, per entry and per subscriber."""
    ctx = open_context(load_settings())
    with ctx.db.session() as s:
        rows = feedback.counts(s, ctx.org, feed)
    for row in rows:
        if json_out:
            print_json(row)
        else:
            typer.echo(
                f"entry {row['entry_id']}: seen {row['seen']}, true {row['true_positive']}, "
                f"false {row['false_positive']}"
            )


@feed_app.command("disable-entry")
@handle_errors
def disable_entry(
    feed: str = typer.Argument(..., help="One of your bank feeds."),
    entry_id: int = typer.Argument(..., help="Entry id in the published bank."),
) -> None:
    """Disable an entry; its removal reaches every subscriber at their next sync."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        feedback.disable_entry(s, ctx.org, feed, entry_id, ctx.actor)
    typer.echo(f"entry {entry_id} disabled; subscribers will remove it")


def register(app: typer.Typer) -> None:
    """Attach ``feed``."""
    app.add_typer(feed_app, name="feed")
