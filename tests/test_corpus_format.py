"""The labelled extraction corpus (tests/data/corpus.jsonl) is well formed.

The accuracy benchmark is only as good as its labels: these tests check that every
story parses, carries the fields the benchmark reads, uses the vocabularies of
DESIGN.md, and that every hard case the product must get right is represented by
at least five stories whose labels agree with their category.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "data" / "corpus.jsonl"

STATUSES = {"proposed", "agreed", "in_effect", "violated", "extended", "collapsed", "ended"}
SCOPES = {"incident", "cumulative"}
KINDS = {None, "humanitarian", "general", "partial"}
CONFLICTS = {
    None, "Russia-Ukraine", "Israel-Hamas", "Israel-Hezbollah", "Israel-Iran", "Sudan", "DR Congo",
    "Armenia-Azerbaijan", "India-Pakistan", "Thailand-Cambodia", "Yemen", "Myanmar", "Sahel",
    "Somalia", "Ethiopia", "Syria", "Colombia",
}
FIELDS = {
    "truce": {"type", "conflict", "status", "parties", "mediators", "kind"},
    "violation": {"type", "conflict", "actor", "claimed_by", "location", "breach"},
    "casualty": {"type", "conflict", "killed", "killed_high", "wounded", "wounded_high", "scope", "historical"},
}
OPTIONAL = {"casualty": {"side", "subset"}}
STATUS_CATEGORIES = {f"truce_{s}": s for s in STATUSES}
REQUIRED_CATEGORIES = set(STATUS_CATEGORIES) | {
    "non_military_truce", "non_conflict_death", "non_casualty_number", "historical",
    "nationality_subset", "sum_subset", "word_number", "vague_quantity", "range_bound",
    "cumulative", "unilateral_truce", "mediator", "violation_claim", "breach_accusation", "no_event",
}


def load() -> list[dict]:
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


STORIES = load()


def of_type(story: dict, kind: str) -> list[dict]:
    return [e for e in story["events"] if e["type"] == kind]


def test_corpus_is_large_enough_with_unique_ids() -> None:
    assert len(STORIES) >= 300
    ids = [s["id"] for s in STORIES]
    assert len(ids) == len(set(ids))


def test_no_story_text_is_repeated() -> None:
    titles = Counter(s["title"] for s in STORIES)
    assert [t for t, n in titles.items() if n > 1] == []


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s["id"])
def test_story_has_required_fields(story: dict) -> None:
    assert set(story) == {"id", "title", "summary", "published", "category", "events"}
    assert story["title"].strip() and story["summary"].strip()
    published = datetime.fromisoformat(story["published"].replace("Z", "+00:00"))
    assert published.utcoffset().total_seconds() == 0
    assert story["category"] in REQUIRED_CATEGORIES | {"incident"}


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s["id"])
def test_gold_events_use_design_vocabularies(story: dict) -> None:
    for event in story["events"]:
        kind = event["type"]
        assert kind in FIELDS
        assert FIELDS[kind] <= set(event) <= FIELDS[kind] | OPTIONAL.get(kind, set())
        assert event["conflict"] in CONFLICTS
        if kind == "truce":
            assert event["status"] in STATUSES
            assert event["kind"] in KINDS
            assert event["parties"] == sorted(event["parties"]) and event["parties"]
            assert event["mediators"] == sorted(event["mediators"])
        elif kind == "violation":
            assert isinstance(event["breach"], bool)
        else:
            assert event["scope"] in SCOPES
            assert isinstance(event["historical"], bool)
            assert event["killed"] is not None or event["wounded"] is not None
            for low, high in (("killed", "killed_high"), ("wounded", "wounded_high")):
                if event[high] is not None:
                    assert event[low] is not None and event[low] <= event[high]
            if event.get("subset"):
                assert event.get("side")


def test_every_hard_case_has_at_least_five_stories() -> None:
    counts = Counter(s["category"] for s in STORIES)
    assert {c: counts[c] for c in REQUIRED_CATEGORIES if counts[c] < 5} == {}


def test_every_truce_status_is_labelled_several_times() -> None:
    statuses = Counter(e["status"] for s in STORIES for e in of_type(s, "truce"))
    assert {s: statuses[s] for s in STATUSES if statuses[s] < 8} == {}


@pytest.mark.parametrize("story", STORIES, ids=lambda s: s["id"])
def test_labels_agree_with_category(story: dict) -> None:
    cat = story["category"]
    truces, casualties = of_type(story, "truce"), of_type(story, "casualty")
    if cat in STATUS_CATEGORIES:
        assert STATUS_CATEGORIES[cat] in {t["status"] for t in truces}
    if cat == "no_event":
        assert story["events"] == []
    if cat == "non_military_truce":
        assert truces == []
    if cat == "non_conflict_death":
        assert casualties == []
    if cat == "historical":
        assert any(c["historical"] for c in casualties)
    if cat == "cumulative":
        assert any(c["scope"] == "cumulative" for c in casualties)
    if cat == "range_bound":
        assert casualties
    if cat == "unilateral_truce":
        assert truces
    if cat == "mediator":
        assert any(t["mediators"] for t in truces)
    if cat == "violation_claim":
        assert any(v["claimed_by"] for v in of_type(story, "violation"))


def test_hard_negatives_and_special_figures_are_present() -> None:
    subsets = sum(1 for s in STORIES for c in of_type(s, "casualty") if c.get("subset"))
    breaches = sum(1 for s in STORIES for v in of_type(s, "violation") if v["breach"])
    ranges = sum(1 for s in STORIES for c in of_type(s, "casualty") if c["killed_high"] is not None)
    unilateral = sum(1 for s in STORIES for t in of_type(s, "truce") if len(t["parties"]) == 1)
    assert subsets >= 5 and breaches >= 10 and ranges >= 5 and unilateral >= 5


def test_every_conflict_is_covered() -> None:
    covered = {e["conflict"] for s in STORIES for e in s["events"]}
    assert CONFLICTS - {None} <= covered
