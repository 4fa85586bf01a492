"""feedparser -> normalised stories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Story:
    id: str
    feed_url: str
    link: str | None
    title: str
    summary: str
    published: datetime
