"""Keeping Python's cyclic garbage collector out of bulk work.

Loading the store's events and folding them into the situation create hundreds of
thousands of small objects that stay alive and form no reference cycles; the
collector would rescan the growing heap again and again for nothing (about a third
of the time). Reference counting still frees everything as usual meanwhile.
``gc_paused`` stops the collector for such a block; ``young_collections_only`` lets
it free the cycles that die young (a poll's failed requests) but never rescan the
old objects.
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


@contextmanager
def young_collections_only() -> Iterator[None]:
    """Inside the block the collector only looks at new objects, never again at old ones.

    Young collections are cheap (each object is looked at about once) and free the
    reference cycles that die young, such as a failed request's exception and its
    frames; the full collections that many new objects would set off rescan the whole
    heap each time, for nothing when what is being made lives on."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, _NEVER, _NEVER)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


_NEVER = 1 << 30
