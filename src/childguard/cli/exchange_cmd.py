"""``childguard exchange``: pull banks from HMA, NCMEC hash sharing and StopNCII."""

from __future__ import annotations

import typer

from childguard.cli.common import handle_errors, load_settings, print_json
from childguard.cli.context import open_context
from childguard.errors import ConfigurationError
from childguard.exchange.adapters.base import Exchange, PullResult, pull
from childguard.exchange.adapters.hma import HmaExchange
from childguard.exchange.adapters.ncmec import NcmecExchange
from childguard.exchange.adapters.stopncii import StopNciiExchange
from childguard.exchange.transport import HttpxClient

exchange_app = typer.Typer(
    help="Pull signals from HMA, NCMEC hash sharing and StopNCII into banks.",
    no_args_is_help=True,
)


def _report(result: PullResult, json_out: bool) -> None:
    if json_out:
        print_json(
            {"added": result.added, "removed": result.removed, "checkpoint": result.checkpoint}
        )
    else:
        typer.echo(f"+{result.added} -{result.removed}, checkpoint {result.checkpoint}")


def _run(exchange: Exchange, bank: str, json_out: bool) -> None:
    ctx = open_context(load_settings())
    _report(pull(ctx.db, ctx.org, exchange, bank, ctx.actor), json_out)


@exchange_app.command("pull-hma")
@handle_errors
def pull_hma(
    url: str = typer.Argument(..., help="Base URL of the HMA instance."),
    remote_bank: str = typer.Option(..., "--remote-bank", help="Bank name at HMA."),
    bank: str = typer.Option(..., "--bank", help="Local bank receiving the entries."),
    token: str = typer.Option("", "--token", envvar="CHILDGUARD_HMA_TOKEN", help="Bearer key."),
    max_gap: int = typer.Option(1000, "--max-gap", min=1, help="Missing ids before stopping."),
    json_out: bool = typer.Option(False, "--json", help="JSON output."),
) -> None:
    """Pull an HMA bank's contents (after the last pull) through HMA's /c/ API."""
    settings = load_settings()
    client = HttpxClient(timeout=settings.feed_timeout_seconds)
    try:
        exchange = HmaExchange(client, url, remote_bank, token=token, max_gap=max_gap)
        _run(exchange, bank, json_out)
    finally:
        client.close()


@exchange_app.command("pull-ncmec")
@handle_errors
def pull_ncmec(
    bank: str = typer.Option(..., "--bank", help="Local bank receiving the entries."),
    json_out: bool = typer.Option(False, "--json", help="JSON output."),
) -> None:
    """Pull NCMEC hash-sharing entries (CHILDGUARD_NCMEC_HASH_URL, _USER, _PASSWORD)."""
    settings = load_settings()
    if not settings.ncmec_hash_url:
        raise ConfigurationError("set CHILDGUARD_NCMEC_HASH_URL (and _USER, _PASSWORD) first")
    client = HttpxClient(
        timeout=settings.feed_timeout_seconds,
        auth=(settings.ncmec_hash_user, settings.ncmec_hash_password),
    )
    try:
        _run(NcmecExchange(client, settings.ncmec_hash_url), bank, json_out)
    finally:
        client.close()


@exchange_app.command("pull-stopncii")
@handle_errors
def pull_stopncii(
    bank: str = typer.Option(..., "--bank", help="Local bank receiving the hashes."),
    json_out: bool = typer.Option(False, "--json", help="JSON output."),
) -> None:
    """Pull StopNCII hashes (CHILDGUARD_STOPNCII_URL and its keys)."""
    settings = load_settings()
    if not settings.stopncii_url or not settings.stopncii_fetch_key:
        raise ConfigurationError("set CHILDGUARD_STOPNCII_URL and its keys first")
    client = HttpxClient(timeout=settings.feed_timeout_seconds)
    try:
        exchange = StopNciiExchange(
            client,
            settings.stopncii_url,
            subscription_key=settings.stopncii_subscription_key,
            fetch_key=settings.stopncii_fetch_key,
        )
        _run(exchange, bank, json_out)
    finally:
        client.close()


def register(app: typer.Typer) -> None:
    """Attach ``exchange``."""
    app.add_typer(exchange_app, name="exchange")
