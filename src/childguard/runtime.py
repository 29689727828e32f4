"""Process-level tuning applied once by the server and the command line.

Hashing a photo allocates a few megabytes of short-lived buffers (decoded pixels, their copy for
the hasher, the hasher's work planes). glibc serves blocks that large with ``mmap`` and gives
them back on ``free``, so every photo paid about 1,200 page faults (several MB of zeroed pages):
about 40 % of its hashing time. Raising glibc's mmap and trim thresholds keeps those buffers in
the heap for reuse; a process then holds on to at most ``TRIM_BYTES`` of freed memory. HMA gets
the same effect by preloading jemalloc.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import threading
from collections.abc import Iterator
from functools import cache

#: glibc ``mallopt`` parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Allocations up to this size come from the heap rather than fresh ``mmap`` pages.
MMAP_BYTES = 64 << 20
#: Freed heap memory kept for reuse before it is returned to the system.
TRIM_BYTES = 128 << 20


@cache
def _libc() -> ctypes.CDLL | None:
    """The C library: glibc's soname first, else whatever ``find_library`` names."""
    try:
        # find_library runs ldconfig, and importing it costs a CLI start ~20 ms
        return ctypes.CDLL("libc.so.6")
    except OSError:
        pass
    from ctypes.util import find_library

    name = find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def trim_heap() -> bool:
    """Give freed heap memory of every malloc arena back to the system (glibc ``malloc_trim``).

    Worth its cost (about a millisecond) after freeing something huge, such as the pixels of a
    100-megapixel image: each thread allocates from its own arena, so memory one thread freed
    would otherwise stay resident while the next thread decodes the next huge image.
    """
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return bool(trim(0))


@cache
def tune_allocator() -> bool:
    """Raise glibc's mmap and trim thresholds (once per process); False where not glibc."""
    libc = _libc()
    if libc is None:
        return False
    try:
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_BYTES)
    )


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block that allocates millions of objects.

    A bulk import, a feed page of 50,000 changes or a million entries loaded into the matcher
    create objects that live until the block ends and form no cycle; their allocation keeps
    triggering full collections that walk every live object (the matcher's indexes, SQLAlchemy's
    and the CLI's modules) and free nothing: a fifth to a third of such work's CPU time.
    Reference counting still frees what dies meanwhile. The collector is process-wide, so pauses
    nest and overlap across threads: it resumes when the last one ends, and only if it was
    enabled when the first began.
    """
    global _gc_depth, _gc_was_enabled
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_enabled:
                gc.enable()


@contextlib.contextmanager
def startup_heap_frozen() -> Iterator[None]:
    """Keep every object alive at a server's start-up out of the cyclic collector's walks.

    A started server holds a few hundred thousand long-lived objects (FastAPI's routes, SQLAlchemy's
    mappers, the templates, the match index's structures). Each full collection walked all of
    them: 100-500 ms pauses every twenty or so console pages, which made a page's p95 three to
    five times its median. ``gc.freeze`` moves them to a generation that is never collected (the
    way pre-forking servers use it); refcounting still frees them. The block's end unfreezes,
    so a process that starts and stops many apps (the tests) leaks no cycle from start-up.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
