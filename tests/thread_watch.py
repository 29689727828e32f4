"""Threads a test leaves running: named with the test that started them, and kept from hanging
the run.

A test that enters a ``TestClient`` (or starts an executor) and never leaves it keeps a
non-daemon thread busy; the interpreter then waits for it forever at exit, and pytest-xdist
waits for that worker. The session's last teardown fails naming each such thread and the test
that started it; a watchdog armed when pytest is done dumps every thread's stack and ends a
worker that is still alive two minutes later.
"""

from __future__ import annotations

import faulthandler
import sys
import threading
import weakref
from collections.abc import Iterator
from types import FrameType

import pytest

#: How long a finished pytest process may take to exit before the watchdog ends it.
EXIT_GRACE_SECONDS = 120

_origin: weakref.WeakKeyDictionary[threading.Thread, str] = weakref.WeakKeyDictionary()
_current = ["(collection or a session fixture)"]
_start = threading.Thread.start


def _recording_start(self: threading.Thread) -> None:
    _origin[self] = _current[0]
    _start(self)


threading.Thread.start = _recording_start  # type: ignore[method-assign]


def _is_idle_executor_worker(frame: FrameType | None) -> bool:
    """An executor's worker waiting for work (the worker loop, inside nothing but a queue's
    wait): it ends at exit once its executor is told to."""
    while frame is not None and frame.f_code.co_filename.endswith(("/queue.py", "/threading.py")):
        frame = frame.f_back
    return (
        frame is not None
        and frame.f_code.co_name == "_worker"
        and frame.f_code.co_filename.endswith(("/thread.py", "/threadpoolexecutor.py"))
    )


def busy_leftover_threads() -> list[str]:
    """Live non-daemon threads, other than the main one and idle executor workers, each as
    ``name (started by <test>) at <file>:<line>``."""
    frames = sys._current_frames()
    found = []
    for t in threading.enumerate():
        if t is threading.main_thread() or t.daemon or not t.is_alive():
            continue
        frame = frames.get(t.ident or -1)
        if _is_idle_executor_worker(frame):
            continue
        where = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "?"
        found.append(f"{t.name} (started by {_origin.get(t, 'an unknown test')}) at {where}")
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Remember which test is running, so a thread it starts can be traced back to it."""
    _current[0] = item.nodeid
    yield
    _current[0] = "(between tests)"


@pytest.fixture(scope="session", autouse=True)
def no_thread_left_running() -> Iterator[None]:
    """Fail the session's last teardown when a test left a busy non-daemon thread behind."""
    yield
    leftovers = busy_leftover_threads()
    if leftovers:
        pytest.fail(
            "threads left running would keep this test process from exiting:\n"
            + "\n".join(leftovers),
            pytrace=False,
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    """Arm the exit watchdog: a process still alive after the grace period dumps and exits."""
    err = sys.__stderr__
    if err is None:
        return
    for line in busy_leftover_threads():
        print(f"thread still running at exit: {line}", file=err, flush=True)
    faulthandler.dump_traceback_later(EXIT_GRACE_SECONDS, exit=True, file=err)
