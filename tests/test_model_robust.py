"""The model never fails on odd stored events: a store written by an older or newer
sitmon, or a misread sentence, must still give a situation (the panes and
`sitmon export` would otherwise show nothing at all)."""

from __future__ import annotations

import json
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
