"""Pausing the cyclic collector: nested and overlapping pauses, and its state afterwards."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from childguard.runtime import gc_paused


@pytest.fixture(autouse=True)
def collector_enabled() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_nested_pauses_re_enable_once_the_outer_one_ends() -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_in_the_block_still_re_enables() -> None:
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_two_threads() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=other)
    with gc_paused():
        thread.start()
        assert inside.wait(30)
    assert not gc.isenabled()  # the other thread's pause is still running
    release.set()
    thread.join(30)
    assert gc.isenabled()
