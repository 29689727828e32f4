"""The case vocabulary: labels and their priorities, default policies, actions and statuses."""

from __future__ import annotations

from enum import StrEnum

#: The label a case gets when a file matched a bank (a known-CSAM match).
CSAM = "CSAM"
#: The label an ``ESCALATE`` decision adds.
ESCALATED = "ESCALATED"

#: Default priority per label; a case's priority is the highest of its labels'. Higher is more
#: urgent: a known-CSAM match, then sextortion in progress (a child may be at risk now),
#: grooming, abuse-material trade, bullying.
PRIORITY: dict[str, int] = {
    CSAM: 100,
    ESCALATED: 90,
    "SEXTORTION": 80,
    "GROOMING": 60,
    "CSAM_TRADE": 40,
    "BULLYING": 20,
}

#: The industry classification for CSAM (the classification column of bank entries).
CSAM_CLASSES = ("A1", "A2", "B1", "B2")

NOT_VIOLATING = "NOT_VIOLATING"
ESCALATE = "ESCALATE"

#: Policies every organisation starts with, and what each means.
DEFAULT_POLICIES: dict[str, str] = {
    "A1": "CSAM, industry classification A1: a prepubescent child, sex act",
    "A2": "CSAM, industry classification A2: a prepubescent child, lascivious exhibition",
    "B1": "CSAM, industry classification B1: a pubescent child, sex act",
    "B2": "CSAM, industry classification B2: a pubescent child, lascivious exhibition",
    "SEXTORTION": "Sextortion: threats to share intimate images unless paid or obeyed",
    "GROOMING": "Grooming: an adult building trust with a child for sexual abuse",
    "CSAM_TRADE": "Trade in child sexual abuse material (offers, requests, links)",
    "BULLYING": "Bullying or harassment of a child",
    NOT_VIOLATING: "Reviewed: no violation (counts a false positive on matched bank entries)",
    ESCALATE: "Needs a senior reviewer: back to the queue, marked ESCALATED",
}

#: Policies that record no violation and so take no actions.
NO_ACTION_POLICIES = frozenset({NOT_VIOLATING, ESCALATE})


class Action(StrEnum):
    """What a decision asks the platform (or childguard) to do."""

    REMOVE_CONTENT = "remove_content"
    SUSPEND_USER = "suspend_user"
    PRESERVE_DATA = "preserve_data"
    WARN_USER = "warn_user"
    ADD_TO_BANK = "add_to_bank"
    REPORT = "report"


class Status(StrEnum):
    """A case's state: ``open`` -> ``in_review`` -> ``decided`` -> ``closed`` (reopen allowed)."""

    OPEN = "open"
    IN_REVIEW = "in_review"
    DECIDED = "decided"
    CLOSED = "closed"


#: Statuses in which new detections of the same subject join the case.
ACTIVE = (Status.OPEN.value, Status.IN_REVIEW.value)


class Source(StrEnum):
    """How a case was found: proactively (a bank match or a classifier) or from a user report."""

    MATCH = "match"
    CLASSIFIER = "classifier"
    USER_REPORT = "user_report"


def priority_of(labels: set[str] | list[str]) -> int:
    """The priority of a case with ``labels`` (0 when none is known)."""
    return max((PRIORITY.get(label, 0) for label in labels), default=0)
