"""Review: the queue page, the case page, claims, decisions, appeals, and media reveals.

Every action calls the same ``childguard.cases`` functions as ``/v1/cases``, with the person
as the actor. Media is never sent unprotected before its reveal: previews are rendered on the
server with the reviewer's rendering; a reveal is counted against the day's limits and audited.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from childguard.api.permissions import Permission
from childguard.cases import decisions, policies, queries, workflow
from childguard.cases.labels import Action, Status
from childguard.cases.routing import list_queues
from childguard.errors import Conflict, InvalidInput, NotFound
from childguard.evidence.store import get_settings as evidence_settings
from childguard.evidence.store import read_media
from childguard.people import wellness
from childguard.people.wellness import Rendering
from childguard.store.models import CaseDecision, CaseMedia, EvidenceItem, User, utcnow
from childguard.web.context import Console, ConsoleDep, FormDep, parts_of, redirect
from childguard.web.media_render import keyframe_strip, render_bytes

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
#: Resubmitting the same decision within this many seconds (a double click) records nothing.
DOUBLE_SUBMIT_SECONDS = 30


def _count_time(page: Console, session: Session) -> None:
    from datetime import timedelta

    wellness.count_review_time(session, page.me.id, timedelta(seconds=page.idle_seconds))


@router.get("/queue")
def queue_page(
    page: ConsoleDep,
    queue: str | None = Query(default=None, max_length=64),
    status: str | None = Query(default="open", max_length=16),
    label: str | None = Query(default=None, max_length=64),
    before: int | None = Query(default=None, ge=1),
) -> Response:
    """Counts per queue, the filtered list with SLA ages, and a "next case" button per queue."""
    page.require(Permission.CASES_READ)
    with page.state.db.session(write=True) as s:
        _count_time(page, s)
        queues = parts_of(page.request).cached_queues(
            page.me.org_id, lambda: list_queues(s, page.me.org_id)
        )
        cases = queries.list_cases(
            s,
            page.me.org_id,
            status=status or None,
            queue=queue or None,
            label=label or None,
            before=before,
            limit=PAGE_SIZE,
        )
        today = wellness.today(s, page.me.id, page.me.org_id)
    return page.render(
        "queue.html",
        queues=queues,
        cases=cases.cases,
        next_before=cases.next_before,
        filters={"queue": queue or "", "status": status or "", "label": label or ""},
        statuses=[s.value for s in Status],
        today=today,
    )


@router.post("/queue/next")
def next_case(page: ConsoleDep, form: FormDep) -> Response:
    """Claim the most urgent waiting case of a queue and open it."""
    page.require(Permission.CASES_REVIEW)
    with page.state.db.session(write=True) as s:
        case = workflow.next_case(s, page.me.org_id, form.get("queue", "default"), page.me.actor)
        case_id = case.id if case else None
    if case_id is None:
        return redirect("/queue?empty=1")
    return redirect(f"/cases/{case_id}")


def _evidence_for(session: Session, org_id: int, case_id: int, sha256: str) -> EvidenceItem | None:
    return session.scalar(
        select(EvidenceItem)
        .where(
            EvidenceItem.org_id == org_id,
            EvidenceItem.case_id == case_id,
            EvidenceItem.sha256 == sha256,
            EvidenceItem.deleted_at.is_(None),
        )
        .limit(1)
    )


def stage_timeline(conversation: dict[str, Any]) -> list[dict[str, Any]]:
    """The grooming (and other) stages found, in message order, each with its first message."""
    first: dict[tuple[str, str], int] = {}
    for finding in conversation.get("findings", []):
        stage = finding.get("stage")
        if stage:
            key = (str(finding.get("label", "")), str(stage))
            at = int(finding.get("message", -1))
            first[key] = min(first.get(key, at), at)
    return [
        {"label": label, "stage": stage, "message": at + 1}
        for (label, stage), at in sorted(first.items(), key=lambda kv: kv[1])
    ]


def risky_words(conversation: dict[str, Any]) -> dict[int, list[str]]:
    """The words each finding's explanation names, by message index."""
    words: dict[int, list[str]] = {}
    for finding in conversation.get("findings", []):
        explanation = finding.get("explanation") or {}
        for word in explanation.get("words", []) or []:
            if isinstance(word, str) and word.strip():
                words.setdefault(int(finding.get("message", -1)), []).append(word.strip())
    return words


def highlight(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, risky) parts: risky where one of ``words`` occurs."""
    lowered = text.lower()
    marked = [False] * len(text)
    for word in words:
        w = word.lower()
        start = lowered.find(w)
        while w and start >= 0:
            for i in range(start, start + len(w)):
                marked[i] = True
            start = lowered.find(w, start + len(w))
    parts: list[tuple[str, bool]] = []
    for i, ch in enumerate(text):
        if parts and parts[-1][1] == marked[i]:
            parts[-1] = (parts[-1][0] + ch, marked[i])
        else:
            parts.append((ch, marked[i]))
    return parts


@router.get("/cases/{case_id}")
def case_page(page: ConsoleDep, case_id: int) -> Response:
    """One case: hash-first media with protected previews, conversations, decide, history."""
    page.require(Permission.CASES_READ)
    org_id = page.me.org_id
    with page.state.db.session(write=True) as s:
        _count_time(page, s)
        case = queries.case_detail(s, org_id, case_id)
        evidence_on = evidence_settings(s, page.state.settings, org_id).enabled
        kept = {
            sha
            for (sha,) in s.execute(
                select(EvidenceItem.sha256).where(
                    EvidenceItem.org_id == org_id,
                    EvidenceItem.case_id == case_id,
                    EvidenceItem.deleted_at.is_(None),
                )
            )
        }
        policy_rows = [queries_policy(p) for p in policies.list_policies(s, org_id)]
        user = s.get(User, page.me.id)
        assert user is not None
        rendering = wellness.user_rendering(s, user)
        today = wellness.today(s, page.me.id, org_id)
    media: list[dict[str, Any]] = case["media"]  # type: ignore[assignment]
    conversations: list[dict[str, Any]] = case["conversations"]  # type: ignore[assignment]
    for item in media:
        item["viewable"] = item["sha256"] in kept
        item["is_video"] = str(item.get("content_type") or "").startswith("video/")
    for conv in conversations:
        words = risky_words(conv)
        conv["timeline"] = stage_timeline(conv)
        conv["rendered"] = [
            {**m, "number": i + 1, "parts": highlight(str(m.get("text", "")), words.get(i, []))}
            for i, m in enumerate(conv.get("messages", []))
        ]
    me = f"user:{page.me.id}:{page.me.email}"
    return page.render(
        "case.html",
        case=case,
        evidence_on=evidence_on,
        policies=policy_rows,
        actions=[a.value for a in Action],
        rendering=rendering,
        today=today,
        me=me,
        holding=case["holder"] == me and case["status"] == Status.IN_REVIEW.value,
    )


def queries_policy(p: Any) -> dict[str, Any]:
    """A policy as the decision form lists it."""
    return {"name": p.name, "description": p.description}


@router.post("/cases/{case_id}/claim")
def claim(page: ConsoleDep, form: FormDep, case_id: int) -> Response:
    """Claim the case (or release it with ``action=release``)."""
    page.require(Permission.CASES_REVIEW)
    with page.state.db.session(write=True) as s:
        if form.get("action") == "release":
            workflow.release(s, page.me.org_id, case_id, page.me.actor)
        else:
            workflow.claim(s, page.me.org_id, case_id, page.me.actor)
    return redirect(f"/cases/{case_id}")


def _actions_from(form: dict[str, str], raw_actions: list[str]) -> list[object]:
    out: list[object] = []
    for name in raw_actions:
        if name == Action.ADD_TO_BANK.value:
            out.append({"action": name, "bank": form.get("bank", "").strip()})
        else:
            out.append(name)
    return out


@router.post("/cases/{case_id}/decide")
async def decide(page: ConsoleDep, form: FormDep, case_id: int) -> Response:
    """Record a decision; a second submission of the same decision (double click) is ignored."""
    page.require(Permission.CASES_REVIEW)
    request_form = await page.request.form()
    raw_actions = [str(a) for a in request_form.getlist("actions")]
    policy = form.get("policy", "")
    me = f"user:{page.me.id}:{page.me.email}"
    with page.state.db.session(write=True) as s:
        latest = s.scalar(
            select(CaseDecision)
            .where(CaseDecision.case_id == case_id)
            .order_by(CaseDecision.id.desc())
            .limit(1)
        )
        workflow.get_case(s, page.me.org_id, case_id)  # 404 for another organisation's case
        if (
            latest is not None
            and latest.decided_by == me
            and latest.policy == policy
            and (utcnow() - latest.created_at).total_seconds() < DOUBLE_SUBMIT_SECONDS
            and latest.note == form.get("note", "")
        ):
            return redirect(f"/cases/{case_id}#decisions")
        decisions.decide(
            s,
            page.me.org_id,
            case_id,
            page.me.actor,
            policy,
            _actions_from(form, raw_actions),
            form.get("note", ""),
        )
    page.state.apply_changes()
    return redirect(f"/cases/{case_id}?decided=1#decisions")


@router.post("/cases/{case_id}/decisions/{decision_id}/confirm")
def confirm(page: ConsoleDep, form: FormDep, case_id: int, decision_id: int) -> Response:
    """Four eyes: a second reviewer confirms a pending decision."""
    page.require(Permission.CASES_REVIEW)
    with page.state.db.session(write=True) as s:
        decisions.confirm(s, page.me.org_id, case_id, decision_id, page.me.actor)
    page.state.apply_changes()
    return redirect(f"/cases/{case_id}#decisions")


@router.post("/cases/{case_id}/appeals")
def appeal(page: ConsoleDep, form: FormDep, case_id: int) -> Response:
    """Appeal the decision in effect (admins and platforms; the API's rule)."""
    page.require(Permission.CASES_APPEAL)
    with page.state.db.session(write=True) as s:
        decisions.appeal(s, page.me.org_id, case_id, page.me.actor, form.get("reason", ""))
    return redirect(f"/cases/{case_id}#appeals")


@router.post("/cases/{case_id}/appeals/{appeal_id}/decision")
def decide_appeal(page: ConsoleDep, form: FormDep, case_id: int, appeal_id: int) -> Response:
    """Uphold or overturn an appeal."""
    page.require(Permission.CASES_REVIEW)
    with page.state.db.session(write=True) as s:
        decisions.decide_appeal(
            s,
            page.me.org_id,
            case_id,
            appeal_id,
            page.me.actor,
            form.get("outcome", ""),
            form.get("note", ""),
        )
    page.state.apply_changes()  # entries an overturned decision added stop matching now
    return redirect(f"/cases/{case_id}#appeals")


@router.post("/cases/{case_id}/state")
def change_state(page: ConsoleDep, form: FormDep, case_id: int) -> Response:
    """Close a decided case or reopen it."""
    page.require(Permission.CASES_REVIEW)
    with page.state.db.session(write=True) as s:
        if form.get("action") == "close":
            workflow.close(s, page.me.org_id, case_id, page.me.actor)
        elif form.get("action") == "reopen":
            workflow.reopen(s, page.me.org_id, case_id, page.me.actor, form.get("reason", ""))
        else:
            raise InvalidInput("action must be close or reopen")
    return redirect(f"/cases/{case_id}")


def _media(session: Session, org_id: int, case_id: int, media_id: int) -> CaseMedia:
    workflow.get_case(session, org_id, case_id)
    item = session.get(CaseMedia, media_id)
    if item is None or item.case_id != case_id:
        raise NotFound(f"no media item {media_id} in case {case_id}")
    return item


@router.post("/cases/{case_id}/media/{media_id}/reveal")
def reveal(page: ConsoleDep, form: FormDep, case_id: int, media_id: int) -> Response:
    """Reveal one item: counted against today's limits and audited (who, when, which)."""
    page.require(Permission.EVIDENCE_READ)
    with page.state.db.session(write=True) as s:
        _media(s, page.me.org_id, case_id, media_id)
        today = wellness.record_reveal(
            s, page.me.id, page.me.org_id, page.me.actor, case_id, media_id
        )
    _ = page.translator.gettext
    return JSONResponse(
        {
            "revealed": True,
            "reveals_today": today.reveals,
            "break": _("Time for a break? You have reviewed a lot today.")
            if today.soft_reached
            else "",
        }
    )


def _requested(level: int | None, grey: int | None, draw: int | None, base: Rendering) -> Rendering:
    return Rendering(
        base.blur_level if level is None else level,
        base.greyscale if grey is None else bool(grey),
        base.drawing if draw is None else bool(draw),
    )


@router.get("/cases/{case_id}/media/{media_id}/preview")
def preview(
    page: ConsoleDep,
    case_id: int,
    media_id: int,
    level: int | None = Query(default=None, ge=0, le=wellness.MAX_BLUR),
    grey: int | None = Query(default=None, ge=0, le=1),
    draw: int | None = Query(default=None, ge=0, le=1),
) -> Response:
    """The item rendered for review (a keyframe strip for a video).

    Before a reveal the rendering is never weaker than the reviewer's; after it, the reviewer
    may lower it step by step. Each read of the evidence is audited.
    """
    page.require(Permission.EVIDENCE_READ)
    with page.state.db.session(write=True) as s:
        item = _media(s, page.me.org_id, case_id, media_id)
        user = s.get(User, page.me.id)
        assert user is not None
        base = wellness.user_rendering(s, user)
        wanted = _requested(level, grey, draw, base)
        revealed = wellness.revealed_recently(s, page.me.actor, media_id)
        rendering = wanted if revealed else wanted.stronger_of(base)
        evidence = _evidence_for(s, page.me.org_id, case_id, item.sha256)
        if evidence is None:
            raise NotFound(
                "this item's media was not kept (the evidence store is off or it expired)"
            )
        purpose = "console:revealed" if revealed and rendering != base else "console:preview"
        data = read_media(
            s,
            page.state.settings,
            page.me.org_id,
            evidence.id,
            actor=page.me.actor,
            purpose=purpose,
        )
        is_video = item.mime.startswith("video/")
    png = keyframe_strip(data, rendering) if is_video else render_bytes(data, rendering)
    return Response(
        png,
        media_type="image/png",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/cases/{case_id}/media/{media_id}/video")
def revealed_video(page: ConsoleDep, case_id: int, media_id: int) -> Response:
    """The original video, only after its reveal (played muted, never automatically)."""
    page.require(Permission.EVIDENCE_READ)
    with page.state.db.session(write=True) as s:
        item = _media(s, page.me.org_id, case_id, media_id)
        if not wellness.revealed_recently(s, page.me.actor, media_id):
            raise Conflict("reveal this item first")
        evidence = _evidence_for(s, page.me.org_id, case_id, item.sha256)
        if evidence is None or not item.mime.startswith("video/"):
            raise NotFound("no video kept for this item")
        data = read_media(
            s,
            page.state.settings,
            page.me.org_id,
            evidence.id,
            actor=page.me.actor,
            purpose="console:revealed",
        )
        mime = item.mime
    return Response(data, media_type=mime, headers={"Cache-Control": "no-store"})
