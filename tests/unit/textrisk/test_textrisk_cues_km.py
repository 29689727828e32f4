"""Khmer cues, in Khmer script and typed in Latin letters: each new group of rules finds its stage
on a freshly written phrase and stays quiet on a benign near-miss."""

from __future__ import annotations

import pytest

from childguard.textrisk.artifacts import build_artifacts
from childguard.textrisk.recognizers import LABELS, RiskRecognizer, default_recognizers, generic, km

ROMANISED = generic.GenericRomanisedKhmerRecognizer

POSITIVE = [
    (km.KmGroomingRecognizer, "ផ្ញើ selfie មកមើលបន្តិច", "image_request"),
    (km.KmGroomingRecognizer, "កុំ call ម៉ាក់ ម៉ាក់រវល់ប្រជុំ", "secrecy_isolation"),
    (km.KmGroomingRecognizer, "កុំទាន់ប្រាប់ម៉ាក់ណា", "secrecy_isolation"),
    (km.KmGroomingRecognizer, "អូនប្រាប់ម៉ាក់ពីយើងហើយមែនទេ?", "secrecy_isolation"),
    (km.KmGroomingRecognizer, "ស្អែកពូមកយកកូនពីសាលា", "meeting"),
    (km.KmSextortionRecognizer, "ខ្ញុំមានរូបឯងហើយ", "threat_to_expose"),
    (km.KmSextortionRecognizer, "វេរលុយមកឥឡូវ", "demand"),
    (km.KmSextortionRecognizer, "នៅសល់ 30 នាទីទៀត", "deadline"),
    (km.KmBullyingRecognizer, "ឯងមិនគួររស់នៅលើលោកទេ", "insult"),
    (km.KmBullyingRecognizer, "kick វាចេញពី group ទៅ", "exclusion"),
    (km.KmBullyingRecognizer, "ថតលួចវាហើយ ចាំ post", "humiliation"),
    (km.KmBullyingRecognizer, "បើរត់ អញរកដល់ផ្ទះ", "threat"),
    (km.KmBullyingRecognizer, "អញដឹងថាឯងនៅណា", "doxxing"),
    (km.KmBullyingRecognizer, "ឯងមិនមែនខ្មែរទេ", "identity_hate"),
    (km.KmCsamTradeRecognizer, "មាន video ក្មេងៗ ថ្មី", "advertising"),
    (km.KmCsamTradeRecognizer, "មានក្មេងតូចជាងនេះទេ", "requesting"),
    (km.KmCsamTradeRecognizer, "មាន 2 folder = 20$ ថ្មី", "offering"),
]


@pytest.mark.parametrize(("cls", "text", "stage"), POSITIVE)
def test_khmer_cue_finds_stage(cls: type[RiskRecognizer], text: str, stage: str) -> None:
    recognizer = cls()
    art = build_artifacts(text)
    assert recognizer.applies_to(art)
    found = recognizer.analyze(art)
    assert stage in {f.stage for f in found}, [(f.label, f.stage) for f in found]


BENIGN = [
    # a parent warning a child, a cute baby, a relative's ride the parents know of
    "ព្រោះអ្នកមិនស្គាល់អាចដឹងថាកូនរៀននៅណា",
    "គួរឲ្យស្រលាញ់ណាស់ ដូចប៉ារបស់គេកាលនៅតូច",
    "ញ៉ាំបាយនៅផ្ទះមីងសិន ល្ងាចម៉ាក់មកយក",
    "ដេកទៅ ស្អែកម៉ោង ៦ ក្រោកទៅរៀន",
    "ខ្ញុំគ្មាន Telegram ទេ ម៉ាក់ហាមដំឡើង app ច្រើន",
    "ថ្ងៃនេះគ្រូផ្ញើមកក្នុង group ថ្នាក់ហើយ",
    "ខ្ញុំយល់ស្រប ចាំខ្ញុំ share ទៅ group អាណាព្យាបាល",
    "អាក្រក់ណាស់ រូបនេះ",
    "ថ្ងៃនេះកូនរៀនដល់ម៉ោង ៥",
    # typed Khmer: friends' gaming bets and an aunt at home
    "1v1 classic, loser top up diamonds oy winner",
    "oun nov mnak eng? ming tinh num banh chok mk aoy",
]


@pytest.mark.parametrize("text", BENIGN)
def test_khmer_near_misses_raise_no_risk(text: str) -> None:
    art = build_artifacts(text)
    found = [f for r in default_recognizers() if r.applies_to(art) for f in r.analyze(art)]
    assert [(f.label, f.stage) for f in found if f.label in LABELS] == []
