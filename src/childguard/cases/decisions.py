"""Decisions, four-eyes confirmation, their effects, and appeals.

A decision is taken by the case's holder under one of the organisation's policies, with actions.
When the organisation asks for four eyes (the default), a decision that reports to a hotline or
adds hashes to a bank shared with other organisations is ``pending`` until a second reviewer
confirms it; otherwise it is ``effective`` at once. Taking effect: the case is ``decided`` (or,
for ``ESCALATE``, back to ``open`` marked ``ESCALATED``), ``add_to_bank`` adds the case's hashes
with provenance, ``NOT_VIOLATING`` counts a false positive on every matched bank entry, and the
platform is told through the outbox (``case.decided`` and one ``action.requested`` per action).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from childguard.audit import Actor
from childguard.cases.history import record, reviewer_id
from childguard.cases.intake import case_facts
from childguard.cases.labels import (
    CSAM_CLASSES,
    ESCALATE,
    ESCALATED,
    NO_ACTION_POLICIES,
    NOT_VIOLATING,
    Action,
    Status,
    priority_of,
)
from childguard.cases.org_settings import get_settings
from childguard.cases.policies import require_policy
from childguard.cases.routing import route
from childguard.cases.workflow import get_case, require_holder
from childguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from childguard.exchange.feedback import record_decision_feedback
from childguard.media.bank_formats import EntryIn, make_entry
from childguard.media.banks import BankRepository
from childguard.reports.service import on_decision_effective
from childguard.store.models import (
    BankEntry,
    BankShare,
    Case,
    CaseAppeal,
    CaseDecision,
    CaseMedia,
    Org,
    utcnow,
)
from childguard.webhooks.outbox import enqueue_event

MAX_NOTE_CHARS = 10_000
#: Signal types whose hashes ``add_to_bank`` copies from a case's media.
BANKED_SIGNALS = ("pdq", "md5", "sha256", "vpdq")


@dataclass(frozen=True)
class ActionSpec:
    """One requested action; ``bank`` names the bank of ``add_to_bank``."""

    action: Action
    bank: str | None = None

    def to_public(self) -> dict[str, object]:
        """JSON form."""
        out: dict[str, object] = {"action": self.action.value}
        if self.bank is not None:
            out["bank"] = self.bank
        return out


def parse_actions(raw: Sequence[object]) -> list[ActionSpec]:
    """Actions given as names or ``{"action": NAME, "bank": ...}``; ``InvalidInput`` otherwise."""
    valid = ", ".join(a.value for a in Action)
    specs: list[ActionSpec] = []
    for number, item in enumerate(raw):
        bank: object = None
        if isinstance(item, Mapping):
            name = item.get("action", item.get("type"))
            bank = item.get("bank")
        else:
            name = item
        if not isinstance(name, str):
            raise InvalidInput(
                f"actions[{number}] must be an action name or an object with 'action'"
            )
        try:
            action = Action(name)
        except ValueError:
            raise InvalidInput(
                f"actions[{number}]: unknown action {name[:50]!r}; actions: {valid}"
            ) from None
        if action is Action.ADD_TO_BANK:
            if not isinstance(bank, str) or not bank:
                raise InvalidInput(
                    f"actions[{number}]: add_to_bank needs the bank's name, "
                    'e.g. {"action": "add_to_bank", "bank": "CONFIRMED"}'
                )
        elif bank is not None:
            raise InvalidInput(f"actions[{number}]: only add_to_bank takes a bank")
        spec = ActionSpec(action, bank if isinstance(bank, str) else None)
        if spec in specs:
            raise InvalidInput(f"actions[{number}]: {action.value} is listed twice")
        specs.append(spec)
    return specs


def _specs_of(decision: CaseDecision) -> list[ActionSpec]:
    return [ActionSpec(Action(a["action"]), a.get("bank")) for a in json.loads(decision.actions)]


def _org(session: Session, org_id: int) -> Org:
    org = session.get(Org, org_id)
    if org is None:
        raise NotFound("your organisation no longer exists")
    return org


def _check_banks(session: Session, org_id: int, specs: Sequence[ActionSpec]) -> set[str]:
    """The names of the ``add_to_bank`` targets that are shared with other organisations.

    ``InvalidInput`` for a bank the organisation does not own (or that does not exist).
    """
    repo = BankRepository(session, _org(session, org_id))
    shared: set[str] = set()
    for spec in specs:
        if spec.action is not Action.ADD_TO_BANK or spec.bank is None:
            continue
        try:
            bank = repo.get(spec.bank, write=True)
        except (NotFound, PermissionDenied) as exc:
            raise InvalidInput(f"add_to_bank: {exc.message}; use a bank you own") from None
        if session.scalar(select(BankShare.org_id).where(BankShare.bank_id == bank.id).limit(1)):
            shared.add(bank.name)
    return shared


def _needs_second_reviewer(
    session: Session, org_id: int, specs: Sequence[ActionSpec], shared_banks: set[str]
) -> bool:
    if not get_settings(session, org_id).four_eyes:
        return False
    return any(s.action is Action.REPORT for s in specs) or bool(shared_banks)


def decide(
    session: Session,
    org_id: int,
    case_id: int,
    actor: Actor,
    policy: str,
    actions: Sequence[object] = (),
    note: str = "",
) -> CaseDecision:
    """Record the holder's decision; it takes effect now or after a second reviewer confirms.

    ``Conflict`` when the caller does not hold the case; ``InvalidInput`` for an unknown policy
    or action, actions on ``NOT_VIOLATING``/``ESCALATE``, ``add_to_bank`` without media or into
    a bank the organisation does not own.
    """
    case = get_case(session, org_id, case_id)
    require_holder(case, actor)
    require_policy(session, org_id, policy)
    specs = parse_actions(actions)
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"the note is longer than {MAX_NOTE_CHARS} characters")
    if policy in NO_ACTION_POLICIES and specs:
        raise InvalidInput(f"a {policy} decision takes no actions")
    pending = session.scalar(
        select(CaseDecision.id).where(
            CaseDecision.case_id == case.id, CaseDecision.status == "pending"
        )
    )
    if pending is not None:
        raise Conflict(f"decision {pending} of case {case.id} awaits confirmation")
    if any(s.action is Action.ADD_TO_BANK for s in specs):
        has_media = session.scalar(
            select(CaseMedia.id).where(CaseMedia.case_id == case.id).limit(1)
        )
        if has_media is None:
            raise InvalidInput("add_to_bank needs media in the case; this case has none")
    shared_banks = _check_banks(session, org_id, specs)
    four_eyes = _needs_second_reviewer(session, org_id, specs, shared_banks)
    decision = CaseDecision(
        case_id=case.id,
        policy=policy,
        actions=json.dumps([s.to_public() for s in specs]),
        note=note,
        status="pending" if four_eyes else "effective",
        decided_by=reviewer_id(actor),
        created_at=utcnow(),
    )
    session.add(decision)
    session.flush()
    record(
        session,
        case,
        actor,
        "decision_proposed" if four_eyes else "decided",
        {"decision_id": decision.id, "policy": policy, "actions": [s.to_public() for s in specs]},
    )
    if not four_eyes:
        _take_effect(session, case, decision, actor)
    return decision


def confirm(
    session: Session, org_id: int, case_id: int, decision_id: int, actor: Actor
) -> CaseDecision:
    """A second reviewer confirms a pending decision, which then takes effect.

    ``Conflict`` when the confirmer took the decision or it is not
    pending.
    """
    case = get_case(session, org_id, case_id)
    decision = _decision(session, case, decision_id)
    if decision.status != "pending":
        raise Conflict(f"decision {decision_id} is {decision.status}, not awaiting confirmation")
    if decision.decided_by == reviewer_id(actor):
        raise Conflict("you took this decision; a second reviewer must confirm it")
    decision.confirmed_by = reviewer_id(actor)
    record(session, case, actor, "decision_confirmed", {"decision_id": decision.id})
    _take_effect(session, case, decision, actor)
    return decision


def _decision(session: Session, case: Case, decision_id: int) -> CaseDecision:
    decision = session.get(CaseDecision, decision_id)
    if decision is None or decision.case_id != case.id:
        raise NotFound(f"no decision {decision_id} in case {case.id}")
    return decision


def _media(session: Session, case: Case) -> list[CaseMedia]:
    return list(session.scalars(select(CaseMedia).where(CaseMedia.case_id == case.id)))


def _take_effect(session: Session, case: Case, decision: CaseDecision, actor: Actor) -> None:
    now = utcnow()
    decision.status = "effective"
    decision.effective_at = now
    specs = _specs_of(decision)
    case.holder = None
    case.lease_expires_at = None
    if decision.policy == ESCALATE:
        labels = set(json.loads(case.labels)) | {ESCALATED}
        case.labels = json.dumps(sorted(labels))
        case.priority = priority_of(labels)
        case.status = Status.OPEN.value
        session.flush()
        case.queue_id = route(session, case.org_id, case_facts(session, case))
        record(session, case, actor, "escalated", {"decision_id": decision.id})
        return
    case.status = Status.DECIDED.value
    case.decided_at = now
    media = _media(session, case)
    if decision.policy == NOT_VIOLATING:
        _count_false_positives(session, media)
    _feedback_to_publishers(session, case.org_id, decision.policy, media)
    for spec in specs:
        if spec.action is Action.ADD_TO_BANK and spec.bank is not None:
            _add_to_bank(session, case, decision, spec.bank, media)
    base = {
        "case_id": case.id,
        "decision_id": decision.id,
        "policy": decision.policy,
        "content_id": case.content_id,
        "user_id": case.user_id,
        "conversation_id": case.conversation_id,
        "content_ids": sorted({m.content_id for m in media if m.content_id}),
    }
    enqueue_event(
        session,
        case.org_id,
        "case.decided",
        {**base, "actions": [s.to_public() for s in specs]},
    )
    for spec in specs:
        enqueue_event(session, case.org_id, "action.requested", {**base, **spec.to_public()})
    # A ``report`` action queues the deployment's hotline reports in this same transaction.
    on_decision_effective(session, case, decision, actor)


def _feedback_to_publishers(
    session: Session, org_id: int, policy: str, media: Sequence[CaseMedia]
) -> None:
    """Tell the publishers of matched entries that came from feeds what the review found."""
    verdict = "false_positive" if policy == NOT_VIOLATING else "true_positive"
    entry_ids = sorted({int(m["entry_id"]) for item in media for m in json.loads(item.matches)})
    for entry_id in entry_ids:
        record_decision_feedback(session, org_id, entry_id, verdict)


def _count_false_positives(session: Session, media: Sequence[CaseMedia]) -> None:
    entry_ids = sorted({int(m["entry_id"]) for item in media for m in json.loads(item.matches)})
    if entry_ids:
        session.execute(
            update(BankEntry)
            .where(BankEntry.id.in_(entry_ids))
            .values(false_positives=BankEntry.false_positives + 1)
            .execution_options(synchronize_session=False)
        )


def _add_to_bank(
    session: Session, case: Case, decision: CaseDecision, bank_name: str, media: Sequence[CaseMedia]
) -> None:
    repo = BankRepository(session, _org(session, case.org_id))
    bank = repo.get(bank_name, write=True)
    classification = decision.policy if decision.policy in CSAM_CLASSES else ""
    reviewers = decision.decided_by + (
        f", confirmed by {decision.confirmed_by}" if decision.confirmed_by else ""
    )
    entries: list[EntryIn] = []
    for item in media:
        signals: dict[str, Any] = json.loads(item.signals)
        for name in BANKED_SIGNALS:
            value = signals.get(name)
            if isinstance(value, dict):
                if value.get("quality") is not None and not _usable(name, value):
                    continue
                value = value.get("hash")
            if isinstance(value, str) and value:
                entries.append(
                    make_entry(
                        name,
                        value,
                        source=f"case:{case.id}",
                        external_id=f"decision:{decision.id}",
                        classification=classification,
                        note=f"policy {decision.policy}; reviewer {reviewers}"[:1000],
                    )
                )
    if entries:
        repo.add_entries(bank, entries)


def _withdraw_from_banks(session: Session, case: Case, decision: CaseDecision, actor: Actor) -> int:
    """Disable the entries ``decision``'s ``add_to_bank`` added; returns how many."""
    repo = BankRepository(session, _org(session, case.org_id), actor)
    disabled = 0
    for spec in _specs_of(decision):
        if spec.action is not Action.ADD_TO_BANK or spec.bank is None:
            continue
        try:
            bank = repo.get(spec.bank, write=True)
        except (NotFound, PermissionDenied):  # deleted or unshared since: nothing to undo
            continue
        ids = session.scalars(
            select(BankEntry.id).where(
                BankEntry.bank_id == bank.id,
                BankEntry.source == f"case:{case.id}",
                BankEntry.external_id == f"decision:{decision.id}",
                BankEntry.enabled.is_(True),
            )
        ).all()
        if ids:
            disabled += repo.set_entries_enabled(bank, [str(i) for i in ids], False)
    return disabled


