"""The model never fails on odd stored events: a store written by an older or newer
sitmon, or a misread sentence, must still give a situation (the panes and
`sitmon export` would otherwise show nothing at all)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from sitmon.model import StoredEvent, situation

START = datetime(2024, 11, 20, tzinfo=timezone.utc)

odd_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**7), st.text(max_size=12),
                       st.lists(st.text(max_size=8), max_size=3), st.just("2024-11-21T05:00:00Z"),
                       st.just("not a date"))
keys = st.sampled_from(["type", "conflict", "evidence", "status", "parties", "mediators", "kind",
                        "effective", "ends", "actor", "claimed_by", "location", "weapon", "breach",
                        "killed", "killed_high", "wounded", "wounded_high", "victims", "side",
                        "scope", "historical"])
plausible = st.fixed_dictionaries({
    "type": st.sampled_from(["truce", "violation", "casualty", "other"]),
    "conflict": st.sampled_from(["Israel-Hezbollah", "India-Pakistan", None, ""]),
    "evidence": st.text(max_size=40),
    "status": st.sampled_from(["proposed", "agreed", "in_effect", "violated", "extended",
                               "collapsed", "ended", "bogus"]),
    "scope": st.sampled_from(["incident", "cumulative", None]),
    "killed": st.one_of(st.none(), st.integers(0, 5000)),
}).flatmap(lambda base: st.dictionaries(keys, odd_values, max_size=6).map(lambda odd: {**base, **odd}))

events = st.lists(st.tuples(plausible, st.integers(0, 7 * 24), st.integers(0, 5), st.integers(0, 3)),
                  max_size=40)


def stored(items: list[tuple[dict, int, int, int]]) -> list[StoredEvent]:
    out = []
    for key, (data, hours, cluster, outlets) in enumerate(items, start=1):
        sources = tuple({"feed": f"http://o{n}.test/rss", "url": f"http://o{n}.test/{cluster}",
                         "title": str(data.get("evidence")), "story": f"c{cluster}"} for n in range(outlets))
        out.append(StoredEvent(f"c{cluster}", key, START + timedelta(hours=hours), data, sources))
    return out


@settings(max_examples=100, deadline=None)
@given(events, st.integers(0, 8 * 24))
def test_any_stored_events_give_a_plain_json_situation(items: list, hours: int) -> None:
    data = situation(stored(items), START + timedelta(hours=hours)).as_dict()
    text = json.dumps(data)
    assert set(json.loads(text)) == {"as_of", "truces", "violations", "tally"}
    assert len([t for t in data["truces"] if t["active"] and t["conflict"] == "India-Pakistan"]) <= 1


# --------------------------------------------------------------------------- refresh after a poll

PLACES = ["Kharkiv", "Poonch", "Tyre", "Ganja", None]
reports = st.fixed_dictionaries({
    "type": st.sampled_from(["truce", "violation", "casualty"]),
    "conflict": st.sampled_from(["Israel-Hezbollah", "India-Pakistan", "Armenia-Azerbaijan", None]),
    "status": st.sampled_from(["proposed", "agreed", "in_effect", "violated", "extended", "collapsed"]),
    "location": st.sampled_from(PLACES),
    "killed": st.one_of(st.none(), st.integers(1, 60)),
    "scope": st.sampled_from(["incident", "incident", "cumulative"]),
    "breach": st.booleans(),
    "parties": st.sampled_from([[], ["India", "Pakistan"], ["Israel", "Hezbollah"]]),
}).map(lambda d: {**d, "evidence": f"{d['type']} {d['status']} {d['location']} {d['killed']}"})
news = st.lists(st.tuples(reports, st.integers(0, 6 * 24), st.integers(0, 9), st.integers(1, 2)),
                min_size=1, max_size=40)


def as_the_store_orders(events: list[StoredEvent]) -> list[StoredEvent]:
    return sorted(events, key=lambda e: (e.published, e.story_key))


def another_outlet(event: StoredEvent) -> StoredEvent:
    """The event as the store hands it out once one more outlet carried its story."""
    extra = {"feed": "http://late.test/rss", "url": f"http://late.test/{event.cluster_id}",
             "title": event.data.get("evidence"), "story": event.cluster_id}
    return replace(event, sources=(*event.sources, extra))


@settings(max_examples=60, deadline=None)
@given(news, st.lists(st.integers(0, 39), max_size=4))
def test_after_each_poll_the_situation_is_what_a_fresh_run_gives(items: list, renewed: list) -> None:
    """The UI refreshes after every poll from mostly the same event objects, and the
    model reuses what it read of them: the answer must be the one a fresh `sitmon
    export` (new objects, nothing remembered) gives, poll after poll and on a refresh."""
    everything = stored(items)
    current: list[StoredEvent] = []
    for poll in range(3):
        arrived = everything[poll * len(everything) // 3:(poll + 1) * len(everything) // 3]
        current = as_the_store_orders(
            [another_outlet(e) if i in renewed and poll else e for i, e in enumerate(current)] + arrived)
        when = max((e.published for e in current), default=START) + timedelta(hours=poll)
        fresh = [replace(e, data=dict(e.data)) for e in current]
        expected = situation(fresh, when, parties={}).as_dict()
        assert situation(current, when).as_dict() == expected
        assert situation(list(current), when).as_dict() == expected  # the refresh after it
