"""The referral's PDF, in Khmer and English, rendered by WeasyPrint.

Khmer needs a font with its shaping tables (Khmer OS from Debian's fonts-khmeros, or Noto Sans
Khmer from fonts-noto-core; ``scripts/install-system.sh`` installs both); HarfBuzz, through
WeasyPrint and Pango, shapes the subscript consonants and vowels. Every value is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

FONTS = '"Khmer OS", "Noto Sans Khmer", "Noto Serif Khmer", "DejaVu Sans", sans-serif'

#: Headings as (Khmer, English).
HEADINGS = {
    "title": ("របាយការណ៍បញ្ជូនករណី", "Referral report"),
    "summary": ("សេចក្តីសង្ខេប", "Summary"),
    "found": ("អ្វីដែលបានរកឃើញ និងរបៀប", "What was found and how"),
    "entities": ("ព័ត៌មានសម្រាប់អ្នកស៊ើបអង្កេត", "Entities for investigators"),
    "timeline": ("កាលប្បវត្តិ", "Timeline"),
    "custody": ("ខ្សែសង្វាក់នៃការរក្សាភស្តុតាង", "Chain of custody"),
    "help": ("ជំនួយ", "Help"),
}
HELP_LINES = (
    "Child Helpline Cambodia / ខ្សែទូរស័ព្ទជំនួយកុមារ: 1280",
    "Internet Hotline Cambodia (APLE): 092 311 511",
    "Police / ប៉ូលិស: 1288",
)


def _h(key: str) -> str:
    km, en = HEADINGS[key]
    return f'<h2><span lang="km">{km}</span> · {en}</h2>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def referral_html(doc: Mapping[str, Any]) -> str:
    """The referral as HTML (the PDF's source)."""
    case = doc["case"]
    km_title, en_title = HEADINGS["title"]
    parts = [
        "<html><head><meta charset='utf-8'><style>",
        f"body {{ font-family: {FONTS}; font-size: 10pt; }}",
        "table { border-collapse: collapse; width: 100%; margin-bottom: 8pt; }",
        "td, th { border: 0.5pt solid #888; padding: 2pt 4pt; text-align: left; "
        "word-break: break-all; }",
        "h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 12pt; }",
        "</style></head><body>",
        f'<h1><span lang="km">{km_title}</span> · {en_title}</h1>',
        f"<p>{escape(str(doc['organisation']))} · report {doc['report_id']} · "
        f"{escape(str(doc['created_at']))}</p>",
        _h("summary"),
        _table(
            ["", ""],
            [
                ("Case / ករណី", case["id"]),
                ("Labels / ស្លាក", ", ".join(case["labels"])),
                ("Found by / រកឃើញដោយ", case["found_by"]),
                ("Decision / សេចក្តីសម្រេច", f"{case['policy']} (#{case['decision_id']})"),
                ("Decided by / សម្រេចដោយ", case["decided_by"]),
                ("Confirmed by / បញ្ជាក់ដោយ", case["confirmed_by"] or "-"),
                ("Decided at / កាលបរិច្ឆេទ", case["decided_at"]),
                ("Reported user / អ្នកប្រើប្រាស់", case["reported_user"] or "-"),
            ],
        ),
        _h("found"),
        "<p>No imagery is included; files are identified by their hashes. / "
        '<span lang="km">មិនមានរូបភាពទេ</span></p>',
        _table(
            ["SHA-256", "MD5", "Class", "Matches"],
            [
                (
                    m["sha256"],
                    m["md5"],
                    m["classification"],
                    "; ".join(
                        f"{x['signal_type']} in {x['bank']} (distance {x['distance']})"
                        for x in m["matches"]
                    ),
                )
                for m in doc["media"]
            ],
        ),
        _table(
            ["Conversation", "Languages", "Risk", "Messages"],
            [
                (
                    c["conversation_id"],
                    ", ".join(c["languages"]),
                    ", ".join(f"{k} {float(v):.2f}" for k, v in sorted(c["risk"].items())),
                    c["messages"],
                )
                for c in doc["conversations"]
            ],
        ),
        _h("entities"),
        _table(
            ["Type / ប្រភេទ", "Value / តម្លៃ", "Detail"],
            [
                (
                    kind,
                    e.get("value") or f"{e.get('latitude')}, {e.get('longitude')}",
                    ", ".join(f"{k}={v}" for k, v in e.items() if k != "value"),
                )
                for kind, values in doc["entities"].items()
                for e in values
            ],
        ),
        _h("timeline"),
        _table(
            ["At", "Who", "What"], [(e["at"], e["actor"], e["action"]) for e in doc["timeline"]]
        ),
        _h("custody"),
        _table(
            ["Record", "At", "Who", "Action", "Target", "Hash"],
            [
                (c["record"], c["at"], c["actor"], c["action"], c["target"], c["hash"])
                for c in doc["custody"]
            ],
        ),
        _h("help"),
        "".join(f"<p>{escape(line)}</p>" for line in HELP_LINES),
        "</body></html>",
    ]
    return "".join(parts)


def render_pdf(doc: Mapping[str, Any]) -> bytes:
    """The referral PDF of ``doc`` (``referral_document``'s output)."""
    from weasyprint import HTML  # imported on use: loading Pango takes a moment

    pdf: bytes = HTML(string=referral_html(doc)).write_pdf()
    return pdf
