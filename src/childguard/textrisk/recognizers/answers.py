"""Answers to a question of age or school year asked just before ("how old r u?" - "14").

A bare number says nothing on its own; after "how old are you?", "em mấy tuổi?" or
"អាយុប៉ុន្មាន?" from somebody else it is the commonest way a child states an age, and after "what
grade r u in?" a school year. A recognizer reads one message, so this pass reads the conversation:
it is run after the recognizers, by the engine and by training alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from childguard.textrisk.artifacts import TextArtifacts
from childguard.textrisk.recognizers.base import CONTEXT, Finding
from childguard.textrisk.recognizers.childs_age import without_childs_age
from childguard.textrisk.recognizers.generic import (
    GenericAgeRecognizer,
    age_stage,
    context_finding,
    is_others_age,
    spoken_number,
)

NAME = "AnswerToAgeQuestion"
#: How many messages after the question its answer may come (the asker may add a line first).
ANSWER_WINDOW = 3
#: The youngest age a bare number answering somebody's own age can state: "6, grade 1 na siya"
#: after "i'm 36" is a parent's child, and children younger than this rarely chat.
SWAPPED_YOUNGEST = 10

AGE_QUESTION = re.compile(
    # "how old are you", "how old?", not "how old is he": a child's age asked about is not an answer
    # to come from the child
    r"\bh(?:o)?w old(?: (?:(?:are|r|re) )?(?:you|u|ya|yu)\b| (?:now|again|exactly)\b|"
    r"\s*[?!.]|\s*$)|"
    r"\b(?:what|wat|wut)(?:'?s| is)? (?:ur|your|yo) age\b|\b(?:ur|your) age\s*\?|"
    r"\bwhat age\b|\bage\s*\?|\ba ?/ ?s ?/ ?l\b|\basl\b|"
    r"\b(?:may|bao (?:nhieu|nhiu)|bn|nhiu) tuoi\b|\btuoi (?:j|gi)\b|"
    r"\bayu (?:ponman|bonman|pon man|ponna)\b|អាយុប៉ុន្មាន|អាយុប៉ុណ្ណា|"
    # an age doubted: "wait ur not 18 r u", "r u really 16?", "are u even 18"
    r"\b(?:ur|you'?re|u r|you are|r u|are (?:you|u)) (?:not|really|actually|even|rly) "
    r"(?:1\d|[2-9]\d)\b"
)
GRADE_QUESTION = re.compile(
    r"\b(?:what|wat|wut|which) (?:grade|year|class|form|standard)\b|\bgrade\s*\?|"
    r"\b(?:form|standard|std|grade|year) (?:how many|what|which)\b|"
    r"\blop (?:may|nao)\b|\bth?nak ?(?:ti )?(?:ponman|bonman)\b|ថ្នាក់ទីប៉ុន្មាន"
)
#: Words a reply may open with before its number: assent and politeness ("dạ 13", "ចាស ១៣",
#: "yeah 12", "12 po" has it after), hedges ("almost 14", "just 12").
_FILLERS = (
    r"(?:(?:da|vang|ya|yah|yeah|yea|yep|yup|um+|uh+|hm+|lol|haha|hehe|ok|okay|po|chas|cha|jas|bat|"
    r"ចាស|បាទ|almost|nearly|about|bout|like|only|just)\W*\s*)*"
)
#: A reply that starts with the number, maybe after "i'm", "em", "grade" or their likes.
_ANSWER = re.compile(
    r"^\W*" + _FILLERS + r"(?:(?:i'?m|im|i am|me|em|e|minh|tui|toi|con|knhom|khnhom|nhom|grade|gr|"
    r"year|yr|lop|class|form|sec|std|th?nak(?: ?ti)?|ញុំ|ខ្ញុំ|ថ្នាក់ទី)\s*)?"
    r"(\d{1,2}(?!\d)|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|"
    r"nineteen)"
    r"(?![\d:.,$%/]\d|\s*(?:k\b|\$|%|:|h\b|am\b|pm\b|min|hour|dollars?|usd|phut|gio|diamonds?|"
    r"robux|followers?|lvl|level|cm\b|kg\b|size))"
)


def _asked(artifacts: TextArtifacts) -> str | None:
    for text in (artifacts.folded, artifacts.khmer):
        if AGE_QUESTION.search(text):
            return "age"
        if GRADE_QUESTION.search(text):
            return "grade"
    return None


def _states_age(finding: Finding) -> bool:
    return finding.label == CONTEXT and finding.stage in ("stated_minor_age", "stated_adult_age")


def _own_age_numbers(artifacts: TextArtifacts, findings: Sequence[Finding]) -> frozenset[int]:
    """Every number of a message where the speaker states their own age (empty when they state
    none): a reply that repeats one of them echoes it ("i'm 17. well actually 22" - "22??")."""
    if not any(
        _states_age(f) and f.explanation.name == GenericAgeRecognizer.name and not is_others_age(f)
        for f in findings
    ):
        return frozenset()
    return frozenset(int(n) for n in re.findall(r"(?<!\d)\d{1,2}(?!\d)", artifacts.folded))


def _answer(
    artifacts: TextArtifacts, asked: str, question: int, swapped: frozenset[int] | None = None
) -> Finding | None:
    """The finding a reply states, by the kind of question ``asked``; when the question was the
    asker's own age (``swapped``), only a teenager's or an adult's age other than that one counts
    ("14" after "i'm 14" echoes it: "14?? wow")."""
    match = _ANSWER.match(artifacts.folded)
    if match is None:
        return None
    found = match.group(1)
    number = spoken_number(found)
    if swapped and (number in swapped or number < SWAPPED_YOUNGEST):
        return None
    stated: tuple[str, float] | None
    if asked == "grade":
        stated = ("stated_minor_age", 0.8) if 1 <= number <= 12 else None
    else:
        stated = age_stage(number)
    if stated is None:
        return None
    pattern = (
        f"answer to the age given in message {question}"
        if swapped
        else f"answer to the {asked} question of message {question}"
    )
    return context_finding(*stated, NAME, pattern, match.group(0).strip())


def answer_findings(
    artifacts: Sequence[TextArtifacts],
    senders: Sequence[str],
    findings: Sequence[Sequence[Finding]],
) -> list[list[Finding]]:
    """Per message, the CONTEXT finding its reply to an age or school-year question adds (an
    empty list for most). A reply is the first message of another sender within
    ``ANSWER_WINDOW`` messages after the question that starts with a number; it adds nothing when
    the message already states an age. A message stating the speaker's own age asks the other's
    back ("i'm 31" - "33 and same")."""
    extra: list[list[Finding]] = [[] for _ in artifacts]
    # index, kind, asker and the numbers of the asker's own age (when that was the question)
    question: tuple[int, str, str, frozenset[int]] | None = None
    for i, art in enumerate(artifacts):
        if question is not None:
            q_index, kind, asker, swapped = question
            if i - q_index > ANSWER_WINDOW:
                question = None
            elif senders[i] != asker:
                question = None
                stated = any(_states_age(f) for f in findings[i])
                found = None if stated else _answer(art, kind, q_index, swapped)
                if found is not None:
                    extra[i].append(found)
        kind_asked = _asked(art)
        own = frozenset() if kind_asked is not None else _own_age_numbers(art, findings[i])
        if own:
            # ages are swapped: "i'm 31" - "33 and same", "im 13 wbu" - "16"
            kind_asked = "age"
        if kind_asked is not None:
            question = (i, kind_asked, senders[i], own)
    return extra


def with_answers(
    artifacts: Sequence[TextArtifacts],
    senders: Sequence[str],
    findings: Sequence[list[Finding]],
) -> list[list[Finding]]:
    """Each message's recognizer ``findings`` with what its reply to an age or school-year
    question adds (``answer_findings``), less what a question about somebody's child's age and
    its answer made about the person asked (``without_childs_age``): the one way the engine and
    training read a chat."""
    extra = answer_findings(artifacts, senders, findings)
    answered = [found + added for found, added in zip(findings, extra, strict=True)]
    return without_childs_age(artifacts, senders, answered)
