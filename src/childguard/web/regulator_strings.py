# ruff: noqa: E501
"""Strings of the transparency report, gap report and awareness pages, by key.

The English text of each is its message id in the console's Babel catalogues
(``locales/<lang>/LC_MESSAGES/messages.po``), where the km and vi translations live; the catalogue
test checks every one is translated. Helpline facts come from DESIGN.md's reference facts only.
"""

from __future__ import annotations

from functools import cache

from childguard.web.i18n import LANGUAGES, load_catalog

LANGS = LANGUAGES


def _(message: str) -> str:
    """Mark ``message`` for the catalogues (extracted like the templates' ``_``)."""
    return message


MESSAGES: dict[str, str] = {
    "dashboard": _("Child online protection statistics"),
    "national": _("National figures"),
    "local": _("This platform"),
    "hidden_note": _(
        "x = hidden to protect small numbers (fewer than {k}, or a figure from which one could be worked out)."
    ),
    "period": _("Period"),
    "total": _("Total"),
    "export": _("Download"),
    "filters": _("Filters"),
    "dimension": _("Table"),
    "level": _("Periods"),
    "month": _("months"),
    "quarter": _("quarters"),
    "year": _("years"),
    "submitters": _("Who has submitted"),
    "organisation": _("Organisation"),
    "kind": _("Kind"),
    "received": _("Received"),
    "replaced": _("Replaced"),
    "assessments": _("Submitted self-assessments"),
    "overall": _("Overall"),
    "proactive": _("Found proactively (before any user report)"),
    "yoy": _("Change from the year before"),
    "decision_time": _("Time to decision: median, 90th percentile (at most, hours)"),
    "report_time": _("Time to report: median, 90th percentile (at most, hours)"),
    "transparency": _("Transparency report"),
    "trust_policies": _("Policies and practices"),
    "trust_processes": _("Processes and systems"),
    "trust_outcomes": _("Outcomes"),
    "policies_in_force": _("Policies in force"),
    "tools": _("Tools used"),
    "content_actioned": _("Content actioned by policy"),
    "by_classification": _("Child sexual abuse material by industry classification"),
    "actions": _("Actions taken"),
    "accounts_actioned": _("Accounts actioned"),
    "reports": _("Reports filed, by destination"),
    "appeals": _("Appeals"),
    "reversals": _("Decisions reversed on appeal"),
    "eu_categories": _("EU transparency template (Regulation 2024/2835), child-safety categories"),
    "gap_report": _("Child online protection self-assessment: gap report"),
    "area": _("Area"),
    "score": _("Score"),
    "priority": _("Priority"),
    "what_to_do": _("What to do"),
    "where": _("Where"),
    "progress": _("Change since the last assessment"),
    "evidence": _("Evidence from childguard"),
    "safety_title": _("Staying safe online: help and how to report"),
    "how_to_report": _("How to report abuse"),
    "report_aple": _(
        "APLE's Internet Hotline Cambodia takes anonymous reports of online child sexual abuse, 24 hours a day: 092 311 511, www.internethotline.org.kh. It refers reports to the national police."
    ),
    "report_police": _("Police hotline: 1288."),
    "helpline": _(
        "Child Helpline Cambodia: call 1280, free, 24 hours, calls and SMS, for children and young people up to 25."
    ),
    "for_children": _("For children and young people"),
    "for_parents": _("For parents and carers"),
    "for_teachers": _("For teachers"),
    "advice_children": _(
        "You can always say no and leave a chat. Never send pictures of your body. If someone threatens you or asks for money or pictures: do not pay, do not send anything more, keep the messages as evidence, block them and tell an adult you trust or call 1280. It is not your fault."
    ),
    "advice_parents": _(
        "Talk with your child about what they do online, without blame. Use privacy settings together. If your child is threatened: do not pay, keep the evidence (screenshots, usernames, dates), report to the app, to APLE's Internet Hotline and to the police (1288)."
    ),
    "advice_teachers": _(
        "In online classes use school accounts, keep links private and let only known students in. Teach students how to block and report. Take bullying seriously: keep evidence, involve parents and report abuse to the hotline."
    ),
    "bullying": _("Bullying"),
    "sextortion": _("Sextortion: do not pay, keep evidence, report."),
    "online_school": _("Online schooling"),
    "posters": _("Printable posters"),
    "poster": _("Poster"),
}


@cache
def strings(lang: str) -> dict[str, str]:
    """Every string by key in ``lang`` (English for an unknown language or a missing one)."""
    catalog = load_catalog(lang if lang in LANGS else "en")
    return {key: catalog.get(message) or message for key, message in MESSAGES.items()}
