"""Reading a company's answers file (YAML), naming the line of every mistake.

Format::

    company_type: ugc        # isp, mno, hosting, ugc, app or creator
    answers:
      A1: 3                  # 0 not in place, 1 planned, 2 partial, 3 full
      A2: {score: 2, note: "board member named in 2026"}

Unknown item ids, scores outside 0..3 or an unknown company type raise ``InvalidInput`` naming the
file's line; nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from childguard.errors import InvalidInput
from childguard.policy.checklist import SCALE, Checklist


@dataclass(frozen=True)
class Answer:
    """One answered item: score and the company's own note (never sent to the regulator)."""

    score: int
    note: str


@dataclass(frozen=True)
class Answers:
    """A parsed answers file."""

    company_type: str
    answers: dict[str, Answer]


def _fail(name: str, node: yaml.Node, message: str) -> InvalidInput:
    return InvalidInput(f"{name} line {node.start_mark.line + 1}: {message}")


def _score(name: str, node: yaml.Node, item: str) -> int:
    value = node.value if isinstance(node, yaml.ScalarNode) else None
    if value is None or not str(value).lstrip("-").isdigit() or int(value) not in SCALE:
        raise _fail(name, node, f"score of {item} must be 0, 1, 2 or 3 (got {str(value)[:20]!r})")
    return int(value)


def parse(text: str, checklist: Checklist, name: str = "answers") -> Answers:
    """Parse and check an answers file against ``checklist``."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise InvalidInput(f"{name}{line}: not valid YAML") from None
    if not isinstance(root, yaml.MappingNode):
        raise InvalidInput(f"{name}: expected a mapping with company_type and answers")
    top = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    ctype_node = top.get("company_type")
    if ctype_node is None:
        raise InvalidInput(
            f"{name}: company_type is missing ({', '.join(checklist.company_types)})"
        )
    if (
        not isinstance(ctype_node, yaml.ScalarNode)
        or ctype_node.value not in checklist.company_types
    ):
        raise _fail(
            name,
            ctype_node,
            f"company_type must be one of {', '.join(checklist.company_types)}",
        )
    for key_node, _ in root.value:
        if key_node.value not in ("company_type", "answers"):
            raise _fail(name, key_node, f"unknown key {str(key_node.value)[:40]!r}")
    answers_node = top.get("answers")
    items = checklist.items()
    out: dict[str, Answer] = {}
    if answers_node is None:
        return Answers(ctype_node.value, out)
    if not isinstance(answers_node, yaml.MappingNode):
        raise _fail(name, answers_node, "answers must map item ids to scores")
    for key_node, value_node in answers_node.value:
        item = str(key_node.value)
        if item not in items:
            raise _fail(name, key_node, f"unknown item id {item[:20]!r} (ids run A1..J3)")
        if item in out:
            raise _fail(name, key_node, f"{item} is answered twice")
        note = ""
        if isinstance(value_node, yaml.MappingNode):
            fields = {k.value: v for k, v in value_node.value}
            for k, _v in value_node.value:
                if k.value not in ("score", "note"):
                    raise _fail(name, k, f"{item}: unknown field {str(k.value)[:30]!r}")
            if "score" not in fields:
                raise _fail(name, value_node, f"{item}: score is missing")
            score = _score(name, fields["score"], item)
            note_node = fields.get("note")
            note = str(note_node.value)[:1000] if isinstance(note_node, yaml.ScalarNode) else ""
        else:
            score = _score(name, value_node, item)
        out[item] = Answer(score, note)
    return Answers(ctype_node.value, out)
