"""Pausing Python's cyclic garbage collector around bulk work that builds many objects.

Parsing and applying a feed page of 50,000 changes, or loading a million entries into the
matcher, allocates hundreds of thousands of dicts and tuples that live until the work ends; the
collector, triggered by allocation counts, then runs its full passes again and again over every
object the process holds (the matcher's indexes included) and finds nothing to free: measured,
a quarter to a third of a from-scratch sync's CPU time. Reference counting still frees
everything without cycles meanwhile; cycles wait until the last pause in the process ends.

The collector is process-wide, so pauses nest and overlap across threads: it is re-enabled
when the last one ends, and only if it was enabled when the first began.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Run the block with the cyclic collector disabled (see the module docstring)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
