"""``childguard case``: list, show, claim and decide cases of the CLI's organisation.

Acts for ``CHILDGUARD_ORG`` as the local user (``cli:<user>``), who holds, decides and confirms
under that name; four-eyes confirmation needs a different user (or an API reviewer).
"""

from __future__ import annotations

import json

import typer

from childguard.cases import decisions, policies, queries, workflow
from childguard.cli.common import handle_errors, load_settings, print_json
from childguard.cli.context import open_context
from childguard.errors import InvalidInput

case_app = typer.Typer(help="Review cases: list, show, claim, decide.", no_args_is_help=True)


def _print_case(case: dict[str, object], json_out: bool) -> None:
    if json_out:
        print_json(case)
        return
    labels = ",".join(str(x) for x in case["labels"])  # type: ignore[attr-defined]
    typer.echo(
        f"case {case['id']}  {case['status']:9} priority {case['priority']:3}  queue "
        f"{case['queue']}  labels {labels or '-'}  age {case['sla_age_seconds']} s"
    )


@case_app.command("list")
@handle_errors
def case_list(
    status: str | None = typer.Option(None, "--status", help="open, in_review, decided, closed."),
    queue: str | None = typer.Option(None, "--queue", help="Only this queue."),
    label: str | None = typer.Option(None, "--label", help="Only cases with this label."),
    limit: int = typer.Option(50, "--limit", min=1, max=queries.MAX_PAGE, help="Page size."),
    before: int | None = typer.Option(None, "--before", help="Cases older than this id."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """List cases, newest first."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        page = queries.list_cases(
            s, ctx.org.id, status=status, queue=queue, label=label, before=before, limit=limit
        )
    for case in page.cases:
        _print_case(case, json_out)
    if page.next_before is not None and not json_out:
        typer.echo(f"more: --before {page.next_before}")


@case_app.command("show")
@handle_errors
def case_show(
    case_id: int = typer.Argument(..., help="Case id."),
    json_out: bool = typer.Option(False, "--json", help="The whole case as JSON."),
) -> None:
    """Show a case: media (hashes and matches), conversations, decisions, history."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        case = queries.case_detail(s, ctx.org.id, case_id)
    if json_out:
        print_json(case)
        return
    _print_case(case, False)
    for m in case["media"]:  # type: ignore[attr-defined]
        evidence = m["evidence"]["note"]
        typer.echo(f"  media {m['id']} sha256 {m['sha256']} {m['content_type']} ({evidence})")
        for hit in m["matches"]:
            typer.echo(
                f"    {hit['bank']} entry {hit['entry_id']} {hit['signal_type']} distance "
                f"{hit['distance']} ({hit['transform']}) class {hit['classification'] or '-'} "
                f"false positives {hit['false_positives']}"
            )
    for c in case["conversations"]:  # type: ignore[attr-defined]
        typer.echo(
            f"  conversation {c['conversation_id']}: {len(c['messages'])} messages, "
            f"flagged {','.join(c['flagged']) or '-'}, {len(c['findings'])} findings"
        )
    for d in case["decisions"]:  # type: ignore[attr-defined]
        acts = ", ".join(a["action"] for a in d["actions"]) or "no actions"
        typer.echo(
            f"  decision {d['id']} {d['policy']} ({acts}) {d['status']} by {d['decided_by']}"
        )
    for h in case["history"]:  # type: ignore[attr-defined]
        typer.echo(f"  {h['at']}  {h['actor']:20} {h['action']}")


@case_app.command("claim")
@handle_errors
def case_claim(
    case_id: int = typer.Argument(..., help="Case id."),
    lease_seconds: int | None = typer.Option(None, "--lease-seconds", help="Lease length."),
) -> None:
    """Claim a case (renews your own claim)."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        case = workflow.claim(s, ctx.org.id, case_id, ctx.actor, lease_seconds)
        typer.echo(f"case {case.id} claimed until {case.lease_expires_at}")


@case_app.command("release")
@handle_errors
def case_release(case_id: int = typer.Argument(..., help="Case id.")) -> None:
    """Give a case you hold back to its queue."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        workflow.release(s, ctx.org.id, case_id, ctx.actor)
    typer.echo(f"case {case_id} released")


def _parse_action(text: str) -> str | dict[str, str]:
    name, _, bank = text.partition(":")
    if name == "add_to_bank":
        if not bank:
            raise InvalidInput("write add_to_bank with its bank: --action add_to_bank:BANK_NAME")
        return {"action": name, "bank": bank}
    return text


@case_app.command("decide")
@handle_errors
def case_decide(
    case_id: int = typer.Argument(..., help="Case id (claim it first)."),
    policy: str = typer.Option(..., "--policy", help="A policy (see `childguard case policies`)."),
    action: list[str] = typer.Option(
        [],
        "--action",
        help=(
            "remove_content, suspend_user, preserve_data, warn_user, report or "
            "add_to_bank:BANK (repeatable)."
        ),
    ),
    note: str = typer.Option("", "--note", help="Why (kept with the decision, not audited)."),
    claim: bool = typer.Option(False, "--claim", help="Claim the case first."),
) -> None:
    """Decide a case you hold; prints whether a second reviewer must confirm."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        if claim:
            workflow.claim(s, ctx.org.id, case_id, ctx.actor)
        d = decisions.decide(
            s, ctx.org.id, case_id, ctx.actor, policy, [_parse_action(a) for a in action], note
        )
        decision_id, state = d.id, d.status
    if state == "pending":
        typer.echo(
            f"decision {decision_id} awaits a second reviewer: "
            f"childguard case confirm {case_id} {decision_id}"
        )
    else:
        typer.echo(f"decision {decision_id} is in effect; case {case_id} decided")


@case_app.command("confirm")
@handle_errors
def case_confirm(
    case_id: int = typer.Argument(..., help="Case id."),
    decision_id: int = typer.Argument(..., help="The pending decision."),
) -> None:
    """Confirm another reviewer's pending decision (four eyes)."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        decisions.confirm(s, ctx.org.id, case_id, decision_id, ctx.actor)
    typer.echo(f"decision {decision_id} confirmed; case {case_id} decided")


@case_app.command("close")
@handle_errors
def case_close(case_id: int = typer.Argument(..., help="Case id.")) -> None:
    """Close a decided case."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        workflow.close(s, ctx.org.id, case_id, ctx.actor)
    typer.echo(f"case {case_id} closed")


@case_app.command("reopen")
@handle_errors
def case_reopen(case_id: int = typer.Argument(..., help="Case id.")) -> None:
    """Reopen a decided or closed case."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        workflow.reopen(s, ctx.org.id, case_id, ctx.actor)
    typer.echo(f"case {case_id} reopened")


@case_app.command("policies")
@handle_errors
def case_policies(json_out: bool = typer.Option(False, "--json", help="JSON lines.")) -> None:
    """The policies decisions are taken under."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        for p in policies.list_policies(s, ctx.org.id):
            if json_out:
                print_json(policies.policy_public(p))
            else:
                typer.echo(f"{p.name:16} {p.description}")


@case_app.command("history")
@handle_errors
def case_history(case_id: int = typer.Argument(..., help="Case id.")) -> None:
    """The case's history as JSON lines."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        case = queries.case_detail(s, ctx.org.id, case_id)
    for h in case["history"]:  # type: ignore[attr-defined]
        typer.echo(json.dumps(h, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Attach ``case``."""
    app.add_typer(case_app, name="case")
