"""Queues and ordered routing rules: which queue a case waits in.

The first rule (in ``position`` order) whose every given condition holds sends a case to its
queue; a case no rule matches goes to the organisation's ``default`` queue (created on first use).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from childguard import audit
from childguard.audit import Actor
from childguard.errors import Conflict, InvalidInput, NotFound
from childguard.store.models import Case, CaseQueue, RoutingRule

DEFAULT_QUEUE = "default"
QUEUE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class CaseFacts:
    """What routing looks at: labels, matched banks and classifications, languages, priority."""

    labels: frozenset[str] = frozenset()
    banks: frozenset[str] = frozenset()
    classifications: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    priority: int = 0


@dataclass
class RuleSpec:
    """One routing rule as given by an admin: conditions (None = any) and a target queue."""

    queue: str
    label: str | None = None
    bank: str | None = None
    classification: str | None = None
    language: str | None = None
    min_priority: int | None = None

    def matches(self, facts: CaseFacts) -> bool:
        """Whether every condition given holds for ``facts``."""
        return (
            (self.label is None or self.label in facts.labels)
            and (self.bank is None or self.bank in facts.banks)
            and (self.classification is None or self.classification in facts.classifications)
            and (self.language is None or self.language in facts.languages)
            and (self.min_priority is None or facts.priority >= self.min_priority)
        )

    def to_public(self) -> dict[str, object]:
        """JSON form."""
        return {
            "queue": self.queue,
            "label": self.label,
            "bank": self.bank,
            "classification": self.classification,
            "language": self.language,
            "min_priority": self.min_priority,
        }


@dataclass
class QueueInfo:
    """A queue with its waiting and in-review counts and its oldest waiting case."""

    name: str
    description: str
    counts: dict[str, int] = field(default_factory=dict)
    oldest_open_at: str | None = None

    def to_public(self) -> dict[str, object]:
        """JSON form."""
        return {
            "name": self.name,
            "description": self.description,
            "open": self.counts.get("open", 0),
            "in_review": self.counts.get("in_review", 0),
            "oldest_open_at": self.oldest_open_at,
        }


def validate_queue_name(name: str) -> str:
    """Queue names are lowercase slugs; ``InvalidInput`` otherwise."""
    if not QUEUE_NAME_RE.fullmatch(name):
        raise InvalidInput(
            f"queue name {name[:70]!r} is invalid: use lowercase letters, digits, '-' and '_' "
            "(at most 64 characters, e.g. csam-urgent)"
        )
    return name


def get_queue(session: Session, org_id: int, name: str) -> CaseQueue:
    """The queue ``name`` of ``org_id`` (``default`` is created on first use) or ``NotFound``."""
    queue = session.scalar(
        select(CaseQueue).where(CaseQueue.org_id == org_id, CaseQueue.name == name)
    )
    if queue is None:
        if name == DEFAULT_QUEUE:
            return _create(session, org_id, DEFAULT_QUEUE, "Cases no routing rule sends elsewhere")
        raise NotFound(f"no queue named {name[:70]} (list them with GET /v1/queues)")
    return queue


def _create(session: Session, org_id: int, name: str, description: str) -> CaseQueue:
    queue = CaseQueue(org_id=org_id, name=name, description=description[:2000])
    session.add(queue)
    session.flush()
    return queue


def create_queue(
    session: Session, org_id: int, actor: Actor, name: str, description: str = ""
) -> CaseQueue:
    """Create a queue (audited); ``Conflict`` when the name is taken."""
    validate_queue_name(name)
    exists = session.scalar(
        select(CaseQueue.id).where(CaseQueue.org_id == org_id, CaseQueue.name == name)
    )
    if exists is not None:
        raise Conflict(f"a queue named {name} already exists")
    queue = _create(session, org_id, name, description)
    audit.append(session, actor, "queue.create", f"queue:{queue.id}:{name}")
    return queue


def delete_queue(session: Session, org_id: int, actor: Actor, name: str) -> None:
    """Delete a queue and its rules; its cases go back to routing (``default`` stays)."""
    if name == DEFAULT_QUEUE:
        raise InvalidInput("the default queue cannot be deleted")
    queue = get_queue(session, org_id, name)
    default = get_queue(session, org_id, DEFAULT_QUEUE)
    session.execute(update(Case).where(Case.queue_id == queue.id).values(queue_id=default.id))
    session.delete(queue)
    session.flush()
    audit.append(session, actor, "queue.delete", f"queue:{queue.id}:{name}")


def list_queues(session: Session, org_id: int) -> list[QueueInfo]:
    """Every queue of ``org_id`` (``default`` included) with open and in-review counts."""
    get_queue(session, org_id, DEFAULT_QUEUE)
    queues = list(
        session.scalars(
            select(CaseQueue).where(CaseQueue.org_id == org_id).order_by(CaseQueue.name)
        )
    )
    infos = {q.id: QueueInfo(q.name, q.description) for q in queues}
    rows = session.execute(
        select(Case.queue_id, Case.status, func.count(), func.min(Case.opened_at))
        .where(Case.org_id == org_id, Case.status.in_(("open", "in_review")))
        .group_by(Case.queue_id, Case.status)
    )
    for queue_id, status, count, oldest in rows:
        info = infos.get(queue_id) if queue_id is not None else None
        if info is None:
            continue
        info.counts[status] = int(count)
        if status == "open" and oldest is not None:
            info.oldest_open_at = oldest.isoformat()
    return list(infos.values())


def list_rules(session: Session, org_id: int) -> list[RuleSpec]:
    """The routing rules of ``org_id`` in order."""
    rows = session.execute(
        select(RoutingRule, CaseQueue.name)
        .join(CaseQueue, CaseQueue.id == RoutingRule.queue_id)
        .where(RoutingRule.org_id == org_id)
        .order_by(RoutingRule.position)
    )
    return [
        RuleSpec(
            queue=name,
            label=r.label,
            bank=r.bank,
            classification=r.classification,
            language=r.language,
            min_priority=r.min_priority,
        )
        for r, name in rows
    ]


def set_rules(
    session: Session, org_id: int, actor: Actor, rules: Sequence[RuleSpec]
) -> list[RuleSpec]:
    """Replace the routing rules of ``org_id`` with ``rules`` in the order given (audited)."""
    targets: dict[str, int] = {}
    for number, rule in enumerate(rules):
        try:
            targets[rule.queue] = get_queue(session, org_id, rule.queue).id
        except NotFound as exc:
            raise NotFound(f"rules[{number}]: {exc.message}") from None
        if rule.min_priority is not None and rule.min_priority < 0:
            raise InvalidInput(f"rules[{number}]: min_priority must be 0 or more")
    session.execute(delete(RoutingRule).where(RoutingRule.org_id == org_id))
    session.add_all(
        RoutingRule(
            org_id=org_id,
            position=position,
            queue_id=targets[rule.queue],
            label=rule.label,
            bank=rule.bank,
            classification=rule.classification,
            language=rule.language,
            min_priority=rule.min_priority,
        )
        for position, rule in enumerate(rules)
    )
    session.flush()
    audit.append(session, actor, "queue.rules.set", f"org:{org_id}", {"rules": len(rules)})
    return list_rules(session, org_id)


#: One routing rule as ``route_by_rules`` takes it: queue id, label, bank, classification,
#: language, minimum priority.
RuleRow = tuple[int, str | None, str | None, str | None, str | None, int | None]


def rules_statement() -> Select[int, str | None, str | None, str | None, str | None, int | None]:
    """The routing rules of ``:org_id`` in order, as ``RuleRow`` tuples."""
    return (
        select(
            RoutingRule.queue_id,
            RoutingRule.label,
            RoutingRule.bank,
            RoutingRule.classification,
            RoutingRule.language,
            RoutingRule.min_priority,
        )
        .where(RoutingRule.org_id == bindparam("org_id"))
        .order_by(RoutingRule.position)
    )


def route_by_rules(rules: Iterable[RuleRow], facts: CaseFacts) -> int | None:
    """The queue id of the first of ``rules`` that ``facts`` match; None when none does."""
    for queue_id, label, bank, classification, language, min_priority in rules:
        if RuleSpec("", label, bank, classification, language, min_priority).matches(facts):
            return int(queue_id)
    return None


def route(session: Session, org_id: int, facts: CaseFacts) -> int:
    """The id of the queue a case with ``facts`` belongs in."""
    rules = session.execute(rules_statement(), {"org_id": org_id})
    queue_id = route_by_rules(((*row,) for row in rules), facts)
    if queue_id is not None:
        return queue_id
    return get_queue(session, org_id, DEFAULT_QUEUE).id
