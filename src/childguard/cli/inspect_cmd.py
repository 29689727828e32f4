"""``childguard inspect``: one file's matches and media intelligence, each signal explained."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from childguard.cli.common import handle_errors, load_settings, print_json
from childguard.cli.paths import check_paths


@handle_errors
def inspect_command(
    file: Path = typer.Argument(..., help="An image or a video."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object."),
    match: bool = typer.Option(True, "--match/--no-match", help="Also match against the banks."),
) -> None:
    """Show what a file says about itself: place, device, capture time, software, faces,
    nudity score, text in it (and its text risk), matches, and the review priority."""
    from childguard.media.intel.inspect import inspect_file

    settings = load_settings()
    check_paths([file])
    matcher = None
    if match:
        from childguard.cli.context import open_context
        from childguard.media.matcher import Matcher

        ctx = open_context(settings)
        matcher = Matcher(ctx.db, settings, org_id=ctx.org.id, persist=True)
    result = inspect_file(file, settings, matcher)
    if json_out:
        print_json(result)
    else:
        _print_human(result)


def _print_human(result: dict[str, Any]) -> None:
    typer.echo(f"{result['path']} ({result['content_type']})")
    prio = result["priority"]
    typer.echo(f"  review priority {prio['score']} ({prio['band']}): {prio['parts']}")
    if result.get("matches"):
        for m in result["matches"]:
            typer.echo(f"  match {m['bank']} entry {m['entry_id']} distance {m['distance']}")
    intel = result.get("intel") or {}
    meta = intel.get("metadata") or {}
    if meta.get("gps"):
        place = meta.get("place") or {}
        where = f" near {place['name']}, {place['province']} ({place['country']})" if place else ""
        typer.echo(f"  GPS {meta['gps']['lat']}, {meta['gps']['lon']}{where}")
    for key in ("camera", "captured_at", "software"):
        if meta.get(key):
            typer.echo(f"  {key}: {meta[key]}")
    if meta.get("stripped"):
        typer.echo("  metadata: none (stripped or never written)")
    if "faces" in intel:
        typer.echo(f"  faces: {intel['faces']['count']}")
    if "nudity" in intel:
        typer.echo(f"  nudity score: {intel['nudity']['score']}")
    text = intel.get("text") or {}
    if text.get("text"):
        typer.echo(f"  text ({', '.join(text.get('languages', []))}): flagged {text['flagged']}")
        for entity in text.get("entities", []):
            typer.echo(f"    {entity['type']}: {entity['value']}")
    for name, error in (intel.get("errors") or {}).items():
        typer.echo(f"  {name}: not computed ({error})")


def register(app: typer.Typer) -> None:
    """Attach ``inspect``."""
    app.command("inspect")(inspect_command)
