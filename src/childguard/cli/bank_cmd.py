"""``childguard bank``: create, list, import, export and edit hash banks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import typer

from childguard.cli.common import (
    JSON_HELP,
    err_console,
    handle_errors,
    load_settings,
    print_json,
    report,
)
from childguard.cli.context import CliContext, open_context
from childguard.cli.paths import check_paths
from childguard.cli.progress import counter
from childguard.errors import InvalidInput, NotFound
from childguard.media.bank_formats import BankFormat, EntryIn, iter_parsed_entries, write_entries
from childguard.media.bank_import import ImportSummary
from childguard.media.banks import BankRepository
from childguard.media.parallel import default_workers
from childguard.media.scan import iter_files, scan_one
from childguard.runtime import gc_paused
from childguard.store.models import Bank

bank_app = typer.Typer(
    help="Manage hash banks (named lists of known hashes).", no_args_is_help=True
)

FORMAT_HELP = (
    "csv (signal_type,signal,source,external_id,classification,note), te-csv "
    "(python-threatexchange dataset --csv), te-lines ('signal_type signal' per line, HMA/"
    "threatexchange file exchange) or lines (one hash per line, needs --signal). "
    "Default on import: detected from the first line."
)


@bank_app.command("create")
@handle_errors
def create(
    name: str = typer.Argument(..., help="UPPER_SNAKE_CASE name, e.g. NCMEC_PDQ."),
    threshold: int | None = typer.Option(
        None, "--threshold", "-t", help="PDQ match distance for this bank (default 31)."
    ),
    allow: bool = typer.Option(
        False, "--allow", help="An allow bank: its matches suppress matches in other banks."
    ),
    description: str = typer.Option("", "--description", "-d", help="Free text."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Create an empty bank."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        repo = BankRepository(s, ctx.org, ctx.actor)
        bank = repo.create(name, threshold=threshold, allow=allow, description=description)
        payload = repo.list_visible(only=bank.id)[0].to_public()
    report(json_out, payload, f"created bank {name}" + (" (allow bank)" if allow else ""))


@bank_app.command("list")
@handle_errors
def list_banks(
    json_out: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """List banks with their settings and entry counts."""
    ctx = open_context(load_settings())
    with ctx.db.session() as s:
        banks = BankRepository(s, ctx.org, ctx.actor).list_visible()
    for b in banks:
        if json_out:
            print_json(b.to_public())
            continue
        counts = ", ".join(f"{k} {v}" for k, v in sorted(b.entries.items())) or "empty"
        flags = [
            "allow" if b.is_allow else "",
            "disabled" if not b.enabled else "",
            f"threshold {b.pdq_threshold}" if b.pdq_threshold is not None else "",
            f"{b.disabled_entries} disabled entries" if b.disabled_entries else "",
        ]
        extra = ", ".join(f for f in flags if f)
        typer.echo(f"{b.name:24} {counts}" + (f"  ({extra})" if extra else ""))
    if not banks and not json_out:
        err_console.print("no banks yet: `childguard bank create NAME`")


@bank_app.command("update")
@handle_errors
def update(
    name: str = typer.Argument(..., help="Bank name."),
    threshold: int | None = typer.Option(None, "--threshold", "-t", help="New PDQ threshold."),
    default_threshold: bool = typer.Option(
        False, "--default-threshold", help="Use the default PDQ threshold again."
    ),
    allow: bool | None = typer.Option(None, "--allow/--no-allow", help="Make it an allow bank."),
    description: str | None = typer.Option(None, "--description", "-d", help="Free text."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Change a bank's threshold, allow flag or description."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        repo = BankRepository(s, ctx.org, ctx.actor)
        bank = repo.update(
            name,
            threshold=threshold,
            clear_threshold=default_threshold,
            allow=allow,
            description=description,
        )
        payload = repo.list_visible(only=bank.id)[0].to_public()
    report(json_out, payload, f"updated bank {name}")


@bank_app.command("import")
@handle_errors
def import_(
    name: str = typer.Argument(..., help="Bank name."),
    file: Path = typer.Argument(..., help="File to import ('-' for stdin)."),
    fmt: BankFormat | None = typer.Option(None, "--format", help=FORMAT_HELP),
    signal: str | None = typer.Option(
        None, "--signal", "-s", help="Signal type of a bare hash list (lines format)."
    ),
    source: str = typer.Option("", "--source", help="Provenance source for entries without one."),
    create_bank: bool = typer.Option(False, "--create", help="Create the bank if missing."),
    workers: int = typer.Option(
        0,
        "--workers",
        "-w",
        min=0,
        help="Processes reading a large te-lines or lines file into an empty bank on "
        "PostgreSQL (default 0: one per core).",
    ),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Import hashes atomically: a bad line aborts with its number and nothing is imported.

    The file is streamed: memory stays bounded whatever its length, with a count on a terminal.
    """
    ctx = open_context(load_settings())
    try:
        if str(file) == "-":
            summary = _import_stream(ctx, name, sys.stdin, fmt, signal, source, create_bank)
        else:
            cores = workers or default_workers()
            summary = _import_file(ctx, name, file, fmt, signal, source, create_bank, cores)
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{file} is not UTF-8 text") from None
    by = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_signal.items()))
    report(
        json_out,
        {"bank": name, **_summary_public(summary)},
        f"imported into {name}: {summary.added} added ({by or 'none'}), {summary.merged} merged",
    )


