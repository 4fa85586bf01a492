"""Giving freed memory back to the operating system after bulk work.

A model run over a big store builds and drops tens of megabytes of short-lived
objects, mostly on threads. glibc keeps what they freed in its heaps (one per
thread arena) for reuse, so a monitor left open for days would show its largest
transient peak as resident memory forever, and a slowly rising one as it grows.
``malloc_trim`` returns those free pages; it costs a few milliseconds, which is
nothing beside the model run that precedes it.

A long-running monitor also caps glibc's arenas at two. By default each new
thread gets an arena of its own (up to eight per core); a poll's fetch threads
parse and extract small polls themselves, so each arena holds a share of the
same churn, and every arena's fragmentation adds to the resident size: 10-minute
accelerated runs grew 19.0 and 19.5 MB with the default, 17.0 and 18.2 MB with two.
The threads hold the GIL for nearly all their allocations, so sharing an arena
costs them next to no lock waiting. Other C libraries have neither call and are
left alone.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import lru_cache

ARENAS = 2
_M_ARENA_MAX = -8  # glibc's malloc.h


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system, where the C library can."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def limit_heap_arenas() -> bool:
    """Cap the C heap at two arenas for threads started from now on; False where unsupported."""
    mallopt = _glibc_function("mallopt", [ctypes.c_int, ctypes.c_int])
    return mallopt is not None and mallopt(_M_ARENA_MAX, ARENAS) == 1


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    return _glibc_function("malloc_trim", [ctypes.c_size_t])


def _glibc_function(name: str, argtypes: list[type]) -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        # the symbols already loaded into this process, the C library's among them
        function = getattr(ctypes.CDLL(None), name)  # glibc only; musl and others lack these
    except (OSError, AttributeError):
        return None
    function.argtypes = argtypes
    function.restype = ctypes.c_int
    return function
