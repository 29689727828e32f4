"""``childguard webhook``: the webhooks of the CLI's organisation (``CHILDGUARD_ORG``)."""

from __future__ import annotations

import typer

from childguard.cli.common import handle_errors, load_settings, print_json
from childguard.cli.context import open_context
from childguard.store.models import OutboxMessage, Webhook
from childguard.webhooks import subscriptions
from childguard.webhooks.events import EVENT_TYPES

webhook_app = typer.Typer(
    help="Webhooks: tell the platform about cases and actions (signed, retried).",
    no_args_is_help=True,
)


def _hook_dict(hook: Webhook) -> dict[str, object]:
    return {
        "id": hook.id,
        "url": hook.url,
        "events": subscriptions.event_list(hook),
        "description": hook.description,
        "created_at": hook.created_at.isoformat(),
    }


def _delivery_dict(m: OutboxMessage) -> dict[str, object]:
    return {
        "id": m.id,
        "event_id": m.message_id,
        "event_type": m.topic,
        "status": m.status,
        "attempts": m.attempts,
        "created_at": m.created_at.isoformat(),
        "last_status_code": m.last_status_code,
        "last_error": m.last_error,
    }


@webhook_app.command("add")
@handle_errors
def webhook_add(
    url: str = typer.Argument(..., help="http:// or https:// URL that receives events."),
    events: list[str] = typer.Option(
        list(EVENT_TYPES),
        "--event",
        "-e",
        help=f"Event type to send (repeat); default all: {', '.join(EVENT_TYPES)}.",
    ),
    description: str = typer.Option("", "--description", help="What the webhook is for."),
) -> None:
    """Add a webhook and print its signing secret once."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        new = subscriptions.create_webhook(
            s,
            ctx.org.id,
            url,
            list(events),
            allow_private=ctx.settings.webhook_allow_private,
            actor=ctx.actor,
            description=description,
        )
        typer.echo(f"webhook {new.webhook.id} for {ctx.org.name}: {new.webhook.events}")
        typer.echo(new.secret)
        typer.echo("store the secret now: it cannot be shown again", err=True)


@webhook_app.command("list")
@handle_errors
def webhook_list(json_out: bool = typer.Option(False, "--json", help="JSON lines.")) -> None:
    """List the organisation's webhooks (never their secrets)."""
    ctx = open_context(load_settings())
    with ctx.db.session() as s:
        for hook in subscriptions.list_webhooks(s, ctx.org.id):
            if json_out:
                print_json(_hook_dict(hook))
            else:
                typer.echo(f"{hook.id:5}  {hook.url}  {hook.events}")


@webhook_app.command("remove")
@handle_errors
def webhook_remove(webhook_id: int = typer.Argument(..., help="Webhook id.")) -> None:
    """Remove a webhook; its pending deliveries are cancelled."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        subscriptions.delete_webhook(s, ctx.org.id, webhook_id, actor=ctx.actor)
    typer.echo(f"removed webhook {webhook_id}")


@webhook_app.command("deliveries")
@handle_errors
def webhook_deliveries(
    webhook_id: int = typer.Argument(..., help="Webhook id."),
    status: str | None = typer.Option(
        None, "--status", help="pending, delivered, dead (the dead letters) or cancelled."
    ),
    limit: int = typer.Option(100, "--limit", min=1, max=100_000, help="Most rows shown."),
    json_out: bool = typer.Option(False, "--json", help="JSON lines."),
) -> None:
    """List a webhook's deliveries, newest first (never their bodies)."""
    ctx = open_context(load_settings())
    with ctx.db.session() as s:
        rows = subscriptions.list_deliveries(s, ctx.org.id, webhook_id, status=status, limit=limit)
        for m in rows:
            if json_out:
                print_json(_delivery_dict(m))
            else:
                code = m.last_status_code if m.last_status_code is not None else "-"
                typer.echo(
                    f"{m.id:7}  {m.status:9} {m.topic:16} attempts={m.attempts} "
                    f"last={code} {m.last_error}"
                )


@webhook_app.command("redeliver")
@handle_errors
def webhook_redeliver(
    webhook_id: int = typer.Argument(..., help="Webhook id."),
    delivery_ids: list[int] = typer.Argument(
        None, help="Deliveries to send again; none with --all-dead."
    ),
    all_dead: bool = typer.Option(False, "--all-dead", help="Every dead delivery of the webhook."),
) -> None:
    """Send dead (or delivered) deliveries again now, with a fresh retry window."""
    if not delivery_ids and not all_dead:
        typer.echo("error: name delivery ids or pass --all-dead", err=True)
        raise typer.Exit(2)
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        if all_dead:
            count = subscriptions.redeliver_dead(s, ctx.org.id, webhook_id, actor=ctx.actor)
        else:
            for delivery_id in delivery_ids:
                subscriptions.redeliver(s, ctx.org.id, webhook_id, delivery_id, actor=ctx.actor)
            count = len(delivery_ids)
    typer.echo(f"queued {count} deliveries again")


def register(app: typer.Typer) -> None:
    """Attach ``webhook``."""
    app.add_typer(webhook_app, name="webhook")
