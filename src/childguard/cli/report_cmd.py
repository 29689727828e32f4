"""``childguard report``: file decided cases with hotlines, follow, retract and verify reports.

``file`` queues a report (the server's worker sends it; ``--now`` sends it here and now),
``run`` sends every due report (for deployments without a server, or cron), ``verify`` checks a
Cambodian referral package and names any file that was changed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from childguard.cli.common import handle_errors, load_settings, print_json
from childguard.cli.context import open_context
from childguard.errors import ChildguardError, InvalidInput
from childguard.reports import service
from childguard.reports.referral import read_package, verify_package
from childguard.reports.worker import make_sinks, pending_reports, process, run_due

report_app = typer.Typer(
    help="Reports to hotlines (NCMEC CyberTipline, Cambodian referral): file, list, show, "
    "retract, run, verify.",
    no_args_is_help=True,
)
JSON_OPTION = typer.Option(False, "--json", help="JSON lines.")


class PackageTampered(ChildguardError):
    """A referral package failed verification."""

    code = "package_tampered"
    http_status = 422
    exit_code = 8


def _line(row: dict[str, Any]) -> str:
    error = row.get("error")
    tail = f"  error {error['code']}: {error['message']}" if error else ""
    remote = f" remote {row['remote_id']}" if row.get("remote_id") else ""
    return (
        f"report {row['id']}  case {row['case_id']}  {row['sink']}  {row['status']}{remote}{tail}"
    )


@report_app.command("file")
@handle_errors
def file_cmd(
    case_id: int = typer.Argument(..., help="The decided case to report."),
    to: str = typer.Option(..., "--to", help="The sink: ncmec or kh_referral."),
    now: bool = typer.Option(False, "--now", help="Send it here and now instead of queueing."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Queue a report of a decided case (refused while undecided or awaiting confirmation)."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as session:
        row = service.queue_report(session, ctx.settings, ctx.org.id, case_id, to, ctx.actor)
        report_id = row.id
    if now:
        sinks = make_sinks(ctx.settings)
        process(ctx.db, ctx.settings, sinks, report_id, "cli")
    with ctx.db.session() as session:
        out = service.public(session, service.get_report(session, ctx.org.id, report_id))
    print_json(out) if json_out else typer.echo(_line(out))


@report_app.command("list")
@handle_errors
def list_cmd(
    case_id: int | None = typer.Option(None, "--case", help="Only this case's reports."),
    status: str | None = typer.Option(None, "--status", help="queued, sending, finished..."),
    limit: int = typer.Option(50, "--limit", min=1, max=service.MAX_PAGE),
    json_out: bool = JSON_OPTION,
) -> None:
    """Your organisation's reports, newest first."""
    ctx = open_context(load_settings())
    with ctx.db.session() as session:
        rows = service.list_reports(
            session, ctx.org.id, case_id=case_id, status=status, limit=limit
        )
        for row in rows:
            out = service.public(session, row, with_steps=False)
            print_json(out) if json_out else typer.echo(_line(out))


@report_app.command("show")
@handle_errors
def show_cmd(report_id: int = typer.Argument(...), json_out: bool = JSON_OPTION) -> None:
    """One report with each step, the sink's ids and Request-IDs."""
    ctx = open_context(load_settings())
    with ctx.db.session() as session:
        out = service.public(session, service.get_report(session, ctx.org.id, report_id))
    if json_out:
        print_json(out)
        return
    typer.echo(_line(out))
    for step in out["steps"]:
        item = f" {step['item'][:12]}" if step["item"] else ""
        remote = f" -> {step['remote_id']}" if step["remote_id"] else ""
        rid = f" (Request-ID {step['request_id']})" if step["request_id"] else ""
        typer.echo(
            f"  {step['at']:%Y-%m-%d %H:%M:%S} g{step['generation']} {step['step']}"
            f"{item}{remote}{rid} {step['status']}"
        )


@report_app.command("retract")
@handle_errors
def retract_cmd(report_id: int = typer.Argument(...), json_out: bool = JSON_OPTION) -> None:
    """Withdraw a report before it is finished."""
    ctx = open_context(load_settings())
    out = service.retract(ctx.db, ctx.settings, ctx.org.id, report_id, ctx.actor)
    print_json(out) if json_out else typer.echo(_line(out))


@report_app.command("run")
@handle_errors
def run_cmd(
    limit: int = typer.Option(1000, "--limit", min=1, help="Reports per pass."),
    threads: int = typer.Option(1, "--threads", min=1, max=64, help="Reports sent at once."),
    until_idle: bool = typer.Option(
        False, "--until-idle", help="Keep going (waiting for retries) until nothing is due."
    ),
    max_seconds: float = typer.Option(600.0, "--max-seconds", help="Stop --until-idle after."),
) -> None:
    """Send the due reports (every organisation's) and print what happened."""
    settings = load_settings()
    ctx = open_context(settings)
    sinks = make_sinks(settings)
    deadline = time.monotonic() + max_seconds
    while True:
        summary = run_due(ctx.db, settings, sinks, limit=limit, threads=threads)
        print_json(summary.as_dict())
        if not until_idle or time.monotonic() > deadline:
            return
        if not pending_reports(ctx.db):
            return
        time.sleep(min(1.0, settings.report_retry_seconds))


@report_app.command("package")
@handle_errors
def package_cmd(
    report_id: int = typer.Argument(...),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the zip."),
) -> None:
    """Save a referral report's signed package."""
    ctx = open_context(load_settings())
    with ctx.db.session() as session:
        service.get_report(session, ctx.org.id, report_id)
    output.write_bytes(read_package(ctx.settings.data_dir, report_id))
    typer.echo(f"wrote {output}")


@report_app.command("verify")
@handle_errors
def verify_cmd(
    package: Path = typer.Argument(..., help="The referral package (.zip)."),
    fingerprint: str | None = typer.Option(
        None, "--fingerprint", help="The sender's key fingerprint to pin (xxxx:xxxx:...)."
    ),
) -> None:
    """Check a referral package's signature and hashes; name any changed file (exit 8)."""
    try:
        data = package.read_bytes()
    except OSError:
        raise InvalidInput(f"cannot read {package}") from None
    result = verify_package(data, fingerprint)
    if not result.ok:
        raise PackageTampered(f"{package.name} failed verification: " + "; ".join(result.problems))
    typer.echo(
        f"{package.name}: signature and every file's SHA-256 are good "
        f"(signed by {result.fingerprint})"
    )


def register(app: typer.Typer) -> None:
    """Attach the ``report`` group."""
    app.add_typer(report_app, name="report")
