"""Typed messages that loader workers post to the main screen.

Loads can come in bursts (a poll finishes while a filter changes); each message
says it may replace an older unprocessed one of its own kind, so the queue keeps
only the newest and the screen never repaints stale data.
"""

from __future__ import annotations

from textual.message import Message

from sitmon.ui.snapshot import SituationData, StoriesData


class _Latest(Message):
    """A message where only the newest of its kind matters."""

    def can_replace(self, message: Message) -> bool:
        return type(message) is type(self)


class StoriesLoaded(_Latest):
    """The stories pane's rows (and header facts) are ready."""

    def __init__(self, data: StoriesData) -> None:
        super().__init__()
        self.data = data


class SituationLoaded(_Latest):
    """Truces, violations and the tally (with trends) are ready."""

    def __init__(self, data: SituationData, reason: str = "") -> None:
        super().__init__()
        self.data = data
        self.reason = reason  # "poll" when new data arrived, so breaches are announced
