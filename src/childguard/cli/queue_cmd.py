"""``childguard queue``: review queues, their routing rules and the next case."""

from __future__ import annotations

import typer

from childguard.cases import routing, workflow
from childguard.cli.common import handle_errors, load_settings, print_json
from childguard.cli.context import open_context
from childguard.errors import NotFound

queue_app = typer.Typer(help="Review queues and routing rules.", no_args_is_help=True)


@queue_app.command("list")
@handle_errors
def queue_list(json_out: bool = typer.Option(False, "--json", help="JSON lines.")) -> None:
    """Queues with their open and in-review counts."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        queues = [q.to_public() for q in routing.list_queues(s, ctx.org.id)]
    for q in queues:
        if json_out:
            print_json(q)
        else:
            typer.echo(
                f"{q['name']:20} open {q['open']:6}  in review {q['in_review']:5}  "
                f"oldest {q['oldest_open_at'] or '-'}"
            )


@queue_app.command("add")
@handle_errors
def queue_add(
    name: str = typer.Argument(..., help="Lowercase slug, e.g. csam-urgent."),
    description: str = typer.Option("", "--description", help="What goes here."),
) -> None:
    """Create a queue."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        routing.create_queue(s, ctx.org.id, ctx.actor, name, description)
    typer.echo(f"queue {name} created")


@queue_app.command("remove")
@handle_errors
def queue_remove(name: str = typer.Argument(..., help="Queue name.")) -> None:
    """Delete a queue and its rules; its cases move to ``default``."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        routing.delete_queue(s, ctx.org.id, ctx.actor, name)
    typer.echo(f"queue {name} removed")


@queue_app.command("next")
@handle_errors
def queue_next(
    name: str = typer.Argument("default", help="Queue name."),
    json_out: bool = typer.Option(False, "--json", help="The claimed case as JSON."),
) -> None:
    """Claim the most urgent waiting case of a queue."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        case = workflow.next_case(s, ctx.org.id, name, ctx.actor)
        found = None if case is None else (case.id, case.priority, case.lease_expires_at)
    if found is None:
        typer.echo(f"no case waits in queue {name}")
        return
    if json_out:
        print_json({"id": found[0], "priority": found[1], "lease_expires_at": found[2]})
    else:
        typer.echo(f"case {found[0]} (priority {found[1]}) claimed until {found[2]}")


@queue_app.command("rules")
@handle_errors
def queue_rules(json_out: bool = typer.Option(False, "--json", help="JSON lines.")) -> None:
    """The routing rules in order (the first that matches picks the queue)."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        rules = routing.list_rules(s, ctx.org.id)
    for number, rule in enumerate(rules, 1):
        if json_out:
            print_json(rule.to_public())
        else:
            conditions = {k: v for k, v in rule.to_public().items() if k != "queue" and v}
            shown = " ".join(f"{k}={v}" for k, v in conditions.items()) or "(any case)"
            typer.echo(f"{number:3}. {shown} -> {rule.queue}")


@queue_app.command("route")
@handle_errors
def queue_route(
    queue: str = typer.Argument(..., help="Queue the rule sends cases to."),
    label: str | None = typer.Option(None, "--label", help="Case has this label."),
    bank: str | None = typer.Option(None, "--bank", help="A match in this bank."),
    classification: str | None = typer.Option(
        None, "--classification", help="A match of this classification (A1, A2, B1, B2)."
    ),
    language: str | None = typer.Option(None, "--language", help="A conversation in km, vi, en."),
    min_priority: int | None = typer.Option(None, "--min-priority", min=0, help="At least."),
    first: bool = typer.Option(False, "--first", help="Put the rule first instead of last."),
) -> None:
    """Add a routing rule (last, or first with ``--first``)."""
    ctx = open_context(load_settings())
    rule = routing.RuleSpec(queue, label, bank, classification, language, min_priority)
    with ctx.db.session(write=True) as s:
        rules = routing.list_rules(s, ctx.org.id)
        rules = [rule, *rules] if first else [*rules, rule]
        routing.set_rules(s, ctx.org.id, ctx.actor, rules)
    typer.echo(f"{len(rules)} routing rules")


@queue_app.command("unroute")
@handle_errors
def queue_unroute(
    number: int = typer.Argument(..., min=1, help="Rule number from `childguard queue rules`."),
) -> None:
    """Remove one routing rule."""
    ctx = open_context(load_settings())
    with ctx.db.session(write=True) as s:
        rules = routing.list_rules(s, ctx.org.id)
        if number > len(rules):
            raise NotFound(f"there are {len(rules)} rules; no rule {number}")
        del rules[number - 1]
        routing.set_rules(s, ctx.org.id, ctx.actor, rules)
    typer.echo(f"{len(rules)} routing rules")


def register(app: typer.Typer) -> None:
    """Attach ``queue``."""
    app.add_typer(queue_app, name="queue")
