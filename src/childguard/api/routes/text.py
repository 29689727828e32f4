"""``POST /v1/text/analyze``: conversation risk analysis (platform role)."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Body, Header

from childguard.api.deps import CurrentTextAnalyst, StateDep
from childguard.api.state import AppState
from childguard.cases.intake import (
    add_conversation,
    conversation_labels,
    make_subject,
    validate_idempotency_key,
)
from childguard.cases.org_settings import get_settings
from childguard.errors import InvalidInput
from childguard.textrisk.flags import append_flag

router = APIRouter(prefix="/v1/text", tags=["text risk"])
MAX_BATCH = 100
_load_lock = threading.Lock()


def _engine(state: AppState) -> Any:
    """The text-risk engine, loaded on first use (the model loads in well under a second)."""
    from childguard.textrisk.engine import RiskEngine

    with _load_lock:
        if state.text_engine is None:
            state.text_engine = RiskEngine.load(state.settings)
    return state.text_engine


@router.post("/analyze")
def analyze(
    state: StateDep,
    principal: CurrentTextAnalyst,
    body: Any = Body(
        description=(
            "One conversation ({id, messages: [{id?, sender, text, ts?}], participants?, "
            "content_id?, user_id?, conversation_id?, user_report?}), a bare list of messages, "
            'or {"conversations": [...]} with up to 100 conversations.'
        )
    ),
    idempotency_key: str | None = Header(
        default=None,
        description="A retried request with the same key creates no case twice.",
    ),
) -> Any:
    """Risk scores, flags, explained findings, entities and an intervention per conversation.

    A flagged result writes an audit record with its labels and scores, never the text. A
    conversation whose risk reaches the organisation's review threshold opens a case, or joins
    the open case of the same conversation or user (``user_id``, ``conversation_id``, else the
    conversation's ``id``); each result's ``case_id`` names it.
    """
    from childguard.textrisk.engine import analyze_conversation

    engine = _engine(state)
    batch = isinstance(body, dict) and "conversations" in body
    items = body["conversations"] if batch else [body]
    if not isinstance(items, list) or not items:
        raise InvalidInput("conversations must be a non-empty list")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"{len(items)} conversations in one request; the limit is {MAX_BATCH}")
    key = validate_idempotency_key(idempotency_key)
    results = []
    subjects = []
    for number, item in enumerate(items):
        prefix = f"conversations[{number}]: " if batch else ""
        try:
            result = analyze_conversation(item, engine)
            fields = item if isinstance(item, dict) else {}
            subjects.append(
                make_subject(
                    fields.get("content_id"),
                    fields.get("user_id"),
                    fields.get("conversation_id"),
                    fields.get("user_report", False),
                )
            )
        except InvalidInput as exc:
            raise InvalidInput(prefix + exc.message) from None
        results.append(result)
    with state.db.session() as session:
        settings = get_settings(session, principal.org_id)
    for_review = settings.open_cases and any(
        conversation_labels(r, settings.review_threshold) for r in results
    )
    if for_review or any(r.get("flagged") for r in results):
        with state.db.session(write=True) as session:
            for number, (r, subject, item) in enumerate(zip(results, subjects, items, strict=True)):
                if r.get("flagged"):
                    append_flag(session, principal.actor, r)
                messages = item["messages"] if isinstance(item, dict) else item
                opened = add_conversation(
                    session,
                    principal.org_id,
                    principal.actor,
                    subject,
                    r,
                    messages,
                    f"{key}#{number}" if key is not None and batch else key,
                )
                r["case_id"] = opened.case_id if opened is not None else None
    for r in results:
        r.setdefault("case_id", None)
    return {"results": results} if batch else results[0]
