"""What the panes show, read from the store and the model (no Textual here).

Runs in worker threads with the thread's own ``Store``. Rows are plain frozen
records so the screen can compare an incoming load with what it already shows
and skip repainting when nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sitmon.heap import release_free_memory

TREND_DAYS = 7
STORY_LIMIT = 200
VIOLATION_ROWS = 200


@dataclass(frozen=True)
class StoryRow:
    id: int  # the story cluster
    title: str
    published: datetime | None
    sources: int
    tags: tuple[str, ...] = ()
    link: str | None = None
    conflict: str | None = None


@dataclass(frozen=True)
class FeedRow:
    url: str
    title: str
    status: str  # ok | failing | disabled | new
    last_fetch: datetime | None
    http_status: int | None
    error: str | None
    items: int | None
    next_poll: datetime | None


@dataclass(frozen=True)
class StoriesData:
    now: datetime
    stories: tuple[StoryRow, ...]
    feeds: tuple[FeedRow, ...]
    last_poll: datetime | None
    query: str | None = None
    conflict: str | None = None


@dataclass(frozen=True)
class SituationData:
    now: datetime
    truces: tuple[dict, ...]
    violations: tuple[dict, ...]
    tally: tuple[dict, ...]
    trends: dict[str, tuple[int, ...]] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()
    conflict: str | None = None


def parse_time(value: Any) -> datetime | None:
    """A UTC-aware datetime from a datetime or an ISO string; None if neither."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


def story_row(cluster: Any) -> StoryRow:
    """A stories-pane row from a store ``ClusterRow`` (time = its latest report)."""
    conflicts = tuple(cluster.conflicts or ())
    return StoryRow(
        id=cluster.id,
        title=cluster.title,
        published=parse_time(cluster.updated or cluster.published),
        sources=cluster.n_sources,
        tags=tuple(sorted(set(cluster.tags), key=lambda t: _TAG_ORDER.get(t, 9))),
        link=None,  # looked up on demand (`o`), not for every row of every refresh
        conflict=", ".join(conflicts) or None,
    )


_TAG_ORDER = {"truce": 0, "violation": 1, "casualty": 2}


def feed_row(feed: Any, now: datetime, interval: float) -> FeedRow:
    """A feed-health row from a store ``Feed``, with its status in one word."""
    if not feed.enabled:
        status = "disabled"
    elif feed.error or feed.failures:
        status = "failing"
    elif feed.last_attempt is None:
        status = "new"
    else:
        status = "ok"
    # A healthy feed is "due at once" in the store; the poll interval paces it,
    # so its next fetch is one interval after the last (or later, when backing off).
    next_poll = parse_time(feed.next_attempt)
    last = parse_time(feed.last_attempt)
    if last is not None and feed.enabled:
        paced = last + timedelta(seconds=interval)
        next_poll = max(next_poll, paced) if next_poll else paced
    return FeedRow(
        url=feed.url,
        title=feed.title or "",
        status=status,
        last_fetch=parse_time(feed.last_attempt),
        http_status=feed.status,
        error=feed.error,
        items=feed.items,
        next_poll=next_poll,
    )


def load_stories(
    store: Any,
    now: datetime,
    *,
    conflict: str | None = None,
    query: str | None = None,
    interval: float = 600,
    limit: int = STORY_LIMIT,
) -> StoriesData:
    """Newest clusters (or FTS matches for ``query``), feed health and last poll."""
    if query:
        clusters = store.search(query, limit=limit, conflict=conflict)
    else:
        clusters = store.recent_clusters(limit=limit, conflict=conflict)
    feeds = tuple(
        feed_row(f, now, interval)
        for f in store.feeds(include_disabled=True)
        if not f.removed
    )
    return StoriesData(
        now=now,
        stories=tuple(story_row(c) for c in clusters),
        feeds=feeds,
        last_poll=parse_time(store.last_poll()),
        query=query,
        conflict=conflict,
    )


def load_situation(store: Any, now: datetime, *, conflict: str | None = None) -> SituationData:
    """The situation as of ``now`` (one model run) and each conflict's daily deaths."""
    from sitmon.model import situation

    events = store.stored_events(until=now, conflict=conflict)
    current = _as_dict(situation(events, now))
    release_free_memory()  # the run's temporaries are freed: their pages go back too
    violations = current.get("violations", [])
    return SituationData(
        now=now,
        # The model orders them: active truces first, newest violations, largest tolls.
        truces=tuple(current.get("truces", [])),
        # A long-lived store holds thousands of incidents; the pane shows the newest.
        violations=tuple(violations[:VIOLATION_ROWS]),
        tally=tuple(current.get("tally", [])),
        trends=daily_killed(violations, now),
        conflicts=_conflicts(current, conflict),
        conflict=conflict,
    )


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else value.as_dict()


def daily_killed(violations: list[dict], now: datetime) -> dict[str, tuple[int, ...]]:
    """Killed in reported incidents per conflict on each of the last TREND_DAYS days.

    Read from the model's incidents (each counted once however many outlets
    report it), so the trend costs no extra model run however big the store."""
    today = now.date()
    points: dict[str, list[int]] = {}
    for violation in violations:
        moment, conflict = parse_time(violation.get("time")), violation.get("conflict")
        if moment is None or not conflict:
            continue
        back = (today - moment.date()).days
        if 0 <= back < TREND_DAYS:
            days = points.setdefault(conflict, [0] * TREND_DAYS)
            days[TREND_DAYS - 1 - back] += violation.get("killed") or 0
    return {c: tuple(v) for c, v in points.items()}


def _conflicts(current: dict, conflict: str | None) -> tuple[str, ...]:
    """Conflicts the picker offers: every one the situation mentions."""
    names = {conflict} if conflict else set()
    for key in ("truces", "violations", "tally"):
        names.update(item.get("conflict") for item in current.get(key, []))
    names.discard(None)
    return tuple(sorted(names))
