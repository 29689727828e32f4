"""``childguard hash``: print the signals of files."""

from __future__ import annotations

from pathlib import Path

import typer

from childguard.cli.common import err_console, handle_errors, load_settings, print_json
from childguard.cli.paths import check_paths
from childguard.cli.progress import track
from childguard.errors import InvalidInput
from childguard.media.parallel import default_workers, hash_files
from childguard.media.scan import FileScan, iter_files


@handle_errors
def hash_command(
    paths: list[Path] = typer.Argument(..., help="Files or folders (walked recursively)."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per line."),
    workers: int = typer.Option(
        0, "--workers", "-w", min=0, help="Processes hashing in parallel (0: one per core)."
    ),
) -> None:
    """Hash files: PDQ for photos, vPDQ for videos, MD5 and SHA-256 for both.

    Each file prints its content type and signals, or its error. Once every file has been
    tried the command exits 0 when at least one was hashed, 2 when none could be.
    """
    settings = load_settings()
    check_paths(paths)
    files = list(iter_files(paths))
    scans = hash_files(files, settings, min(workers or default_workers(), len(files)))
    failed = 0
    for scan in track(scans, len(files), "hashing"):
        failed += scan.error is not None
        if json_out:
            print_json(scan.hash_public())
        else:
            _print_human(scan)
    if files and failed == len(files):
        raise InvalidInput(f"none of the {len(files)} files could be hashed (see above)")


def _print_human(scan: FileScan) -> None:
    if scan.error is not None:
        err_console.print(f"[red]{scan.path}[/red]: {scan.error.message}", highlight=False)
        return
    typer.echo(f"{scan.path}  ({scan.content_type})")
    for name, result in scan.signals.items():
        quality = f"  quality {result.quality}" if result.quality is not None else ""
        low = "  (too low to match)" if not result.usable else ""
        value = result.value if len(result.value) <= 80 else f"{result.value[:77]}..."
        typer.echo(f"  {name:7} {value}{quality}{low}")


def register(app: typer.Typer) -> None:
    """Attach ``hash``."""
    app.command("hash")(hash_command)
