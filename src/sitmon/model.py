"""The situation as of any instant: pure functions over stored events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoredEvent:
    cluster_id: str
    story_key: int
    published: datetime
    data: dict
    sources: tuple[dict, ...] = ()