def _summary_public(summary: ImportSummary) -> dict[str, object]:
    return {"added": summary.added, "merged": summary.merged, "by_signal": summary.by_signal}


def _bank_for_import(repo: BankRepository, name: str, create_bank: bool) -> Bank:
    if create_bank:
        try:
            return repo.get(name)
        except NotFound:
            return repo.create(name)
    return repo.get(name)


def _import_file(
    ctx: CliContext,
    name: str,
    path: Path,
    fmt: BankFormat | None,
    signal: str | None,
    source: str,
    create_bank: bool,
    workers: int,
) -> ImportSummary:
    with gc_paused(), ctx.db.session(write=True) as s, counter("importing") as progress:
        repo = BankRepository(s, ctx.org, ctx.actor)
        bank = _bank_for_import(repo, name, create_bank)
        return repo.import_file(
            bank,
            path,
            fmt=fmt,
            signal_type=signal,
            source=source,
            workers=workers,
            progress=progress.advance,
            phase=progress.phase,
        )


def _import_stream(
    ctx: CliContext,
    name: str,
    stream: TextIO,
    fmt: BankFormat | None,
    signal: str | None,
    source: str,
    create_bank: bool,
) -> ImportSummary:
    entries = iter_parsed_entries(stream, fmt, signal_type=signal, source=source)
    with gc_paused(), ctx.db.session(write=True) as s, counter("importing") as progress:
        repo = BankRepository(s, ctx.org, ctx.actor)
        bank = _bank_for_import(repo, name, create_bank)
        return repo.import_entries(bank, entries, progress=progress.advance, phase=progress.phase)


