"""Public awareness pages and the in-product safety messages (no key, one source of texts)."""

from __future__ import annotations

import pytest

from childguard.textrisk.interventions import Interventions
from tests.integration.api.conftest import Api


@pytest.mark.parametrize("lang", ["km", "vi", "en"])
def test_safety_messages_are_the_interventions_texts(api: Api, lang: str) -> None:
    r = api.client.get(f"/v1/safety/messages?lang={lang}&label=SEXTORTION")
    assert r.status_code == 200
    expected = Interventions.load().for_conversation(["SEXTORTION"], lang)
    assert r.json() == expected
    assert r.json()["message"][0] == expected["message"][0] != ""


def test_bad_language_or_label_is_a_clear_400(api: Api) -> None:
    for query in ("lang=fr&label=GROOMING", "lang=km&label=ANYTHING"):
        r = api.client.get(f"/v1/safety/messages?{query}")
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize(
    ("lang", "words"),
    [("km", "1280"), ("vi", "Đường dây nóng cảnh sát: 1288"), ("en", "092 311 511")],
)
def test_awareness_page_without_sign_in(api: Api, lang: str, words: str) -> None:
    r = api.client.get(f"/safety?lang={lang}")
    assert r.status_code == 200 and words in r.text
    assert f'lang="{lang}"' in r.text
    assert "/safety/posters/teachers.pdf" in r.text


def test_poster_pdf(api: Api) -> None:
    r = api.client.get("/safety/posters/children.pdf?lang=vi")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert api.client.get("/safety/posters/robots.pdf").status_code == 400