def _usable(signal: str, value: Mapping[str, Any]) -> bool:
    # PDQ hashes under the reference quality bar never match, so banking them adds noise.
    return not (signal == "pdq" and int(value.get("quality", 100)) < 50)


def appeal(
    session: Session,
    org_id: int,
    case_id: int,
    actor: Actor,
    reason: str = "",
    decision_id: int | None = None,
) -> CaseAppeal:
    """A platform appeals an effective decision (the case's latest unless ``decision_id``).

    ``Conflict`` when there is no effective decision or it already has an open appeal.
    """
    case = get_case(session, org_id, case_id)
    if len(reason) > MAX_NOTE_CHARS:
        raise InvalidInput(f"the reason is longer than {MAX_NOTE_CHARS} characters")
    if decision_id is None:
        decision = session.scalar(
            select(CaseDecision)
            .where(CaseDecision.case_id == case.id, CaseDecision.status == "effective")
            .order_by(CaseDecision.id.desc())
            .limit(1)
        )
        if decision is None:
            raise Conflict(f"case {case_id} has no decision in effect to appeal")
    else:
        decision = _decision(session, case, decision_id)
        if decision.status != "effective":
            raise Conflict(
                f"decision {decision_id} is {decision.status}; only one in effect can be appealed"
            )
    open_appeal = session.scalar(
        select(CaseAppeal.id).where(
            CaseAppeal.decision_id == decision.id, CaseAppeal.status == "open"
        )
    )
    if open_appeal is not None:
        raise Conflict(f"decision {decision.id} already has an open appeal ({open_appeal})")
    row = CaseAppeal(
        case_id=case.id,
        decision_id=decision.id,
        reason=reason,
        status="open",
        appellant=reviewer_id(actor),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record(session, case, actor, "appealed", {"appeal_id": row.id, "decision_id": decision.id})
    return row


APPEAL_OUTCOMES = ("upheld", "overturned")


def decide_appeal(
    session: Session,
    org_id: int,
    case_id: int,
    appeal_id: int,
    actor: Actor,
    outcome: str,
    note: str = "",
) -> CaseAppeal:
    """A reviewer other than the decision's upholds or overturns an open appeal.

    Overturning marks the decision ``overturned`` and disables the bank entries that its
    ``add_to_bank`` put in (those whose provenance names this decision; a hash the bank held
    before keeps its own provenance and stays); the platform is told either way
    (``appeal.decided`` with the decision's actions, so it can undo them).
    """
    case = get_case(session, org_id, case_id)
    row = session.get(CaseAppeal, appeal_id)
    if row is None or row.case_id != case.id:
        raise NotFound(f"no appeal {appeal_id} in case {case_id}")
    if row.status != "open":
        raise Conflict(f"appeal {appeal_id} was already decided ({row.status})")
    if outcome not in APPEAL_OUTCOMES:
        raise InvalidInput(f"unknown outcome {outcome[:30]!r}; use upheld or overturned")
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidInput(f"the note is longer than {MAX_NOTE_CHARS} characters")
    decision = _decision(session, case, row.decision_id)
    if decision.decided_by == reviewer_id(actor):
        raise Conflict("you took the appealed decision; another reviewer must decide the appeal")
    row.status = outcome
    row.decided_by = reviewer_id(actor)
    row.decided_at = utcnow()
    row.note = note
    details: dict[str, object] = {"appeal_id": row.id, "outcome": outcome}
    if outcome == "overturned":
        decision.status = "overturned"
        withdrawn = _withdraw_from_banks(session, case, decision, actor)
        if withdrawn:
            details["bank_entries_disabled"] = withdrawn
    record(session, case, actor, "appeal_decided", details)
    enqueue_event(
        session,
        case.org_id,
        "appeal.decided",
        {
            "case_id": case.id,
            "appeal_id": row.id,
            "decision_id": decision.id,
            "outcome": outcome,
            "policy": decision.policy,
            "actions": json.loads(decision.actions),
            "content_id": case.content_id,
            "user_id": case.user_id,
        },
    )
    return row
