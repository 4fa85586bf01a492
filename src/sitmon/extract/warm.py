"""Importing this module readies the extraction rules in the importing process.

The poller's fork server imports it before it forks any parser process: the finders
compile most of their patterns on first use (~0.2 s of CPU), and a process forked
from a server that already did so starts with them compiled instead of paying that
again in every parser process of every poll.  The story below is made up to walk
every finder's slow first path: a truce with its sides, a mediator and a start
time, a violation with a place, and casualty figures, wounded and cumulative, in
plain ASCII and in text with curly quotes (the finders keep rules for each).

Then the rules' regex programs are saved to the disk cache (``programs.save``), if
this process had to compile some: the next process to start finds them there.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sitmon.extract import extract, programs

WARM_UP_STORY = (
    "Ceasefire between Armenia and Azerbaijan broken hours after it began, 3 killed in Stepanakert",
    "The Russian-brokered truce took effect at midnight on Saturday. Azerbaijani forces shelled "
    "Stepanakert overnight, local officials said, killing three civilians and wounding 12. "
    "More than 2,000 soldiers have been killed since the fighting began. "
    # curly quotes: text beyond ASCII has rules of its own, compiled on first use too
    "Azerbaijan’s defence ministry accused Armenian forces of shelling Tartar in breach of the “truce”.",
    datetime(2020, 10, 18, 9, 0, tzinfo=timezone.utc),
)

try:
    extract(*WARM_UP_STORY)
except Exception:  # noqa: BLE001 -- a head start only: the parser reports real failures itself
    pass
# every rule compiled on first use is compiled now: the programs for the next process
programs.save()
