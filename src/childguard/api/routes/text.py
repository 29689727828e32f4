"""``POST /v1/text/analyze``: conversation risk analysis (platform role)."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Body

from childguard.api.deps import CurrentTextAnalyst, StateDep
from childguard.api.state import AppState
from childguard.errors import InvalidInput
from childguard.textrisk.flags import audit_flags

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
            "One conversation ({id, messages: [{sender, text, ts?}], participants?}), a bare "
            'list of messages, or {"conversations": [...]} with up to 100 conversations.'
        )
    ),
) -> Any:
    """Risk scores, flags, explained findings, entities and an intervention per conversation.

    A flagged result writes an audit record with its labels and scores, never the text.
    """
    from childguard.textrisk.engine import analyze_conversation

    engine = _engine(state)
    batch = isinstance(body, dict) and "conversations" in body
    items = body["conversations"] if batch else [body]
    if not isinstance(items, list) or not items:
        raise InvalidInput("conversations must be a non-empty list")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"{len(items)} conversations in one request; the limit is {MAX_BATCH}")
    results = []
    for number, item in enumerate(items):
        try:
            result = analyze_conversation(item, engine)
        except InvalidInput as exc:
            prefix = f"conversations[{number}]: " if batch else ""
            raise InvalidInput(prefix + exc.message) from None
        results.append(result)
    audit_flags(state.db, principal.actor, results)
    return {"results": results} if batch else results[0]
