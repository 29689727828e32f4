"""Entities for investigators: phones, app handles and invitations, URLs, payment handles, places,
stated ages.

Each entity is ``{"type", "value", "message", ...}`` with a type-specific detail (``platform``,
``kind``, ``country``). Values come from the message as written (phones in E.164); they are part of
the analysis result only and never go into logs.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import phonenumbers

from childguard.textrisk.artifacts import TextArtifacts
from childguard.textrisk.normalize import fold_diacritics
from childguard.textrisk.recognizers.generic import _AGE_PATTERNS

PLATFORMS = {
    "telegram": "telegram", "whatsapp": "whatsapp", "zalo": "zalo", "messenger": "messenger",
    "snapchat": "snapchat", "instagram": "instagram", "line": "line", "signal": "signal",
    "discord": "discord", "tiktok": "tiktok", "facebook": "messenger", "fb": "messenger",
    "viber": "viber", "wechat": "wechat", "kik": "kik",
}  # fmt: skip
_LINKS = (
    (r"(?:t|telegram)\.me/(?:joinchat/|\+)?([\w+]{3,64})", "telegram"),
    (r"wa\.me/(\+?\d{6,15})", "whatsapp"),
    (r"chat\.whatsapp\.com/(\w{6,40})", "whatsapp"),
    (r"discord(?:\.gg|app\.com/invite|\.com/invite)/(\w{2,32})", "discord"),
    (r"zalo\.me/(\w{3,40})", "zalo"),
    (r"m\.me/([\w.]{3,50})", "messenger"),
    (r"snapchat\.com/add/([\w.\-]{3,32})", "snapchat"),
    (r"instagram\.com/([\w.]{3,30})", "instagram"),
    (r"tiktok\.com/@([\w.]{2,30})", "tiktok"),
    (r"line\.me/(?:ti/p/)?~?([\w.\-]{3,40})", "line"),
    (r"signal\.me/#?\w*/?([\w.]{3,40})", "signal"),
)
_APP_HANDLE = re.compile(
    r"\b(" + "|".join(PLATFORMS) + r")\b\s*(?:id|name|user|username|acc|account)?\s*"
    r"(?:(?:[:=]|\bis\b|\bla\b)\s*@?|@)([a-z][\w.]{2,31})"
)
_AT_HANDLE = re.compile(r"(?<![\w@.])@([a-z0-9_][\w.]{2,31})")
_URL = re.compile(
    r"\b(?:https?://[^\s<>\"']+|www\.[^\s<>\"']+|[a-z0-9\-]+\.(?:com|net|org|me|io|gg|ly|xyz|"
    r"onion|kh|vn|info|link|app)(?:/[^\s<>\"']*)?)"
)
_WORD = re.compile(r"[a-z]+")
_PHONE_HINT = re.compile(r"\+?\d[\d\s.\-()]{6,}\d")
_PAYMENTS = (
    (re.compile(r"\baba\b(?:\s*(?:pay|account|acc|no|number|:|-))*\s*(\d[\d ]{5,16}\d)"), "ABA"),
    (re.compile(r"\bwing\b(?:\s*(?:account|acc|no|number|:|-))*\s*(\d[\d ]{5,14}\d)"), "WING"),
    (re.compile(r"\bmomo\b(?:\s*(?:so|sdt|number|:|-))*\s*(\+?\d[\d ]{7,13}\d)"), "MOMO"),
    (re.compile(r"\bzalo ?pay\b(?:\s*[:\-])?\s*(\+?\d[\d ]{7,13}\d)"), "ZALOPAY"),
    (
        re.compile(
            r"(?:\bstk\b|\bso tai khoan\b|\btai khoan\b|\baccount (?:number|no)\b|\bacc no\b|"
            r"\bbank account\b|គណនី)\s*(?:[:\-]|la|is)?\s*(\d[\d \-]{6,20}\d)"
        ),
        "BANK_ACCOUNT",
    ),
)
_GIFT_CARD = re.compile(
    r"\b(steam|google ?play|itunes|apple|garena|razer gold|amazon|roblox|playstation|psn|xbox|"
    r"viettel|mobifone|vinaphone|zing)\s*(?:gift\s*)?(?:card|code|cards|codes|the)\b|"
    r"\bthe (?:cao|garena|zing|viettel|steam)\b"
)
_CRYPTO = (
    (re.compile(r"\b(bc1[a-z0-9]{25,60})\b"), "BTC"),
    (re.compile(r"\b([13][a-km-zA-HJ-NP-Z1-9]{25,34})\b"), "BTC"),
    (re.compile(r"\b(0x[a-fA-F0-9]{40})\b"), "ETH"),
    (re.compile(r"\b(T[a-km-zA-HJ-NP-Z1-9]{33})\b"), "TRON"),
)

KH_PLACES = {
    "Phnom Penh": ("phnom penh", "ភ្នំពេញ"), "Siem Reap": ("siem reap", "សៀមរាប"),
    "Battambang": ("battambang", "បាត់ដំបង"), "Banteay Meanchey": ("banteay meanchey", "បន្ទាយមានជ័យ"),
    "Kampong Cham": ("kampong cham", "កំពង់ចាម"), "Kampong Chhnang": ("kampong chhnang", "កំពង់ឆ្នាំង"),
    "Kampong Speu": ("kampong speu", "កំពង់ស្ពឺ"), "Kampong Thom": ("kampong thom", "កំពង់ធំ"),
    "Kampot": ("kampot", "កំពត"), "Kandal": ("kandal", "កណ្តាល"), "Kep": ("kep", "កែប"),
    "Koh Kong": ("koh kong", "កោះកុង"), "Kratie": ("kratie", "ក្រចេះ"),
    "Mondulkiri": ("mondulkiri", "មណ្ឌលគិរី"), "Oddar Meanchey": ("oddar meanchey", "ឧត្តរមានជ័យ"),
    "Pailin": ("pailin", "ប៉ៃលិន"), "Preah Sihanouk": ("sihanoukville", "ព្រះសីហនុ"),
    "Preah Vihear": ("preah vihear", "ព្រះវិហារ"), "Pursat": ("pursat", "ពោធិ៍សាត់"),
    "Prey Veng": ("prey veng", "ព្រៃវែង"), "Ratanakiri": ("ratanakiri", "រតនគិរី"),
    "Stung Treng": ("stung treng", "ស្ទឹងត្រែង"), "Svay Rieng": ("svay rieng", "ស្វាយរៀង"),
    "Takeo": ("takeo", "តាកែវ"), "Tbong Khmum": ("tbong khmum", "ត្បូងឃ្មុំ"),
    "Poipet": ("poipet", "ប៉ោយប៉ែត"),
}  # fmt: skip
VN_PLACES = (
    "ha noi",
    "hanoi",
    "ho chi minh",
    "sai gon",
    "saigon",
    "tphcm",
    "da nang",
    "hai phong",
    "can tho",
    "an giang",
    "vung tau",
    "bac giang",
    "bac kan",
    "bac lieu",
    "bac ninh",
    "ben tre",
    "binh dinh",
    "binh duong",
    "binh phuoc",
    "binh thuan",
    "ca mau",
    "cao bang",
    "dak lak",
    "dak nong",
    "dien bien",
    "dong nai",
    "dong thap",
    "gia lai",
    "ha giang",
    "ha nam",
    "ha tinh",
    "hai duong",
    "hau giang",
    "hoa binh",
    "hung yen",
    "khanh hoa",
    "nha trang",
    "kien giang",
    "phu quoc",
    "kon tum",
    "lai chau",
    "lam dong",
    "da lat",
    "lang son",
    "lao cai",
    "sa pa",
    "long an",
    "nam dinh",
    "nghe an",
    "ninh binh",
    "ninh thuan",
    "phu tho",
    "phu yen",
    "quang binh",
    "quang nam",
    "hoi an",
    "quang ngai",
    "quang ninh",
    "ha long",
    "quang tri",
    "soc trang",
    "son la",
    "tay ninh",
    "thai binh",
    "thai nguyen",
    "thanh hoa",
    "hue",
    "tien giang",
    "tra vinh",
    "tuyen quang",
    "vinh long",
    "vinh phuc",
    "yen bai",
)


@cache
def _link_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern), platform) for pattern, platform in _LINKS)


@cache
def _place_patterns() -> tuple[re.Pattern[str], dict[str, str]]:
    """The Khmer place names as one pattern, and every name (Latin and Khmer) to its place."""
    latin: dict[str, str] = {}
    khmer: dict[str, str] = {}
    for name, (en, km) in KH_PLACES.items():
        latin[en] = f"KH:{name}"
        khmer[km] = f"KH:{name}"
    for vn in VN_PLACES:
        latin[vn] = f"VN:{vn.title()}"
    khmer_re = re.compile("(" + "|".join(sorted(khmer, key=len, reverse=True)) + ")")
    return khmer_re, {**latin, **khmer}


def _phones(text: str) -> list[dict[str, Any]]:
    if not _PHONE_HINT.search(text):
        return []
    found: dict[str, dict[str, Any]] = {}
    for region in ("KH", "VN"):
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.POSSIBLE, max_tries=20
        ):
            number = match.number
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            country = phonenumbers.region_code_for_number(number) or region
            if e164 not in found and country in {"KH", "VN"}:
                found[e164] = {"type": "phone", "value": e164, "country": country}
    return list(found.values())


def extract_entities(artifacts: TextArtifacts, original: str) -> list[dict[str, Any]]:
    """Entities in one message. ``original`` is the analysed text as sent (case kept, for crypto
    addresses); the rest is read from the normalised ``artifacts``."""
    text = artifacts.surface
    plain = fold_diacritics(artifacts.norm)
    out: list[dict[str, Any]] = _phones(text)
    seen: set[tuple[str, str]] = set()

    def add(entity_type: str, value: str | int, **detail: Any) -> None:
        key = (entity_type, str(value))
        if key not in seen:
            seen.add(key)
            out.append({"type": entity_type, "value": value, **detail})

    # Cheap substring checks skip the patterns that cannot match (most messages have no entity).
    if "/" in text:
        for link_re, platform in _link_patterns():
            for m in link_re.finditer(text):
                add("handle", m.group(1), platform=platform, invitation=True)
    norm = artifacts.norm
    if ":" in norm or "@" in norm or "=" in norm or " is " in norm or " la " in plain:
        for m in _APP_HANDLE.finditer(artifacts.norm):
            handle = m.group(2)
            if handle not in PLATFORMS and not handle.isdigit():
                add("handle", handle, platform=PLATFORMS[m.group(1)], invitation=False)
    if "@" in text:
        for m in _AT_HANDLE.finditer(text):
            add("handle", m.group(1), platform=None, invitation=False)
    if "." in text:
        for m in _URL.finditer(text):
            add("url", m.group(0).rstrip(".,!?)"))
    for payment_re, kind in _PAYMENTS:
        for m in payment_re.finditer(plain):
            add("payment", re.sub(r"[ \-]", "", m.group(1)), kind=kind)
    for m in _GIFT_CARD.finditer(plain):
        add("payment", m.group(0), kind="GIFT_CARD")
    for crypto_re, kind in _CRYPTO:
        for m in crypto_re.finditer(original):
            add("payment", m.group(1), kind=f"CRYPTO_{kind}")
    khmer_re, names = _place_patterns()
    words = _WORD.findall(plain)
    for n in (1, 2, 3):
        for i in range(len(words) - n + 1):
            found = names.get(" ".join(words[i : i + n]))
            if found is not None:
                country, _, name = found.partition(":")
                add("place", name, country=country)
    if artifacts.khmer:
        for m in khmer_re.finditer(artifacts.khmer):
            country, _, name = names[m.group(1)].partition(":")
            add("place", name, country=country)
    for age_re in _AGE_PATTERNS:
        age_match = age_re.search(plain)
        if age_match is not None and 5 <= int(age_match.group(1)) <= 89:
            age = int(age_match.group(1))
            add("age", age, minor=age < 18)
            break
    return out
