"""``childguard text``: analyse conversations, train and evaluate the text-risk model."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from childguard.cli.common import err_console, handle_errors, load_settings, print_json
from childguard.errors import ChildguardError, InvalidInput, NotFound

text_app = typer.Typer(
    help="Chat risk detection: grooming, sextortion, bullying, abuse-material trade.",
    no_args_is_help=True,
)


def _out() -> Console:
    """A stdout console sized for the terminal at the time of the call (honours COLUMNS)."""
    return Console()


def _read_input(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    if not path.is_file():
        raise NotFound(f"input file {source} does not exist")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise NotFound(f"cannot read {source}: {exc.strerror}") from None


def _documents(raw: bytes) -> list[tuple[int, Any]]:
    """(line number, decoded JSON or the error) for each conversation in the input.

    A whole-file JSON document counts as one conversation; otherwise one per non-empty line.
    """
    from childguard.textrisk.conversation import decode_json_line

    text = raw.decode("utf-8", errors="replace")
    stripped = text.strip()
    if stripped.startswith(("{", "[")) and "\n" in stripped:
        try:
            return [(1, json.loads(stripped))]
        except json.JSONDecodeError:
            pass
    docs: list[tuple[int, Any]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            docs.append((n, decode_json_line(line, f"line {n}")))
        except InvalidInput as exc:
            docs.append((n, exc))
    return docs


def _summary(result: dict[str, Any]) -> None:
    flagged = ", ".join(result["flagged"]) or "nothing flagged"
    first = result["first_flagged_message"]
    title = f"conversation {result['id'] or '(no id)'}: {flagged}"
    if first is not None:
        title += f" (from message {first})"
    table = Table(title=title, show_lines=False)
    for col in ("message", "label", "stage", "score", "source", "why"):
        table.add_column(col, overflow="fold")
    for f in result["findings"][:30]:
        exp = f["explanation"]
        table.add_row(
            str(f["message"]),
            f["label"],
            f["stage"] or "",
            f"{f['score']:.2f}",
            exp["name"],
            ", ".join(exp["words"][:3]),
        )
    _out().print(table)
    risks = "  ".join(f"{k} {v:.2f}" for k, v in result["risk"].items())
    _out().print(f"risk: {risks}   languages: {', '.join(result['languages'])}")
    if result["entities"]:
        kinds = sorted({e["type"] for e in result["entities"]})
        _out().print(f"entities: {len(result['entities'])} ({', '.join(kinds)})")
    if result["intervention"]:
        _out().print(f"intervention: {result['intervention']['language']}")


@text_app.command("analyze")
@handle_errors
def analyze(
    source: str = typer.Argument(..., help="JSON-lines file of conversations, or - for stdin."),
    as_json: bool = typer.Option(False, "--json", help="One JSON result per input line."),
    model: Path | None = typer.Option(None, "--model", help="Model file (default: shipped)."),
) -> None:
    """Analyse each conversation (one JSON object or message list per line)."""
    from childguard.textrisk.engine import RiskEngine, analyze_conversation

    settings = load_settings()
    docs = _documents(_read_input(source))
    engine = RiskEngine.load(settings, model)
    failures = 0
    flagged: list[dict[str, Any]] = []
    for line, doc in docs:
        try:
            if isinstance(doc, ChildguardError):
                raise doc
            result = analyze_conversation(doc, engine)
            if result.get("flagged"):
                flagged.append({k: result[k] for k in ("id", "flagged", "risk")})
        except ChildguardError as exc:
            failures += 1
            err_console.print(f"[red]error:[/red] line {line}: {exc.message}", highlight=False)
            if as_json:
                print_json({"line": line, "error": exc.to_dict()})
            continue
        if as_json:
            print_json(result)
        else:
            _summary(result)
    if flagged:  # audited as the API's flags are: ids, labels and scores only
        from childguard.cli.context import open_context
        from childguard.textrisk.flags import audit_flags

        ctx = open_context(settings)
        audit_flags(ctx.db, ctx.actor, flagged)
    if failures:
        raise typer.Exit(2)


def _metrics_table(title: str, rows: dict[str, dict[str, Any]]) -> Table:
    table = Table(title=title)
    for col in ("label", "n", "pos", "precision", "recall", "F1", "ROC AUC", "P@90%R"):
        table.add_column(col, justify="right" if col != "label" else "left")

    def fmt(v: Any) -> str:
        return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))

    for label, m in rows.items():
        table.add_row(
            label, fmt(m["n"]), fmt(m["positives"]), fmt(m["precision"]), fmt(m["recall"]),
            fmt(m["f1"]), fmt(m["roc_auc"]), fmt(m["precision_at_90_recall"]),
        )  # fmt: skip
    return table


@text_app.command("train")
@handle_errors
def train(
    data: list[Path] = typer.Argument(..., help="JSONL files or folders of labelled data."),
    out: Path = typer.Option(..., "--out", help="Model file to write (NAME.npz + NAME.json)."),
    folds: int = typer.Option(5, "--folds", min=2, max=20, help="Cross-validation folds."),
    c: float = typer.Option(
        64.0,
        "--c",
        min=1e-4,
        help="Inverse regularisation of the message heads (larger fits closer).",
    ),
    repeats: int = typer.Option(
        5,  # training.THRESHOLD_REPEATS, which a test keeps it equal to
        "--repeats",
        min=1,
        max=10,
        help="Times the cross-validation that calibrates the thresholds runs, each with other "
        "folds; each threshold is the median of the repeats'.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the training report as JSON."),
    mistakes_out: Path | None = typer.Option(
        None,
        "--mistakes",
        help="Write the training conversations cross-validation got wrong to this JSON-lines "
        "file (id, source, language, label, missed or false alarm, risk, threshold; no text).",
    ),
) -> None:
    """Train a model on the training split of DATA (the test split is never used)."""
    from childguard.textrisk.training import load_data
    from childguard.textrisk.training import train as run_training

    started = time.monotonic()

    def progress(message: str) -> None:
        # stderr, flushed, with the elapsed time, terminal or not (the report goes to stdout)
        print(f"[{time.monotonic() - started:7.1f} s] {message}", file=sys.stderr, flush=True)

    if mistakes_out is not None and not mistakes_out.parent.is_dir():
        raise InvalidInput(f"--mistakes: folder {mistakes_out.parent} does not exist")
    progress("reading the training data")
    conversations = load_data(data)
    result = run_training(conversations, folds=folds, c=c, log=progress, repeats=repeats)
    path = result.model.save(out)
    if mistakes_out is not None:
        _write_mistakes(mistakes_out, result.cv_mistakes)
    report = {**result.report, "model": str(path)}
    if as_json:
        print_json(report)
        return
    _out().print(_metrics_table("cross-validated, per conversation", report["cv_conversation"]))
    _out().print(
        _metrics_table(
            "cross-validated, hand-written conversations only", report["cv_conversation_datasets"]
        )
    )
    _out().print(_metrics_table("cross-validated, per message", report["cv_message"]))
    _out().print(f"model written to {path}")


def _write_mistakes(path: Path, mistakes: list[dict[str, Any]]) -> None:
    """Write ``mistakes`` as JSON lines to ``path`` whole (a temporary file renamed over it)."""
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in mistakes))
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"--mistakes: cannot write {path}: {exc.strerror or exc}") from exc


@text_app.command("eval")
@handle_errors
def evaluate(
    data: list[Path] = typer.Argument(..., help="JSONL files or folders of labelled data."),
    model: Path | None = typer.Option(None, "--model", help="Model file (default: shipped)."),
    split: str = typer.Option("test", "--split", help="test (held-out split) or all."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Evaluate a model per label and per language (en, km, vi, mixed) on the held-out split of
    DATA, with the model's own per-language thresholds."""
    from childguard.textrisk.engine import RiskEngine
    from childguard.textrisk.training import evaluate as run_eval
    from childguard.textrisk.training import load_data

    if split not in {"test", "all"}:
        raise InvalidInput("--split must be 'test' or 'all'")
    settings = load_settings()
    conversations = load_data(data)
    if split == "test":
        conversations = [c for c in conversations if c.test]
    engine = RiskEngine.load(settings, model)
    report = run_eval(engine, conversations)
    if as_json:
        print_json(report)
        return
    _out().print(_metrics_table(f"{split} split, per conversation", report["per_label"]))
    for lang, rows in report["per_language"].items():
        _out().print(_metrics_table(f"language {lang}", rows))
    delay = report["grooming_delay"]
    _out().print(
        f"grooming: {delay['flagged']} flagged, {delay['missed']} missed; median "
        f"{delay['median_messages_after_first_risky']} messages after the first risky one; "
        f"early-warning rate (flagged within 2 messages of it): {delay['early_warning_rate']}"
    )


def register(app: typer.Typer) -> None:
    """Attach the ``text`` group."""
    app.add_typer(text_app, name="text")
