"""``childguard stats``, ``childguard transparency`` and ``childguard policy``: the ministry's side.

Statistics are protected (small counts hidden) before they are shown; submissions go to the
ministry signed with the organisation's Ed25519 key.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from childguard import audit
from childguard.cli.common import handle_errors, load_settings, print_json
from childguard.cli.context import open_context
from childguard.errors import InvalidInput
from childguard.orgkeys import active_key
from childguard.policy import assessment
from childguard.policy.answers import parse
from childguard.policy.checklist import load
from childguard.stats import delivery, submission
from childguard.stats.collect import collect
from childguard.stats.counts import DIMENSIONS, check_month
from childguard.stats.tables import build_table, summary
from childguard.stats.transparency import report_data
from childguard.web.regulator_render import check_lang, render, to_pdf

stats_app = typer.Typer(
    help="Statistics for the regulator: counts only, small numbers hidden; sent to the ministry.",
    no_args_is_help=True,
)
policy_app = typer.Typer(
    help="Child online protection self-assessment against the shipped checklist.",
    no_args_is_help=True,
)


@stats_app.command("show")
@handle_errors
def stats_show(
    dimension: str = typer.Option("", "--dimension", help=f"One table: {', '.join(DIMENSIONS)}."),
    national: bool = typer.Option(False, "--national", help="The ministry's national figures."),
) -> None:
    """Print the protected statistics (hidden figures are null) as JSON."""
    ctx = open_context(load_settings())
    with ctx.db.session() as s:
        counts = submission.national_counts(s) if national else collect(s)
    k = ctx.settings.stats_k
    if dimension:
        if dimension not in DIMENSIONS:
            raise InvalidInput(f"--dimension must be one of {', '.join(DIMENSIONS)}")
        print_json(build_table(counts, dimension, k).to_public())
    else:
        print_json(summary(counts, k))


@stats_app.command("key")
@handle_errors
def stats_key() -> None:
    """Print this organisation's signing key fingerprint, for the ministry to pin."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        key = active_key(s, ctx.settings.data_dir, ctx.org.id)
        print_json({"organisation": ctx.org.name, "fingerprint": key.fingerprint})


@stats_app.command("pin")
@handle_errors
def stats_pin(
    organisation: str = typer.Argument(..., help="The submitting organisation on this instance."),
    fingerprint: str = typer.Argument(
        ..., help="Its fingerprint, as `childguard stats key` printed."
    ),
) -> None:
    """(Ministry) Pin the fingerprint an organisation's submissions must be signed with."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        org = submission.get_org_by_name(s, organisation)
        row = submission.pin(s, org, fingerprint, ctx.actor)
        print_json({"organisation": org.name, "fingerprint": row.fingerprint})


def _previous_month() -> str:
    return delivery.previous_month(datetime.now(UTC).date())


@stats_app.command("submit")
@handle_errors
def stats_submit(
    to: str = typer.Option(
        "", "--to", help="Ministry base URL (default CHILDGUARD_STATS_MINISTRY_URL)."
    ),
    period: str = typer.Option("", "--period", help="Month YYYY-MM (default: last month)."),
) -> None:
    """Sign last month's (or --period's) counts and send them to the ministry now.

    Uses CHILDGUARD_STATS_MINISTRY_KEY; a failed send stays in the outbox and the server retries.
    """
    settings = load_settings()
    ctx = open_context(settings)
    month = check_month(period) if period else _previous_month()
    delivery.require_ministry_key(settings)
    with ctx.db.session(write=True) as s:
        message_id = delivery.queue_statistics(s, settings, ctx.org, month, to or None).id
    result = delivery.deliver_now(ctx.db, settings, message_id)
    if not result.ok:
        raise InvalidInput(f"the ministry refused or could not be reached: {result.error}")
    print_json({"period": month, "delivered": True, "status_code": result.status_code})


@stats_app.command("submitters")
@handle_errors
def stats_submitters() -> None:
    """(Ministry) Which organisations submitted what for each period."""
    ctx = open_context(load_settings())
    with ctx.db.session() as s:
        for row in submission.submitters(s):
            print_json(row)


def transparency(
    period: str = typer.Option(..., "--period", help="The year, e.g. 2026."),
    lang: str = typer.Option("en", "--lang", help="km, vi or en."),
    out: Path = typer.Option(..., "--out", help="report.pdf, report.html or report.json."),
) -> None:
    """Write this organisation's transparency report (TRUST framework, EU 2024/2835 categories)."""
    check_lang(lang)
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        data = report_data(s, collect(s, ctx.org.id), period, ctx.org.id, ctx.settings.stats_k)
        audit.append(s, ctx.actor, "transparency.report", f"org:{ctx.org.id}", {"period": period})
    suffix = out.suffix.lower()
    if suffix == ".json":
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    elif suffix in (".html", ".pdf"):
        html = render(
            "regulator/transparency.html",
            lang,
            report=data,
            organisation=ctx.org.name,
            **({"pdf": True} if suffix == ".pdf" else {}),
        )
        if suffix == ".html":
            out.write_text(html, "utf-8")
        else:
            out.write_bytes(to_pdf(html))
    else:
        raise InvalidInput("--out must end in .pdf, .html or .json")
    print_json({"period": period, "out": str(out)})


@policy_app.command("assess")
@handle_errors
def policy_assess(
    answers: Path = typer.Option(..., "--answers", help="The answers file (YAML)."),
    out: Path | None = typer.Option(
        None, "--out", help="gap.pdf or gap.json (default: JSON on stdout)."
    ),
    lang: str = typer.Option("en", "--lang", help="km, vi or en (PDF)."),
    save: bool = typer.Option(
        True, "--save/--no-save", help="Store it (progress is measured from it)."
    ),
    submit_to: str = typer.Option(
        "", "--submit-to", help="Also send the scores to this ministry URL."
    ),
) -> None:
    """Score answers against the checklist, fill in childguard's own evidence, report the gaps."""
    check_lang(lang)
    settings = load_settings()
    try:
        text = answers.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {answers}: {exc.__class__.__name__}") from None
    parsed = parse(text, load(), answers.name)
    ctx = open_context(settings)
    message_id = None
    with ctx.db.session(write=True) as s:
        result = assessment.assess(s, settings, ctx.org.id, parsed)
        result["progress"] = assessment.progress(s, ctx.org.id, result)
        if save:
            result["id"] = assessment.save(s, ctx.org.id, result, ctx.actor).id
        if submit_to:
            delivery.require_ministry_key(settings)
            period = datetime.now(UTC).strftime("%Y-%m")
            message_id = delivery.queue(
                s,
                settings,
                ctx.org,
                "assessment",
                period,
                assessment.for_ministry(result),
                submit_to,
            ).id
    if message_id is not None:
        sent = delivery.deliver_now(ctx.db, settings, message_id)
        result["submitted"] = sent.ok
    if out is None:
        print_json(result)
    elif out.suffix.lower() == ".json":
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    elif out.suffix.lower() == ".pdf":
        html = render(
            "regulator/gap_report.html", lang, result=result, progress=result["progress"], pdf=True
        )
        out.write_bytes(to_pdf(html))
    else:
        raise InvalidInput("--out must end in .pdf or .json")
    if out is not None:
        print_json(
            {
                "overall_percent": result["overall_percent"],
                "gaps": len(result["gaps"]),
                "out": str(out),
            }
        )


def register(app: typer.Typer) -> None:
    """Add ``stats``, ``transparency`` and ``policy`` to the root command."""
    app.add_typer(stats_app, name="stats")
    app.add_typer(policy_app, name="policy")
    app.command("transparency")(handle_errors(transparency))
