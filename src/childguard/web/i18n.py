"""Languages of the console: Babel catalogs (``locales/<lang>/messages.po``) and locale formats.

Every visible string goes through ``Translator.gettext`` (``_`` in templates); the catalogs of
``km``, ``vi`` and ``en`` are complete (a test checks each message has a translation). The
language comes from ``?lang=``, then the user's setting, then a cookie, then Accept-Language.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("en", "km", "vi")
DEFAULT_LANGUAGE = "en"
#: Each language's own name, shown in the language switch.
LANGUAGE_NAMES = {"en": "English", "km": "ខ្មែរ", "vi": "Tiếng Việt"}
LOCALES_DIR = Path(__file__).parent / "locales"


def po_path(language: str) -> Path:
    """The catalog file of ``language``."""
    return LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


def load_catalog(language: str) -> dict[str, str]:
    """msgid -> translation of ``language`` (untranslated and fuzzy messages left out).

    ``messages.po`` first, then every other catalog of the language's folder in name order (an
    area such as reports keeps its strings in a catalog of its own).
    """
    main = po_path(language)
    others = sorted(p for p in main.parent.glob("*.po") if p.name != main.name)
    paths = [main, *others]
    out: dict[str, str] = {}
    for path in paths:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        for message in catalog:
            usable = isinstance(message.id, str) and isinstance(message.string, str)
            if usable and message.id and message.string and not message.fuzzy:
                out[str(message.id)] = str(message.string)
    return out


@dataclass(frozen=True)
class Translator:
    """Strings, dates and numbers in one language."""

    language: str
    messages: Mapping[str, str]

    def gettext(self, message: str, **values: object) -> str:
        """The translation of ``message`` (itself when missing), with ``%(name)s`` filled in."""
        text = self.messages.get(message, message)
        return text % values if values else text

    def datetime(self, value: datetime | str | None) -> str:
        """A date and time in the language's medium format (UTC)."""
        if value is None:
            return "—"
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return format_datetime(value, format="medium", tzinfo=None, locale=self.language)

    def number(self, value: float | int) -> str:
        """A number with the language's digit grouping (integers on a fast path)."""
        if isinstance(value, int) and not isinstance(value, bool):
            group = _group_symbol(self.language)
            return f"{value:,}".replace(",", group)
        return format_decimal(value, locale=self.language)

    def age(self, seconds: int) -> str:
        """A short age such as ``3 h 12 min`` (units translated)."""
        minutes = seconds // 60
        if minutes < 60:
            return self.gettext("%(n)s min", n=self.number(minutes))
        hours, minutes = divmod(minutes, 60)
        if hours < 48:
            return self.gettext("%(h)s h %(m)s min", h=self.number(hours), m=minutes)
        return self.gettext("%(n)s days", n=self.number(hours // 24))


@functools.cache
def _group_symbol(language: str) -> str:
    return str(Locale.parse(language).number_symbols["latn"]["group"])


class Catalogs:
    """The loaded catalogs of every language (built once per app)."""

    def __init__(self) -> None:
        self._by_language = {lang: load_catalog(lang) for lang in LANGUAGES}

    def translator(self, language: str) -> Translator:
        """The translator of ``language`` (English when unknown)."""
        if language not in self._by_language:
            language = DEFAULT_LANGUAGE
        return Translator(language, self._by_language[language])


def negotiate(*choices: str | None, accept_language: str = "") -> str:
    """The first supported language among ``choices``, else the best of Accept-Language."""
    for choice in choices:
        if choice and choice in LANGUAGES:
            return choice
    wanted: list[tuple[float, str]] = []
    for part in accept_language.split(",")[:20]:
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        wanted.append((weight, tag.strip().replace("-", "_")))
    for _weight, tag in sorted(wanted, key=lambda w: -w[0]):
        try:
            language = Locale.parse(tag).language if tag and tag != "*" else ""
        except (ValueError, UnknownLocaleError):
            continue
        if language in LANGUAGES:
            return language
    return DEFAULT_LANGUAGE


_MESSAGE_RE = re.compile(r"""\b(?:_|gettext)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def extract_messages(root: Path | None = None) -> set[str]:
    """Every literal message given to ``_`` or ``gettext`` in the console's templates and code."""
    root = root or Path(__file__).parent
    found: set[str] = set()
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".html", ".py") or not path.is_file():
            continue
        for match in _MESSAGE_RE.finditer(path.read_text(encoding="utf-8")):
            raw = match.group(1) if match.group(1) is not None else match.group(2)
            found.add(raw.replace('\\"', '"').replace("\\'", "'"))
    return found
