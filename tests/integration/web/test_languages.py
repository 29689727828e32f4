"""Languages: complete catalogs, the choice of language, locale formats, the Khmer font."""

from __future__ import annotations

import re

import pytest

from childguard.web.i18n import LANGUAGES, Catalogs, extract_messages, load_catalog, negotiate
from tests.integration.web.conftest import Web

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation_with_the_same_placeholders(language: str) -> None:
    messages = extract_messages()
    assert len(messages) > 150  # the extraction found the templates' strings
    catalog = load_catalog(language)
    missing = sorted(m for m in messages if not catalog.get(m))
    assert missing == [], f"{language} lacks translations for {missing[:10]}"
    for msgid in messages:
        assert set(PLACEHOLDER.findall(catalog[msgid])) == set(PLACEHOLDER.findall(msgid)), msgid


def test_a_missing_translation_is_detected(tmp_path: object) -> None:
    catalog = load_catalog("km")
    catalog.pop("Sign in")
    assert "Sign in" in extract_messages() and "Sign in" not in catalog


def test_the_language_comes_from_query_user_cookie_then_accept_language() -> None:
    assert negotiate("km", "vi", accept_language="en") == "km"
    assert negotiate(None, "vi", accept_language="km") == "vi"
    assert negotiate(None, None, None, accept_language="fr-FR, vi;q=0.8, km;q=0.5") == "vi"
    assert negotiate(None, accept_language="km-KH") == "km"
    assert negotiate("xx", accept_language="de") == "en"


def test_dates_and_numbers_follow_the_locale() -> None:
    from datetime import UTC, datetime

    catalogs = Catalogs()
    when = datetime(2026, 3, 9, 14, 5, tzinfo=UTC)
    en, vi, km = (catalogs.translator(lang) for lang in ("en", "vi", "km"))
    assert en.number(1234567) == "1,234,567" and vi.number(1234567) == "1.234.567"
    assert en.datetime(when) != vi.datetime(when) != km.datetime(when)
    assert "2026" in km.datetime(when)


def test_pages_switch_language_and_remember_it(web: Web) -> None:
    client = web.client()
    km = client.get("/login?lang=km")
    assert '<html lang="km">' in km.text and "ចូល" in km.text
    again = client.get("/login")  # the cookie keeps the choice
    assert '<html lang="km">' in again.text
    vi = web.client().get("/login", headers={"accept-language": "vi-VN,vi;q=0.9"})
    assert '<html lang="vi">' in vi.text and "Đăng nhập" in vi.text
    alice = web.sign_in("alice")
    alice.post("/account", {"action": "preferences", "locale": "vi", "blur_level": "3"})
    assert '<html lang="vi">' in alice.get("/queue").text


def test_the_app_serves_its_own_khmer_font_and_pages_load_nothing_from_elsewhere(
    web: Web,
) -> None:
    from childguard.web.mount import khmer_font

    if khmer_font() is None:
        pytest.skip("no Khmer font package installed (apt-get install fonts-khmeros)")
    r = web.client().get("/console/fonts/khmer.ttf")
    assert r.status_code == 200 and r.content[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true")
    css = web.client().get("/console/static/console.css").text
    assert "/console/fonts/khmer.ttf" in css
    page = web.client().get("/login")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r'(src|href)="(https?:)?//', page.text)
