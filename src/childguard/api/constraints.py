"""Annotated types that make the OpenAPI document state what the code checks.

The domain code validates names, categories and URLs with its own messages (the same checks run
for the CLI). These types declare the very same rules in the route's JSON Schema, built from the
domain's own regular expressions and value lists, so that a client (or schemathesis) reading the
document knows which values are accepted. Rules a JSON Schema states as well as Python are
enforced here too (``Literal`` enums, query patterns); names keep their domain messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import WithJsonSchema

from childguard.auth import ORG_NAME_RE
from childguard.cases.policies import POLICY_NAME_RE
from childguard.cases.routing import QUEUE_NAME_RE
from childguard.exchange.accounts import CATEGORIES, E164_RE, GROUP_NAME_RE
from childguard.exchange.feedback import VERDICTS
from childguard.exchange.feeds import FEED_NAME_RE
from childguard.media.bank_formats import BANK_NAME_RE
from childguard.orgkeys import FINGERPRINT_HEX


def pattern_schema(regex: re.Pattern[str] | str, example: str) -> dict[str, Any]:
    """A string schema with ``regex`` (a full-match pattern, anchored) and an example."""
    text = regex.pattern if isinstance(regex, re.Pattern) else regex
    return {"type": "string", "pattern": text, "example": example}


def enum_schema(values: Iterable[str]) -> dict[str, Any]:
    """A string schema accepting exactly ``values``."""
    return {"type": "string", "enum": list(values)}


def _documented(schema: dict[str, Any]) -> WithJsonSchema:
    return WithJsonSchema(schema)


FeedName = Annotated[str, _documented(pattern_schema(FEED_NAME_RE, "acme-known-hashes"))]
OrgName = Annotated[str, _documented(pattern_schema(ORG_NAME_RE, "acme-social"))]
GroupName = Annotated[str, _documented(pattern_schema(GROUP_NAME_RE, "kh-hotlines"))]
QueueName = Annotated[str, _documented(pattern_schema(QUEUE_NAME_RE, "csam-urgent"))]
PolicyName = Annotated[str, _documented(pattern_schema(POLICY_NAME_RE, "HATE_SPEECH"))]
BankName = Annotated[str, _documented(pattern_schema(BANK_NAME_RE, "NCMEC_PDQ"))]
SignalCategory = Annotated[str, _documented(enum_schema(CATEGORIES))]
Verdict = Annotated[str, _documented(enum_schema(VERDICTS))]

#: A key fingerprint as ``childguard feed publish`` prints it: 32 hex digits in groups of four,
#: separated by ':' (any case; ' ', '-' or no separator are read the same).
FINGERPRINT_PATTERN = rf"^[0-9a-fA-F]{{4}}(?:[: -]?[0-9a-fA-F]{{4}}){{{FINGERPRINT_HEX // 4 - 1}}}$"
Fingerprint = Annotated[
    str, _documented(pattern_schema(FINGERPRINT_PATTERN, "1a2b:3c4d:5e6f:7a8b:9c0d:1e2f:3a4b:5c6d"))
]

#: Something that is not only blanks (a reason, a purpose): a character Python's ``str.strip``
#: keeps (its blanks are JSON Schema's ``\s`` and the separators U+001C to U+001F).
NOT_BLANK = r"[^\s\x1c-\x1f]"
#: Risk labels as cases carry them (GROOMING, CSAM...).
LABEL_PATTERN = r"^[A-Za-z0-9_]*[A-Za-z0-9][A-Za-z0-9_]*$"

#: ``http://`` or ``https://`` then something (the host is checked by the code).
HTTP_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#@]+(?:[/?#]\S*)?$"
#: A feed URL as ``childguard feed publish`` prints it: ``http(s)://HOST/.../v1/feeds/NAME``.
FEED_URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~-]+)*"
    r"/feeds/[a-z][a-z0-9_-]{0,63}/?$"
)
#: A sharing group's key: 64 to 128 hex digits.
GROUP_KEY_PATTERN = r"^[0-9a-fA-F]{64,128}$"
_HANDLE = r"[A-Za-z0-9_.+-]{1,64}"
#: The value of each identifier kind a signal can carry, as ``accounts.normalise`` reads it.
IDENTIFIER_PATTERNS = {
    "phone": E164_RE.pattern,
    "handle": rf"^@?{_HANDLE}$",
    "email": (
        r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
        r"\.[A-Za-z]{2,63}$"
    ),
    "url": (
        r"^(?:[Hh][Tt][Tt][Pp][Ss]?://)?(?![Ww]{3}\.[A-Za-z0-9-]+(?:/|$))"
        r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+(?:/[A-Za-z0-9._~%-]*)*$"
    ),
}
PLATFORM_PATTERN = rf"^{_HANDLE}$"


def exactly_one_of(*fields: str) -> Any:
    """A model ``json_schema_extra`` saying exactly one of ``fields`` is given (and not null)."""

    def extra(schema: dict[str, Any]) -> None:
        properties = schema.get("properties", {})
        for name in fields:
            variants = properties.get(name, {}).get("anyOf")
            if variants is not None:
                kept = [v for v in variants if v.get("type") != "null"]
                properties[name] = {
                    **{k: v for k, v in properties[name].items() if k not in ("anyOf", "default")},
                    **(kept[0] if len(kept) == 1 else {"anyOf": kept}),
                }
        schema["oneOf"] = [
            {"required": [name], "not": {"anyOf": [{"required": [o]} for o in fields if o != name]}}
            for name in fields
        ]

    return extra


def by_kind(field: str, schemas: dict[str, dict[str, Any]], kind: str = "kind") -> Any:
    """A model ``json_schema_extra``: ``field`` follows the schema of the ``kind`` given."""

    def extra(schema: dict[str, Any]) -> None:
        schema["oneOf"] = [
            {"properties": {kind: {"const": name}, field: value}} for name, value in schemas.items()
        ]

    return extra
