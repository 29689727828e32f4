"""Console pieces without a server: rendering rules, highlighting, previews, throttle."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from childguard.errors import UnsupportedMedia
from childguard.people.wellness import Limits, Rendering, Today
from childguard.web.media_render import render_bytes
from childguard.web.routes.review_pages import highlight, risky_words, stage_timeline
from childguard.web.throttle import Throttle
from tests.web_world import CHAT, CHAT_RESULT, shape_png


def test_a_rendering_is_only_ever_strengthened() -> None:
    org = Rendering(3, True, False)
    assert Rendering(0, False, False).stronger_of(org) == Rendering(3, True, False)
    assert Rendering(5, False, True).stronger_of(org) == Rendering(5, True, True)


def test_limits_soft_then_hard_and_an_override_lifts_the_hard_one() -> None:
    limits = Limits(2, 4, 60, 120)
    assert not Today("d", 1, 0, limits, False).soft_reached
    assert Today("d", 2, 0, limits, False).soft_reached
    assert not Today("d", 3, 0, limits, False).hard_reached
    assert Today("d", 0, 120, limits, False).hard_reached
    assert not Today("d", 4, 0, limits, True).hard_reached


def test_highlight_marks_every_occurrence_case_insensitively() -> None:
    parts = highlight("Don't tell. don't TELL anyone", ["don't tell"])
    assert parts == [("Don't tell", True), (". ", False), ("don't TELL", True), (" anyone", False)]
    assert highlight("nothing here", []) == [("nothing here", False)]


def test_stage_timeline_and_words_follow_the_messages() -> None:
    conv = {"messages": CHAT, **CHAT_RESULT}
    assert [s["stage"] for s in stage_timeline(conv)] == [
        "trust_building",
        "secrecy_isolation",
        "platform_migration",
    ]
    assert risky_words(conv)[2] == ["don't tell your parents"]


def _colourful(png: bytes) -> bool:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = image.get_flattened_data()
    return any(len(set(p)) > 1 for p in pixels)  # type: ignore[arg-type]


def test_previews_are_grey_small_and_blurred_unless_asked_otherwise() -> None:
    data = shape_png(3, size=900)
    grey = render_bytes(data, Rendering(3, True, True))
    image = Image.open(io.BytesIO(grey))
    assert max(image.size) <= 480 and not _colourful(grey)
    assert _colourful(render_bytes(data, Rendering(0, False, False)))
    sharp = Image.open(io.BytesIO(render_bytes(data, Rendering(0, True, False)))).convert("L")
    soft = Image.open(io.BytesIO(render_bytes(data, Rendering(5, True, False)))).convert("L")
    assert len(set(sharp.get_flattened_data())) != len(set(soft.get_flattened_data()))


def test_a_file_that_is_not_an_image_is_refused_clearly() -> None:
    with pytest.raises(UnsupportedMedia):
        render_bytes(b"not an image", Rendering(3, True, True))


def test_the_throttle_counts_per_client() -> None:
    throttle = Throttle(2)
    assert [throttle.allow("a") for _ in range(3)] == [True, True, False]
    assert throttle.allow("b")
