"""``childguard backfill``: scan stored files at scale on Dask, resumably."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from childguard.batch.run import ProgressFn, RunSummary
from childguard.cli.common import err_console, handle_errors, load_settings, print_json
from childguard.cli.progress import progress_bar, stderr_is_terminal
from childguard.errors import InvalidInput

#: Failures printed at the end of a run (all of them are in the output and the manifest).
SHOWN_FAILURES = 20


@contextmanager
def _progress(label: str) -> Iterator[ProgressFn]:
    """A callback drawing done / total, rate and ETA on stderr when it is a terminal."""
    if not stderr_is_terminal():
        yield lambda done, total: None
        return
    with progress_bar(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    ) as progress:
        task = progress.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        yield update


@handle_errors
def backfill_command(
    sources: list[str] = typer.Argument(
        None, help="Folders, files or fsspec URLs (s3://bucket/prefix ...); none with --resume."
    ),
    workers: int | None = typer.Option(
        None, "--workers", "-w", help="Local Dask worker processes (default: one per core)."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Run on an existing Dask cluster, e.g. tcp://host:8786."
    ),
    case: bool = typer.Option(
        False,
        "--case",
        help="Open cases for matches and text-risk flags (needs the cases service).",
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="JSON-lines results (default: in the run's folder)."
    ),
    resume: str | None = typer.Option(
        None, "--resume", help="Finish the run with this id (printed when it started)."
    ),
    bank: list[str] = typer.Option(
        [], "--bank", "-b", help="Only these banks (repeatable); allow banks always apply."
    ),
    intel: bool = typer.Option(
        True, "--intel/--no-intel", help="Media intelligence (metadata, OCR, nudity, faces)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Scan images, videos and conversation files (.jsonl) already stored, on Dask.

    Writes one JSON line per file (path, signals, matches, intelligence and review priority, or
    the error) and records each finished batch in the run's manifest: after a crash or kill,
    `--resume RUN_ID` finishes the run without scanning any file twice or missing one.
    Exits 0 when every file was handled, failed files included (they are listed).
    """
    from childguard.batch.cluster import dask_client
    from childguard.batch.run import execute_run, open_run, prepare_run, warm_workers
    from childguard.batch.sources import check_sources
    from childguard.cli.context import open_context
    from childguard.media.matcher import Matcher

    if resume and sources:
        raise InvalidInput("give sources for a new run or --resume RUN_ID, not both")
    if not resume and not sources:
        raise InvalidInput("give at least one source (a folder, a file or a URL), or --resume")
    if scheduler and workers:
        raise InvalidInput("--workers sizes a local cluster; it cannot go with --scheduler")
    settings = load_settings()
    ctx = open_context(settings)
    store = open_run(settings, resume) if resume else None
    sink = None
    if store.spec.case if store is not None else case:
        from childguard.cases.backfill import backfill_case_sink

        sink = backfill_case_sink(ctx.db, settings, ctx.org.id, ctx.actor)
    if store is not None:
        if out is not None and Path(store.spec.out) != out.absolute():
            raise InvalidInput(f"run {resume} writes to {store.spec.out}; leave --out out")
    else:
        # Opening the matcher once here checks bank names and leaves a fresh index snapshot
        # that every worker then memory-maps instead of rebuilding.
        Matcher(ctx.db, settings, org_id=ctx.org.id, banks=bank or None, persist=True)
        check_sources(sources, settings)  # a missing source stops the run before Dask starts
    from childguard import audit

    run_id = store.spec.run_id if store is not None else None
    try:
        with dask_client(settings, scheduler=scheduler, workers=workers) as client:
            # the workers open their runtime while the sources are listed
            warming = warm_workers(
                client,
                settings,
                ctx.org.id,
                banks=store.spec.banks if store is not None else bank,
                intel=store.spec.intel if store is not None else intel,
            )
            if store is None:
                store = prepare_run(
                    settings,
                    sources,
                    out=str(out) if out else None,
                    banks=bank,
                    intel=intel,
                    case=case,
                )
            run_id = store.spec.run_id
            target = f"backfill:{run_id}"
            action = "backfill.resume" if resume else "backfill.start"
            audit.append_now(ctx.db, ctx.actor, action, target)
            err_console.print(
                f"run [bold]{run_id}[/bold]: results in {store.spec.out}", highlight=False
            )
            with _progress("backfill") as progress:
                summary = execute_run(
                    store, settings, ctx.org.id, client, on_progress=progress, sink=sink
                )
            del warming
    except KeyboardInterrupt:
        if run_id is None:
            err_console.print("interrupted before the run started; nothing was scanned")
        else:
            err_console.print(f"interrupted; finish with `childguard backfill --resume {run_id}`")
        raise typer.Exit(130) from None
    counts = {k: v for k, v in summary.to_public().items() if k not in ("run_id", "out")}
    audit.append_now(ctx.db, ctx.actor, "backfill.finish", target, counts)
    _report(summary, json_out)


def _report(summary: RunSummary, json_out: bool) -> None:
    if json_out:
        print_json({"summary": summary.to_public()})
    else:
        s = summary
        rate = f", {s.scanned / s.seconds:.1f} files/s" if s.seconds and s.scanned else ""
        typer.echo(
            f"run {s.run_id}: {s.total} files ({s.already_done} done before), {s.scanned} "
            f"scanned now, {s.matched} matched, {s.flagged} text-risk flags, {s.failed} failed, "
            f"{s.seconds:.1f} s{rate}; results in {s.out}"
        )
    if summary.failures:
        err_console.print(f"{len(summary.failures)} files failed in this run:", highlight=False)
        for path, reason in summary.failures[:SHOWN_FAILURES]:
            err_console.print(f"  {path}: {reason}", highlight=False, markup=False)
        if len(summary.failures) > SHOWN_FAILURES:
            err_console.print(
                f"  ... and {len(summary.failures) - SHOWN_FAILURES} more (lines with "
                f'"error" in {summary.out})',
                highlight=False,
            )


def register(app: typer.Typer) -> None:
    """Attach ``backfill``."""
    app.command("backfill")(backfill_command)
