"""Path and query parameter types shared by every route: bounds checked at the edge.

Database ids are ``INTEGER`` columns (signed 32-bit on PostgreSQL, 64-bit on SQLite); a larger
value would reach the driver and fail there (an overflow, answered 500). These types refuse any
value over ``MAX_ID`` with a 400 first.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import Annotated, Any

from fastapi import Path, Query, Request

from childguard.errors import InvalidInput
from childguard.store.models import MAX_ID

EntryIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="An entry id.")]
ContentIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="A content id.")]
#: Any other row id in a path (cases, decisions, appeals, evidence items, webhooks...).
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="An id.")]
AfterQuery = Annotated[
    int, Query(ge=0, le=MAX_ID, description="Return items with an id greater than this.")
]


def checked_id(value: str, what: str = "id") -> int | None:
    """``value`` as an id when it is all digits, None when it is not a number.

    Raises ``InvalidInput`` for digits beyond ``MAX_ID`` (no row can have such an id).
    """
    if not value.isdigit() or not value.isascii():
        return None
    number = int(value)
    if number > MAX_ID:
        raise InvalidInput(f"{what} {value[:40]} is out of range (at most {MAX_ID})")
    return number


def reject_unknown_query(request: Request) -> None:
    """Refuse query parameters the route does not take (a typo would otherwise be ignored)."""
    if not request.query_params:
        return
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    # Console pages (outside the API's schema) take what browsers add, such as ?lang=.
    if dependant is None or not getattr(route, "include_in_schema", True):
        return
    known = {p.alias for p in _flat_query_params(dependant)}
    # Parameters a route reads itself are declared in its ``openapi_extra`` (e.g. /v1/scan's
    # case fields, which may come as form fields or in the query).
    extra = getattr(route, "openapi_extra", None) or {}
    known |= {p["name"] for p in extra.get("parameters", []) if p.get("in") == "query"}
    check_query_names(request.query_params.keys(), known)


def check_query_names(given: Iterable[str], known: AbstractSet[str]) -> None:
    """``InvalidInput`` naming the first query parameter not in ``known``."""
    unknown = sorted(set(given) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise InvalidInput(
            f"unknown query parameter {unknown[0][:40]!r}; this route takes: {takes}"
        )


def _flat_query_params(dependant: Any) -> list[Any]:
    params = list(dependant.query_params)
    for sub in dependant.dependencies:
        params.extend(_flat_query_params(sub))
    return params
