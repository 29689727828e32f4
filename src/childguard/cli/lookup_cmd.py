"""``childguard lookup``: look hashes up in the banks."""

from __future__ import annotations

from pathlib import Path

import typer

from childguard.cli.common import handle_errors, load_settings, print_json
from childguard.cli.context import open_context
from childguard.errors import InvalidInput
from childguard.media.matcher import Matcher
from childguard.media.signals.base import LookupHash
from childguard.media.signals.registry import get_signal_type


@handle_errors
def lookup_command(
    hashes: list[str] = typer.Argument(None, help="Hashes to look up."),
    signal: str = typer.Option(..., "--signal", "-s", help="Signal type: pdq, md5, sha256, vpdq."),
    file: Path | None = typer.Option(
        None, "--file", "-f", help="A file with one hash per line ('-' for stdin)."
    ),
    bank: list[str] = typer.Option([], "--bank", "-b", help="Only these banks (repeatable)."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Print, for each hash, the bank entries it matches (PDQ within each bank's threshold)."""
    settings = load_settings()
    stype = get_signal_type(signal)
    values = list(hashes or [])
    if file is not None:
        values.extend(_read_hash_file(file))
    if not values:
        raise InvalidInput("give hashes as arguments or with --file FILE")
    canon = []
    for number, value in enumerate(values, start=1):
        try:
            canon.append(stype.validate(value))
        except InvalidInput as exc:
            where = f"hash {number}" if file is None else f"line {number}"
            raise InvalidInput(f"{where}: {exc.message}") from None
    ctx = open_context(settings)
    matcher = Matcher(ctx.db, settings, org_id=ctx.org.id, banks=bank or None, persist=True)
    batches = matcher.lookup_batch(stype.name, [[LookupHash(v)] for v in canon])
    for value, matches in zip(canon, batches, strict=True):
        if json_out:
            print_json(
                {
                    "signal_type": stype.name,
                    "hash": value,
                    "matches": [m.to_public() for m in matches],
                }
            )
        else:
            shown = value if len(value) <= 72 else value[:69] + "..."
            if not matches:
                typer.echo(f"{shown}  no match")
            for m in matches:
                typer.echo(f"{shown}  {m.bank} entry {m.entry_id} distance {m.distance}")


def _read_hash_file(path: Path) -> list[str]:
    try:
        if str(path) == "-":
            import sys

            text = sys.stdin.read()
        else:
            text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not a UTF-8 text file of hashes") from None
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def register(app: typer.Typer) -> None:
    """Attach ``lookup``."""
    app.command("lookup")(lookup_command)
