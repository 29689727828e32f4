"""``childguard scan``: hash files and match them against the banks."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from childguard.cases.intake import Subject, add_media, make_subject, media_from_scan
from childguard.cli.common import err_console, handle_errors, load_settings, print_json
from childguard.cli.context import CliContext, open_context
from childguard.cli.paths import check_paths
from childguard.cli.progress import track
from childguard.errors import InvalidInput, NoBanks
from childguard.media.banks import BankRepository
from childguard.media.matcher import Matcher
from childguard.media.parallel import default_workers, hash_files
from childguard.media.scan import FileScan, ScanSummary, iter_files
from childguard.media.scan_audit import audit_scan


@handle_errors
def scan_command(
    paths: list[Path] = typer.Argument(..., help="Files or folders (walked recursively)."),
    bank: list[str] = typer.Option(
        [], "--bank", "-b", help="Only these banks (repeatable); allow banks always apply."
    ),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per line."),
    case: bool = typer.Option(
        False,
        "--case",
        help=(
            "Open a case for each matched file, or add it to the open case of the same "
            "content hash, conversation or user, as POST /v1/scan does."
        ),
    ),
    content_id: str | None = typer.Option(
        None, "--content-id", help="With --case: the platform's id of the content."
    ),
    user_id: str | None = typer.Option(
        None, "--user-id", help="With --case: the platform's id of the uploader."
    ),
    conversation_id: str | None = typer.Option(
        None, "--conversation-id", help="With --case: the conversation it was sent in."
    ),
    workers: int = typer.Option(
        0, "--workers", "-w", min=0, help="Processes hashing in parallel (0: one per core)."
    ),
    require_banks: bool = typer.Option(
        True,
        "--require-banks/--no-require-banks",
        help=(
            "Refuse (exit 7) to scan when no enabled bank of the organisation holds a hash; "
            "--no-require-banks only warns."
        ),
    ),
) -> None:
    """Hash every file and look each signal up in every enabled bank.

    Prints each file's matches (bank, entry, distance, transform, provenance) or error, then a
    summary. Exits 0 when the scan completed, whether or not anything matched; 7 when there was
    no bank to match against (a scan against nothing is never silent). With ``--case`` each
    matched file goes into a case (its id is printed) and is offered to the evidence store.
    """
    settings = load_settings()
    check_paths(paths)
    if not case and (content_id or user_id or conversation_id):
        raise InvalidInput("--content-id, --user-id and --conversation-id go with --case")
    subject = make_subject(content_id, user_id, conversation_id) if case else None
    ctx = open_context(settings)
    check_banks(ctx, require=require_banks)
    matcher = Matcher(ctx.db, settings, org_id=ctx.org.id, banks=bank or None, persist=True)
    started = time.perf_counter()
    summary = ScanSummary()
    files = list(iter_files(paths))
    hashed = hash_files(files, settings, min(workers or default_workers(), len(files)))
    for scan in track(hashed, len(files), "scanning"):
        if scan.error is None:  # matched here: one index in memory, whatever the workers
            scan.matches = matcher.match_signals(scan.signals.values())
        if scan.matches:  # audited and counted in the statistics as the API's scans are
            audit_scan(ctx.db, ctx.actor, ctx.org.id, scan.content_type or "", scan.matches)
        summary.add(scan)
        case_id = _into_case(ctx, Path(scan.path), scan, subject) if subject is not None else None
        if json_out:
            out = scan.scan_public()
            if subject is not None:
                out["case_id"] = case_id
            print_json(out)
        else:
            _print_human(scan)
            if case_id is not None:
                typer.echo(f"    case {case_id}")
    summary.seconds = time.perf_counter() - started
    if json_out:
        print_json({"summary": summary.to_public()})
    else:
        s = summary
        typer.echo(
            f"{s.files} files, {s.matched} matched, {s.low_quality} low quality, "
            f"{s.errors} errors, {s.seconds:.2f} s"
        )


def _into_case(ctx: CliContext, path: Path, scan: FileScan, subject: Subject) -> int | None:
    """Put a matched file into a case; the id of that case, or None when nothing matched."""
    if scan.error is not None or not scan.matched:
        return None
    size = path.stat().st_size
    item = media_from_scan(path.name, scan.content_type or "", size, scan.signals, scan.matches)
    if item is None:
        return None
    with ctx.db.session(write=True) as session:
        result = add_media(
            session, ctx.settings, ctx.org.id, ctx.actor, subject, item, path.read_bytes
        )
    return result.case_id if result is not None else None


def check_banks(ctx: CliContext, *, require: bool) -> None:
    """Warn loudly, or raise ``NoBanks`` when ``require``, if no enabled bank holds a hash."""
    with ctx.db.session() as s:
        banks = BankRepository(s, ctx.org, ctx.actor).list_visible()
    if any(b.enabled and not b.is_allow and b.entries for b in banks):
        return
    settings = ctx.settings
    where = (
        "the database named by CHILDGUARD_DATABASE_URL"
        if settings.database_url
        else f"the data directory {settings.data_dir}"
    )
    message = (
        f"organisation {ctx.org.name} has no bank with hashes in {where}, so nothing can match; "
        "import a list with `childguard bank import`, or set CHILDGUARD_DATA_DIR, "
        "CHILDGUARD_DATABASE_URL or CHILDGUARD_ORG to the data you meant"
    )
    if require:
        raise NoBanks(message + " (--no-require-banks scans anyway)")
    err_console.print(
        f"[bold yellow]warning:[/bold yellow] {message}", highlight=False, soft_wrap=True
    )


def _print_human(scan: FileScan) -> None:
    if scan.error is not None:
        err_console.print(f"[red]ERROR[/red] {scan.path}: {scan.error.message}", highlight=False)
        return
    if not scan.matches:
        note = " (low quality)" if scan.low_quality else ""
        typer.echo(f"ok      {scan.path}{note}")
        return
    tag = "MATCH  " if scan.matched else "allowed"
    typer.echo(f"{tag} {scan.path}")
    for m in scan.matches:
        flags = (
            " [allow bank]" if m.allow else (" [suppressed by allow bank]" if m.suppressed else "")
        )
        cls = (
            f" class {m.provenance['classification']}" if m.provenance.get("classification") else ""
        )
        typer.echo(
            f"    {m.bank} entry {m.entry_id} {m.signal_type} distance {m.distance} "
            f"({m.transform}){cls}{flags}"
        )


def register(app: typer.Typer) -> None:
    """Attach ``scan``."""
    app.command("scan")(scan_command)
