"""Ages that belong to somebody's child: "how old is your son?" - "6".

A parent who chats ("my daughter just fell asleep", "កូនប្រុសខ្ញុំ", "bé nhà em") is asked how
old the child is and answers with a bare age. Read one message at a time, the question looks
like a groomer's "how old are you?" and the answer like a child stating an age; read with the
conversation, both are about the parent's child. This pass reads the conversation: it drops the
findings the question and the answer made about the person being asked.

A question names the child ("your son", "con chị", "កូនបង") or only says "child" ("កូនអាយុ
ប៉ុន្មាន?", "con mấy tuổi?"), which an adult may also say to a child: the bare form counts only
when the one who answers has spoken of their own child earlier in the chat.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from childguard.textrisk.artifacts import TextArtifacts
from childguard.textrisk.recognizers.base import CONTEXT, Finding

#: How many messages after the question its answer may come (as for other age questions).
ANSWER_WINDOW = 3

#: "your son", "con chị", "កូនបង": the question says whose child it is.
_NAMED_CHILD_AGE = re.compile(
    r"\bh(?:o)?w old (?:is|'?s|are|r|was) (?:your|ur|yr|ya|the) (?:little |lil |baby |eldest |"
    r"oldest |youngest |older |younger )?(?:son|daughter|kid|child|children|boy|girl|baby|bub|"
    r"little one|lil one|kiddo|twins)s?\b|"
    r"\b(?:what age|what grade|which grade|what year) (?:is|'?s|are|r) (?:your|ur|yr) "
    r"(?:son|daughter|kid|child|children|boy|girl|little one)s?\b|"
    r"\b(?:con|be|chau|nhoc)(?: (?:trai|gai|nho|lon|ut))? (?:nha |cua )?(?:chi|anh|ban|ong|ba|"
    r"co|chu)\W{0,2} (?:nam nay |gio |duoc )?(?:may|bao (?:nhieu|nhiu)|bn|nhiu) tuoi\b|"
    r"\b(?:con|be|chau)(?: (?:trai|gai|nho|lon|ut))? nha (?:em|e|chi|anh|ban) (?:nam nay |gio |"
    r"duoc )?(?:may|bao (?:nhieu|nhiu)|bn|nhiu) tuoi\b|"
    r"កូន(?:ប្រុស|ស្រី|តូច|ច្បង|ពៅ)?(?:បង|អ្នក|លោក|អ្នកស្រី|ប្អូន|ឯង)\s*(?:ឥឡូវ|ឆ្នាំនេះ)?\s*"
    r"(?:អាយុ|រៀនថ្នាក់ទី)(?:ប៉ុន្មាន|ប៉ុណ្ណា)|"
    r"កូន(?:ប្រុស|ស្រី|តូច|ច្បង|ពៅ)\s*(?:ឥឡូវ|ឆ្នាំនេះ)?\s*(?:អាយុ|រៀនថ្នាក់ទី)(?:ប៉ុន្មាន|ប៉ុណ្ណា)"
)
#: "កូនអាយុប៉ុន្មាន?", "con mấy tuổi rồi?", "how old are the kids?": about a child only if the one
#: asked is a parent.
_BARE_CHILD_AGE = re.compile(
    r"\bh(?:o)?w old (?:is|'?s|are|r) (?:he|she|they|the kids|the little one)\b|"
    r"\b(?:con|be|chau)(?: (?:trai|gai|nho|lon|ut))? (?:nam nay |gio |duoc )?(?:may|bao (?:nhieu|"
    r"nhiu)|bn|nhiu) tuoi\b|"
    r"កូន\s*(?:ឥឡូវ|ឆ្នាំនេះ)?\s*(?:អាយុ|រៀនថ្នាក់ទី)(?:ប៉ុន្មាន|ប៉ុណ្ណា)"
)
#: The speaker's own child: "my son", "my kids", "con nhà em", "đón con", "កូនស្រីខ្ញុំ".
_OWN_CHILD = re.compile(
    r"\bmy (?:little |lil |baby |eldest |oldest |youngest |two |three |)(?:son|daughter|kid|"
    r"child|children|little one|lil one|kiddo|twins)s?\b"
    r"(?! ?(?:sister|brother|sis|bro|cousin|friend|bestie|bff))|"
    r"\b(?:be|con|chau|hai dua|dua nho|thang be|con be)(?: (?:trai|gai|nho|lon|ut))? (?:nha|cua) "
    r"(?:em|e|anh|chi|toi|minh|tui)\b|"
    r"(?<!me )(?<!bo )(?<!ba )\b(?:don|dua) (?:con|be|hai dua|cac con) (?:di hoc|ve|xong|roi)\b|"
    r"កូន(?:ប្រុស|ស្រី|តូច|ច្បង|ពៅ)?(?:ខ្ញុំ|ញុំ|យើង|អញ)|"
    r"(?:នាំ|ជូន|ទៅយក|ទទួល)កូន"
)


def _child_question(artifacts: TextArtifacts) -> tuple[str, bool] | None:
    """The words of a question about a child's age in this message and whether it says whose
    child (``True``) or only "child" (``False``); ``None`` when it asks nothing of the kind."""
    for text in (artifacts.folded, artifacts.khmer):
        named = _NAMED_CHILD_AGE.search(text)
        if named is not None:
            return named.group(0), True
    for text in (artifacts.folded, artifacts.khmer):
        bare = _BARE_CHILD_AGE.search(text)
        if bare is not None:
            return bare.group(0), False
    return None


def _speaks_of_own_child(artifacts: TextArtifacts) -> bool:
    return any(_OWN_CHILD.search(text) for text in (artifacts.folded, artifacts.khmer))


def _about_the_question(finding: Finding, question: str) -> bool:
    """Whether ``finding`` was made by the words of the child's-age question: the asker's
    "how old" read as a groomer profiling, or "child" read as a sign of one."""
    if finding.label == CONTEXT:
        if finding.stage != "minor_cue":
            return False
    elif finding.stage != "access_profiling":
        return False
    words = finding.explanation.words
    return any(word and (word in question or question in word) for word in words)


def _stated_minor_age(finding: Finding) -> bool:
    return finding.label == CONTEXT and finding.stage == "stated_minor_age"


def without_childs_age(
    artifacts: Sequence[TextArtifacts],
    senders: Sequence[str],
    findings: Sequence[list[Finding]],
) -> list[list[Finding]]:
    """``findings`` less what a question about somebody's child's age and its answer made about
    the person asked: the question's profiling and minor-cue findings over its own words, and the
    answer's stated minor ages. The answer is the first message of another sender within
    ``ANSWER_WINDOW`` messages; a question that only says "child" counts when that sender has
    spoken of their own child before."""
    result = [list(found) for found in findings]
    parents: set[str] = set()
    for i, art in enumerate(artifacts):
        if _speaks_of_own_child(art):
            parents.add(senders[i])
        asked = _child_question(art)
        if asked is None:
            continue
        question, named = asked
        answerer = next(
            (j for j in range(i + 1, min(len(artifacts), i + 1 + ANSWER_WINDOW))
             if senders[j] != senders[i]),
            None,
        )  # fmt: skip
        if answerer is None:
            # no answer yet: the question alone is about somebody's child when it says whose
            if named:
                result[i] = [f for f in result[i] if not _about_the_question(f, question)]
            continue
        if not named and senders[answerer] not in parents:
            continue
        result[i] = [f for f in result[i] if not _about_the_question(f, question)]
        result[answerer] = [f for f in result[answerer] if not _stated_minor_age(f)]
    return result
