"""Giving freed memory back to the operating system after bulk work.

A model run over a big store builds and drops tens of megabytes of short-lived
objects, mostly on threads. glibc keeps what they freed in its heaps (one per
thread arena) for reuse, so a monitor left open for days would show its largest
transient peak as resident memory forever, and a slowly rising one as it grows.
``malloc_trim`` returns those free pages; it costs a few milliseconds, which is
nothing beside the model run that precedes it. Other C libraries have no such
call and are left alone.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import lru_cache


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system, where the C library can."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        # the symbols already loaded into this process, the C library's among them
        trim = ctypes.CDLL(None).malloc_trim  # glibc only; musl and others lack it
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim
