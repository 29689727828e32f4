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
from childguard.textrisk.recognizers.generic import age_stage, context_finding

NAME = "AnswerToAgeQuestion"
#: How many messages after the question its answer may come (the asker may add a line first).
ANSWER_WINDOW = 3

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
    r"(\d{1,2}|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
    r"(?![\d:.,$%/]\d|\s*(?:k\b|\$|%|:|h\b|am\b|pm\b|min|hour|dollars?|usd|phut|gio|diamonds?|"
    r"robux|followers?|lvl|level))"
)
_NUMBER_WORDS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip


def _asked(artifacts: TextArtifacts) -> str | None:
    for text in (artifacts.folded, artifacts.khmer):
        if AGE_QUESTION.search(text):
            return "age"
        if GRADE_QUESTION.search(text):
            return "grade"
    return None


def _answer(artifacts: TextArtifacts, asked: str, question: int) -> Finding | None:
    match = _ANSWER.match(artifacts.folded)
    if match is None:
        return None
    found = match.group(1)
    number = _NUMBER_WORDS[found] if found in _NUMBER_WORDS else int(found)
    stated: tuple[str, float] | None
    if asked == "grade":
        stated = ("stated_minor_age", 0.8) if 1 <= number <= 12 else None
    else:
        stated = age_stage(number)
    if stated is None:
        return None
    pattern = f"answer to the {asked} question of message {question}"
    return context_finding(*stated, NAME, pattern, match.group(0).strip())


def answer_findings(
    artifacts: Sequence[TextArtifacts],
    senders: Sequence[str],
    findings: Sequence[Sequence[Finding]],
) -> list[list[Finding]]:
    """Per message, the CONTEXT finding its reply to an age or school-year question adds (an
    empty list for most). A reply is the first message of another sender within
    ``ANSWER_WINDOW`` messages after the question that starts with a number; it adds nothing when
    the message already states an age."""
    extra: list[list[Finding]] = [[] for _ in artifacts]
    question: tuple[int, str, str] | None = None  # index, kind, asker
    for i, art in enumerate(artifacts):
        if question is not None:
            q_index, kind, asker = question
            if i - q_index > ANSWER_WINDOW:
                question = None
            elif senders[i] != asker:
                question = None
                stated = any(
                    f.label == CONTEXT and f.stage in ("stated_minor_age", "stated_adult_age")
                    for f in findings[i]
                )
                found = None if stated else _answer(art, kind, q_index)
                if found is not None:
                    extra[i].append(found)
        kind_asked = _asked(art)
        if kind_asked is not None:
            question = (i, kind_asked, senders[i])
    return extra


def with_answers(
    artifacts: Sequence[TextArtifacts],
    senders: Sequence[str],
    findings: Sequence[list[Finding]],
) -> list[list[Finding]]:
    """Each message's recognizer ``findings`` with what its reply to an age or school-year
    question adds (``answer_findings``): the one way the engine and training read a chat."""
    extra = answer_findings(artifacts, senders, findings)
    return [found + added for found, added in zip(findings, extra, strict=True)]
