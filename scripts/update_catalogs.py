"""Bring the console's catalogs (km, vi, en) in line with the messages in its templates and code.

New messages are added (English: the message itself; others: empty, which the completeness test
reports), messages no longer used are dropped, translations are kept.
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
        old: dict[str, str] = {}
        if path.exists():
            with path.open("rb") as fh:
                for m in read_po(fh, locale=language):
                    if m.id and isinstance(m.id, str) and isinstance(m.string, str):
                        old[m.id] = m.string
        catalog = Catalog(locale=language, project="childguard", version="0.1", fuzzy=False)
        for msgid in messages:
            default = msgid if language == "en" else ""
            catalog.add(msgid, old.get(msgid) or default)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
        missing = sum(1 for m in messages if not (old.get(m) or language == "en"))
        print(f"{language}: {len(messages)} messages, {missing} without a translation")


if __name__ == "__main__":
    main()
