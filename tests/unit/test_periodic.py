"""``Periodic``: a schedule survives a failing tick, stops when asked, and never starts at 0."""

from __future__ import annotations

import threading

from childguard.periodic import Periodic


def test_a_failing_tick_is_retried_and_stop_ends_the_thread() -> None:
    calls: list[int] = []
    third = threading.Event()

    def tick() -> None:
        calls.append(len(calls))
        if len(calls) >= 3:
            third.set()
        if len(calls) == 1:
            raise RuntimeError("a first failure must not end the schedule")

    periodic = Periodic(tick, 0.01, name="test-periodic")
    assert periodic.start() is True
    assert periodic.start() is False  # already running
    assert third.wait(5)
    periodic.stop()
    after_stop = len(calls)
    assert not any(t.name == "test-periodic" for t in threading.enumerate())
    assert len(calls) == after_stop


def test_first_now_ticks_at_once_and_an_interval_of_zero_never_starts() -> None:
    ticked = threading.Event()
    periodic = Periodic(ticked.set, 3600, name="test-first-now", first_now=True)
    assert periodic.start() is True
    assert ticked.wait(5)  # long before the first interval
    periodic.stop()
    assert Periodic(ticked.set, 0, name="never").start() is False
