"""Bring the console's catalogs (km, vi, en) in line with the messages in its templates and code.

New messages are added (English: the message itself; others: empty, which the completeness test
reports), messages no longer used are dropped, translations are kept. Messages that another
catalog of the language's folder holds (an area's own, such as ``reports.po``) stay there and are
left out of ``messages.po``.
Run: ``PYTHONPATH=src python scripts/update_catalogs.py``.
"""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from childguard.web.i18n import LANGUAGES, extract_messages, po_path


def main() -> None:
    """Rewrite each language's catalog."""
    messages = sorted(extract_messages())
    for language in LANGUAGES:
        path = po_path(language)
        elsewhere: set[str] = set()
        for other in sorted(path.parent.glob("*.po")):
            if other.name != path.name:
                with other.open("rb") as fh:
                    elsewhere.update(str(m.id) for m in read_po(fh, locale=language) if m.id)
        old: dict[str, str] = {}
        if path.exists():
            with path.open("rb") as fh:
                for m in read_po(fh, locale=language):
                    if m.id and isinstance(m.id, str) and isinstance(m.string, str):
                        old[m.id] = m.string
        catalog = Catalog(locale=language, project="childguard", version="0.1", fuzzy=False)
        for msgid in messages:
            if msgid in elsewhere:
                continue
            default = msgid if language == "en" else ""
            catalog.add(msgid, old.get(msgid) or default)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
        missing = sum(
            1 for m in messages if m not in elsewhere and not (old.get(m) or language == "en")
        )
        print(f"{language}: {len(messages)} messages, {missing} without a translation")


if __name__ == "__main__":
    main()
