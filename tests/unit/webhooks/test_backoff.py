"""Backoff doubles from the base up to the cap, with jitter between half and all of it."""

from __future__ import annotations

import random

from childguard.outbox.backoff import Backoff


def test_delays_double_then_cap_within_jitter() -> None:
    backoff = Backoff(base_seconds=10, cap_seconds=3600)
    rng = random.Random(7)
    for failures, ceiling in [
        (1, 10),
        (2, 20),
        (3, 40),
        (8, 1280),
        (9, 2560),
        (10, 3600),
        (50, 3600),
    ]:
        for _ in range(20):
            seconds = backoff.delay(failures, rng).total_seconds()
            assert ceiling / 2 <= seconds <= ceiling, (failures, seconds)


def test_jitter_spreads_delays() -> None:
    rng = random.Random(1)
    delays = {Backoff().delay(5, rng).total_seconds() for _ in range(20)}
    assert len(delays) > 10


def test_default_schedule_keeps_retrying_past_a_day_in_a_bounded_number_of_attempts() -> None:
    backoff = Backoff()
    rng = random.Random(3)
    elapsed, attempts = 0.0, 0
    while elapsed < 24 * 3600:
        attempts += 1
        elapsed += backoff.delay(attempts, rng).total_seconds()
    assert 20 < attempts < 60
