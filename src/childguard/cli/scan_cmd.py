"""``childguard scan``: hash files and match them against the banks."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from childguard.cli.common import err_console, handle_errors, load_settings, print_json
from childguard.cli.context import open_context
from childguard.cli.paths import check_paths
from childguard.cli.progress import track
from childguard.media.matcher import Matcher
from childguard.media.scan import FileScan, ScanSummary, iter_files, scan_one


@handle_errors
def scan_command(
    paths: list[Path] = typer.Argument(..., help="Files or folders (walked recursively)."),
    bank: list[str] = typer.Option(
        [], "--bank", "-b", help="Only these banks (repeatable); allow banks always apply."
    ),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Hash every file and look each signal up in every enabled bank.

    Prints each file's matches (bank, entry, distance, transform, provenance) or error, then a
    summary. Exits 0 when the scan completed, whether or not anything matched.
    """
    settings = load_settings()
    check_paths(paths)
    ctx = open_context(settings)
    matcher = Matcher(ctx.db, settings, org_id=ctx.org.id, banks=bank or None, persist=True)
    started = time.perf_counter()
    summary = ScanSummary()
    files = list(iter_files(paths))
    for path, error in track(files, len(files), "scanning"):
        scan = FileScan(str(path), error=error) if error else scan_one(path, settings, matcher)
        summary.add(scan)
        if json_out:
            print_json(scan.scan_public())
        else:
            _print_human(scan)
    summary.seconds = time.perf_counter() - started
    if json_out:
        print_json({"summary": summary.to_public()})
    else:
        s = summary
        typer.echo(
            f"{s.files} files, {s.matched} matched, {s.low_quality} low quality, "
            f"{s.errors} errors, {s.seconds:.2f} s"
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
