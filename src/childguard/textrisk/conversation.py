"""Parsing and validating the conversation JSON the engine accepts.

Accepted shapes: ``{"id", "messages": [{"sender", "text", "ts"?}], "participants"?}`` or a bare
list of messages. Every problem raises ``InvalidInput`` naming the field to fix (never quoting the
message text); limits raise ``TooLarge``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from childguard.errors import InvalidInput, TooLarge


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message."""

    sender: str
    text: str
    ts: str | float | None = None


@dataclass(frozen=True, slots=True)
class Participant:
    """What is known about a sender: stated age and whether they are a minor."""

    age: int | None = None
    is_minor: bool | None = None

    @property
    def minor(self) -> bool:
        """True when known to be under 18."""
        return bool(self.is_minor) or (self.age is not None and self.age < 18)

    @property
    def adult(self) -> bool:
        """True when known to be 18 or over."""
        return self.is_minor is False or (self.age is not None and self.age >= 18)


@dataclass(frozen=True)
class Conversation:
    """A validated conversation."""

    id: str | None
    messages: list[Message]
    participants: dict[str, Participant] = field(default_factory=dict)


def _text_of(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        # Invalid UTF-8 is replaced, not refused: the rest of the message is still worth reading.
        return value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        raise InvalidInput(f"{where}.text must be a string, not {type(value).__name__}")
    return value


def _message(raw: Any, index: int, max_chars: int) -> Message:
    where = f"messages[{index}]"
    if isinstance(raw, str):
        raw = {"sender": "", "text": raw}
    if not isinstance(raw, dict):
        raise InvalidInput(
            f"{where} must be an object with 'sender' and 'text', not {type(raw).__name__}"
        )
    if "text" not in raw:
        raise InvalidInput(f"{where} has no 'text' field")
    text = _text_of(raw.get("text"), where)
    if len(text) > max_chars:
        raise TooLarge(
            f"{where}.text has {len(text)} characters; the limit is {max_chars} "
            "(CHILDGUARD_TEXTRISK_MAX_MESSAGE_CHARS)"
        )
    sender = raw.get("sender", "")
    if sender is None:
        sender = ""
    if not isinstance(sender, str | int):
        raise InvalidInput(f"{where}.sender must be a string, not {type(sender).__name__}")
    ts = raw.get("ts")
    if ts is not None and not isinstance(ts, str | int | float):
        raise InvalidInput(f"{where}.ts must be a string or a number")
    return Message(sender=str(sender), text=text, ts=ts)


def _participants(raw: Any) -> dict[str, Participant]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput("'participants' must be an object mapping each sender to its details")
    out: dict[str, Participant] = {}
    for name, info in raw.items():
        if info is None:
            info = {}
        if not isinstance(info, dict):
            raise InvalidInput(f"participants[{name!r}] must be an object")
        age = info.get("age")
        if age is not None and (isinstance(age, bool) or not isinstance(age, int | float)):
            raise InvalidInput(f"participants[{name!r}].age must be a number")
        if age is not None and not 0 <= age <= 150:
            raise InvalidInput(f"participants[{name!r}].age must be between 0 and 150")
        minor = info.get("is_minor")
        if minor is not None and not isinstance(minor, bool):
            raise InvalidInput(f"participants[{name!r}].is_minor must be true or false")
        out[str(name)] = Participant(age=None if age is None else int(age), is_minor=minor)
    return out


def parse_conversation(raw: Any, max_messages: int, max_chars: int) -> Conversation:
    """Validate ``raw`` (an already-decoded JSON value) into a ``Conversation``."""
    if isinstance(raw, list):
        raw = {"messages": raw}
    if not isinstance(raw, dict):
        raise InvalidInput(
            "a conversation must be an object with 'messages' or a list of messages, "
            f"not {type(raw).__name__}"
        )
    if "messages" not in raw:
        raise InvalidInput("the conversation has no 'messages' field")
    messages = raw["messages"]
    if not isinstance(messages, list):
        raise InvalidInput(f"'messages' must be a list, not {type(messages).__name__}")
    if len(messages) > max_messages:
        raise TooLarge(
            f"the conversation has {len(messages)} messages; the limit is {max_messages} "
            "(CHILDGUARD_TEXTRISK_MAX_MESSAGES)"
        )
    conv_id = raw.get("id")
    if conv_id is not None and not isinstance(conv_id, str | int):
        raise InvalidInput("'id' must be a string or a number")
    return Conversation(
        id=None if conv_id is None else str(conv_id),
        messages=[_message(m, i, max_chars) for i, m in enumerate(messages)],
        participants=_participants(raw.get("participants")),
    )


def decode_json_line(line: bytes | str, where: str) -> Any:
    """Decode one JSON line (invalid UTF-8 bytes are replaced); ``InvalidInput`` when not JSON."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{where} is not valid JSON ({exc.msg} at column {exc.colno})") from None