@bank_app.command("export")
@handle_errors
def export(
    name: str = typer.Argument(..., help="Bank name."),
    fmt: BankFormat = typer.Option(BankFormat.CSV, "--format", help=FORMAT_HELP),
    signal: str | None = typer.Option(None, "--signal", "-s", help="Only this signal type."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write to a file, not stdout."),
) -> None:
    """Export a bank's entries (with provenance in the CSV formats)."""
    if fmt is BankFormat.LINES and signal is None:
        raise InvalidInput("the lines format holds one signal type: add --signal pdq|md5|...")
    ctx = open_context(load_settings())
    with ctx.db.session() as s:
        repo = BankRepository(s, ctx.org, ctx.actor)
        bank = repo.get(name)
        entries = repo.iter_entries(bank, signal)
        if out is None:
            count = write_entries(entries, fmt, sys.stdout)
        else:
            tmp = out.with_name(out.name + ".tmp")
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                count = write_entries(entries, fmt, fh)
            tmp.replace(out)
    err_console.print(f"exported {count} entries from {name}")


@bank_app.command("add")
@handle_errors
def add(
    name: str = typer.Argument(..., help="Bank name."),
    paths: list[Path] = typer.Argument(..., help="Files or folders to hash and add."),
    source: str = typer.Option("", "--source", help="Provenance: the list it came from."),
    external_id: str = typer.Option("", "--external-id", help="Provenance: id in that list."),
    classification: str = typer.Option(
        "", "--classification", help="e.g. an industry category such as A1, A2, B1, B2."
    ),
    note: str = typer.Option("", "--note", help="Free text."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Hash files and add every usable signal (PDQ of quality >= 50, vPDQ, MD5, SHA-256).

    Files that cannot be hashed are skipped with their reason; when none can be, nothing is
    added and the command exits 2.
    """
    settings = load_settings()
    check_paths(paths)
    entries: list[EntryIn] = []
    failed = 0
    for path, error in iter_files(paths):
        scan = scan_one(path, settings, None) if error is None else None
        err = error or (scan.error if scan else None)
        if err is not None or scan is None:
            failed += 1
            err_console.print(f"[red]skipped[/red] {path}: {err.message if err else ''}")
            continue
        for result in scan.signals.values():
            if not result.usable:
                err_console.print(
                    f"[yellow]not added[/yellow] {path}: {result.signal_type} quality "
                    f"{result.quality} is below the minimum"
                )
                continue
            entries.append(
                EntryIn(
                    result.signal_type,
                    result.value,
                    source=source,
                    external_id=external_id,
                    classification=classification,
                    note=note,
                )
            )
    if failed and not entries:
        raise InvalidInput(f"nothing added to {name}: none of the {failed} files could be hashed")
    ctx = open_context(settings)
    with ctx.db.session(write=True) as s:
        repo = BankRepository(s, ctx.org, ctx.actor)
        summary = repo.add_entries(repo.get(name), entries)
    report(
        json_out,
        {"bank": name, **_summary_public(summary), "files_skipped": failed},
        f"added {summary.added} entries to {name} ({summary.merged} already there, "
        f"{failed} files skipped)",
    )


@bank_app.command("disable")
@handle_errors
def disable(
    name: str = typer.Argument(..., help="Bank name."),
    entries: list[str] = typer.Argument(None, help="Entry ids or hashes; none: the whole bank."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Disable a bank, or some of its entries (kept, but no longer matched)."""
    _set_enabled(name, entries or [], False, json_out)


@bank_app.command("enable")
@handle_errors
def enable(
    name: str = typer.Argument(..., help="Bank name."),
    entries: list[str] = typer.Argument(None, help="Entry ids or hashes; none: the whole bank."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Enable a bank, or some of its entries, again."""
    _set_enabled(name, entries or [], True, json_out)


def _set_enabled(name: str, refs: list[str], enabled: bool, json_out: bool) -> None:
    word = "enabled" if enabled else "disabled"
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        repo = BankRepository(s, ctx.org, ctx.actor)
        if refs:
            n = repo.set_entries_enabled(repo.get(name), refs, enabled)
            payload: dict[str, object] = {"bank": name, "enabled": enabled, "entries": n}
            text = f"{word} {n} entries of {name}"
        else:
            repo.update(name, enabled=enabled)
            payload, text = {"bank": name, "enabled": enabled}, f"{word} bank {name}"
    report(json_out, payload, text)


@bank_app.command("remove")
@handle_errors
def remove(
    name: str = typer.Argument(..., help="Bank name."),
    entries: list[str] = typer.Argument(None, help="Entry ids or hashes; none: the whole bank."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Confirm deleting a whole bank."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Remove entries from a bank, or (with --yes and no entries) delete the bank."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        repo = BankRepository(s, ctx.org, ctx.actor)
        if entries:
            n = repo.remove_entries(repo.get(name), entries)
            payload = {"bank": name, "removed_entries": n, "deleted": False}
            text = f"removed {n} entries from {name}"
        else:
            if not yes:
                raise InvalidInput(f"deleting bank {name} and all its entries needs --yes")
            n = repo.delete(name)
            payload = {"bank": name, "removed_entries": n, "deleted": True}
            text = f"deleted bank {name} and its {n} entries"
    report(json_out, payload, text)


@bank_app.command("share")
@handle_errors
def share(
    name: str = typer.Argument(..., help="Bank name."),
    org: str = typer.Argument(..., help="Organisation to share it with (read-only)."),
    revoke: bool = typer.Option(False, "--revoke", help="Stop sharing instead."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Share a bank read-only with another organisation, or stop sharing it."""
    from childguard.auth import get_org

    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        BankRepository(s, ctx.org, ctx.actor).share(name, get_org(s, org), revoke=revoke)
    report(
        json_out,
        {"bank": name, "org": org, "shared": not revoke},
        f"{'stopped sharing' if revoke else 'shared'} {name} with {org}",
    )


def register(app: typer.Typer) -> None:
    """Attach the ``bank`` group."""
    app.add_typer(bank_app, name="bank")
