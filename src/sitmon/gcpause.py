"""Pausing Python's cyclic garbage collector around bulk work.

Loading the store's events and folding them into the situation create hundreds of
thousands of small objects that stay alive and form no reference cycles; the
collector would rescan the growing heap again and again for nothing (about a third
of the time). Reference counting still frees everything as usual meanwhile.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block; re-enabled after unless it was off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
