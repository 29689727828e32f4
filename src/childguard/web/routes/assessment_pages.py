"""The policy self-assessment in the console: an admin answers the checklist and sees the scores
per area, the gap report with what to do, the progress since the last assessment, and its PDF.

Answers are the same as ``childguard policy assess --answers FILE`` reads: a company type and,
per item, a score 0..3 and a note; items left unanswered are filled in from childguard's own
evidence where it has some. A bad form names the field and stores nothing.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from childguard.api.permissions import Permission
from childguard.api.schemas.regulator import Lang
from childguard.errors import InvalidInput, NotFound
from childguard.policy import assessment, stored
from childguard.policy.answers import Answer, Answers
from childguard.policy.checklist import SCALE, Checklist, load
from childguard.web.context import ConsoleDep, FormDep, redirect
from childguard.web.regulator_render import render, to_pdf

router = APIRouter(prefix="/admin/assessment", include_in_schema=False)


def answers_from_form(form: dict[str, str], checklist: Checklist) -> Answers:
    """The form's answers (fields ``company_type``, ``score-<id>``, ``note-<id>``), checked."""
    company_type = form.get("company_type", "")
    if company_type not in checklist.company_types:
        raise InvalidInput(f"company type must be one of {', '.join(checklist.company_types)}")
    out: dict[str, Answer] = {}
    for item_id in checklist.items():
        raw = form.get(f"score-{item_id}", "").strip()
        note = form.get(f"note-{item_id}", "").strip()
        if len(note) > 1000:
            raise InvalidInput(f"the note of {item_id} is longer than 1,000 characters")
        if raw == "":
            continue
        if not raw.isdigit() or int(raw) not in SCALE:
            raise InvalidInput(f"the score of {item_id} must be 0, 1, 2 or 3 (got {raw[:10]!r})")
        out[item_id] = Answer(int(raw), note)
    return Answers(company_type, out)


@router.get("")
def assessment_page(page: ConsoleDep) -> Response:
    """The checklist form (pre-filled with the last answers) and the latest result."""
    page.require(Permission.POLICY_ASSESS)
    with page.state.db.session() as s:
        result = stored.latest(s, page.me.org_id)
    previous = {i["id"]: i for i in (result["items"] if result else []) if i["origin"] == "answer"}
    return page.render(
        "admin/assessment.html",
        checklist=load(),
        result=result,
        previous=previous,
        saved=page.request.query_params.get("saved") == "1",
    )


@router.post("")
def assessment_submit(page: ConsoleDep, form: FormDep) -> Response:
    """Score the answers with childguard's evidence, store them (audited), show the result."""
    page.require(Permission.POLICY_ASSESS)
    answers = answers_from_form(form, load())
    with page.state.db.session(write=True) as s:
        result = assessment.assess(s, page.state.settings, page.me.org_id, answers)
        assessment.save(s, page.me.org_id, result, page.me.actor)
    return redirect("/admin/assessment?saved=1#result")


@router.get("/gap.pdf")
def gap_report_pdf(page: ConsoleDep, lang: Lang = "en") -> Response:
    """The latest assessment's gap report as a PDF in ``lang`` (Khmer shaped by WeasyPrint)."""
    page.require(Permission.POLICY_ASSESS)
    with page.state.db.session() as s:
        result = stored.latest(s, page.me.org_id)
    if result is None:
        raise NotFound("there is no assessment yet: answer the checklist first")
    html = render(
        "regulator/gap_report.html", lang, result=result, progress=result["progress"], pdf=True
    )
    return Response(
        to_pdf(html),
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="gap-report.pdf"',
            "Cache-Control": "no-store",
        },
    )
