"""Renders the regulator, transparency, gap-report and awareness templates, and their PDFs.

Templates live in ``web/templates/regulator/`` and ``web/templates/public/``; Khmer is shaped by
WeasyPrint (HarfBuzz) with the free Khmer fonts ``scripts/install-system.sh`` installs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from childguard.errors import InvalidInput
from childguard.web.regulator_strings import LANGS, strings


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("childguard", "web/templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )


def check_lang(lang: str) -> str:
    """``lang`` if it is km, vi or en, else ``InvalidInput``."""
    if lang not in LANGS:
        raise InvalidInput(f"lang must be one of {', '.join(LANGS)}")
    return lang


def render(template: str, lang: str, **context: Any) -> str:
    """The HTML of ``template`` in ``lang``."""
    t = strings(check_lang(lang))
    return _env().get_template(template).render(lang=lang, t=t, **context)


def to_pdf(html: str, *, compress: bool = True) -> bytes:
    """A PDF of ``html`` (WeasyPrint); ``compress=False`` leaves its objects readable (tests)."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf(uncompressed_pdf=not compress)
    return pdf
