"""Public awareness pages and the in-product safety messages: no key needed, no data read."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from childguard.api.deps import StateDep
from childguard.errors import InvalidInput
from childguard.textrisk.interventions import Interventions
from childguard.web.regulator_render import check_lang, render, to_pdf

router = APIRouter(tags=["safety"])
LABELS = ("GROOMING", "SEXTORTION", "BULLYING", "CSAM_TRADE")
Lang = Literal["km", "vi", "en"]
Label = Literal["GROOMING", "SEXTORTION", "BULLYING", "CSAM_TRADE"]


@router.get("/v1/safety/messages")
def safety_messages(
    state: StateDep, lang: Lang = "en", label: Label = "SEXTORTION"
) -> dict[str, Any]:
    """The short message a platform shows a child when ``label`` risk is detected, in ``lang``.

    The same texts the text-risk interventions use (``textrisk/data/interventions``).
    """
    check_lang(lang)
    if label not in LABELS:
        raise InvalidInput(f"label must be one of {', '.join(LABELS)}")
    texts = Interventions.load(state.settings.textrisk_interventions_dir)
    return texts.for_conversation([label], lang)


@router.get("/safety", response_class=HTMLResponse)
def safety_page(lang: Lang = "km") -> HTMLResponse:
    """How to report abuse, helplines and advice for children, parents and teachers."""
    return HTMLResponse(render("public/safety.html", lang))


@router.get("/safety/posters/{audience}.pdf")
def poster(audience: Literal["children", "parents", "teachers"], lang: Lang = "km") -> Response:
    """A printable A4 poster for ``audience`` in ``lang``."""
    html = render("public/poster.html", lang, audience=audience, pdf=True)
    return Response(to_pdf(html), media_type="application/pdf")
