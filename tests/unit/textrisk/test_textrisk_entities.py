"""Entities for investigators (issue 5 §5). All numbers and handles are made up."""

from __future__ import annotations

from typing import Any

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.entities import extract_entities


def entities(text: str) -> list[dict[str, Any]]:
    return extract_entities(build_artifacts(text), text)


def values(text: str, kind: str) -> set[Any]:
    return {e["value"] for e in entities(text) if e["type"] == kind}


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("call me +855 12 345 678", "+85512345678"),
        ("my number 012 345 678", "+85512345678"),
        ("lh 0912 345 678 nhe", "+84912345678"),
        ("sdt +84 912 345 678", "+84912345678"),
        ("លេខ ០១២ ៣៤៥ ៦៧៨", "+85512345678"),
    ],
)
def test_phone_numbers_in_international_and_local_forms(text: str, e164: str) -> None:
    assert e164 in values(text, "phone")


def test_handles_and_invitations() -> None:
    found = entities(
        "add t.me/fake_room or my snapchat: fake.snap and @fake_user, discord.gg/abc12"
    )
    handles = {(e["value"], e["platform"]) for e in found if e["type"] == "handle"}
    assert ("fake_room", "telegram") in handles
    assert ("fake.snap", "snapchat") in handles
    assert ("abc12", "discord") in handles
    assert ("fake_user", None) in handles


def test_urls() -> None:
    assert "https://example.com/x" in values("look https://example.com/x now", "url")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("send to ABA 000 123 456", "ABA"),
        ("wing 12345678 ok", "WING"),
        ("chuyển momo 0912345678 nhé", "MOMO"),
        ("stk 0123456789012 vietcombank", "BANK_ACCOUNT"),
        ("buy a steam card", "GIFT_CARD"),
        ("btc bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", "CRYPTO_BTC"),
        ("usdt 0x52908400098527886E0F7030069857D2E4169EE7", "CRYPTO_ETH"),
    ],
)
def test_payment_handles(text: str, kind: str) -> None:
    kinds = {e["kind"] for e in entities(text) if e["type"] == "payment"}
    assert kind in kinds


def test_places_in_three_languages() -> None:
    assert values("i live in siem reap", "place") == {"Siem Reap"}
    assert values("em ở Đà Nẵng", "place") == {"Da Nang"}
    assert values("ខ្ញុំនៅបាត់ដំបង", "place") == {"Battambang"}


def test_stated_ages() -> None:
    found = [e for e in entities("im 13 lol") if e["type"] == "age"]
    assert found == [{"type": "age", "value": 13, "minor": True}]


def test_benign_text_has_no_entities() -> None:
    assert entities("see you at practice tomorrow") == []
