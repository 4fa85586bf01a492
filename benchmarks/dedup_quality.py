"""Dedup quality: pairwise precision and recall of story folding.

    .venv/bin/python benchmarks/dedup_quality.py [-v]

Two labelled sets, both written by the project in its own words:

* ``tests/data/dedup_cases.jsonl`` — the tuning pairs (``a``, ``b``, ``same``) the
  rules were developed against; judged with ``same_story`` alone.
* ``tests/data/dedup_heldout.jsonl`` — held-out groups, never used to tune: each line
  is one story as several outlets titled it (``titles``) with its publication time.
  Every pair of titles in one group is a positive; every pair across groups is a
  negative (hard negatives sit next to each other: other number, other place, other
  date, same template with another event).  Judged twice:
  - *pairwise*: ``same_story`` and the store's dedup window (a retelling days apart
    is another story), over all pairs;
  - *end to end*: every title ingested as its own outlet's story into a real
    ``Store`` in time order; two titles are "same" when they land in one cluster.

* ``tests/data/dedup_heldout_syndicated.jsonl`` — a second held-out set in the same
  format: one story as syndicated outlets reword it ("attack"/"strike", "X:"/"X says",
  "rises"/"has risen", a truce "starting at midnight"), next to its hard negatives.

Target (issue 2): precision 1.0 and recall >= 0.9 on the held-out set.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sitmon.dedup import same_story, title_key  # noqa: E402
from sitmon.parse import Story  # noqa: E402
from sitmon.store import DEFAULT_DEDUP_WINDOW_HOURS, Store  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
TUNING = DATA / "dedup_cases.jsonl"
HELDOUT = DATA / "dedup_heldout.jsonl"
# written later, after the rules were frozen, from syndicated wire wordings
SYNDICATED = DATA / "dedup_heldout_syndicated.jsonl"
WINDOW = timedelta(hours=DEFAULT_DEDUP_WINDOW_HOURS)
OUTLET_GAP = timedelta(minutes=7)  # between two outlets' versions of one story


@dataclass(frozen=True)
class Item:
    group: str
    title: str
    published: datetime


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, verdict: bool) -> None:
        if truth and verdict:
            self.tp += 1
        elif verdict:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    def line(self) -> str:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        ok = "OK" if precision == 1.0 and recall >= 0.9 else "MISSED"
        return (f"precision {precision:.3f}  recall {recall:.3f}  "
                f"(tp {self.tp}, fp {self.fp}, fn {self.fn}, tn {self.tn})  {ok}")


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def load_heldout(path: Path = HELDOUT) -> list[Item]:
    items = []
    for group in _lines(path):
        start = datetime.fromisoformat(group["published"].replace("Z", "+00:00"))
        items += [Item(group["group"], title, start + i * OUTLET_GAP)
                  for i, title in enumerate(group["titles"])]
    return items


def tuning_score(verbose: bool) -> Score:
    score = Score()
    for case in _lines(TUNING):
        verdict = same_story(case["a"], case["b"])
        score.add(case["same"], verdict)
        if verbose and verdict != case["same"]:
            print(f"    {'FP' if verdict else 'FN'} [{case['note']}] {case['a']!r} / {case['b']!r}")
    return score


def pairwise_score(items: list[Item], verbose: bool) -> Score:
    keys = {item.title: title_key(item.title) for item in items}
    score = Score()
    for a, b in combinations(items, 2):
        close = abs(a.published - b.published) <= WINDOW
        verdict = close and same_story(keys[a.title], keys[b.title])
        truth = a.group == b.group
        score.add(truth, verdict)
        if verbose and verdict != truth:
            print(f"    {'FP' if verdict else 'FN'} {a.group}/{b.group}: {a.title!r} / {b.title!r}")
    return score


def end_to_end_score(items: list[Item], verbose: bool) -> Score:
    """Each title from its own feed, ingested in time order into a fresh store."""
    cluster_of: dict[int, str] = {}
    ordered = sorted(enumerate(items), key=lambda pair: pair[1].published)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "quality.db") as store:
        for n, (index, item) in enumerate(ordered):
            feed = f"https://outlet{n}.example/rss"
            story = Story(id=f"s{index}", feed_url=feed, link=f"https://outlet{n}.example/{index}",
                          title=item.title, summary="", published=item.published)
            store.ingest(feed, [story])
        for row in store.conn.execute("SELECT guid, cluster_id FROM stories"):
            cluster_of[int(row[0][1:])] = row[1]
    score = Score()
    for (i, a), (j, b) in combinations(enumerate(items), 2):
        verdict = cluster_of[i] == cluster_of[j]
        truth = a.group == b.group
        score.add(truth, verdict)
        if verbose and verdict != truth:
            print(f"    {'FP' if verdict else 'FN'} {a.group}/{b.group}: {a.title!r} / {b.title!r}")
    return score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every wrong pair")
    args = parser.parse_args()
    print(f"tuning pairs ({TUNING.name}):")
    print(f"  {tuning_score(args.verbose).line()}")
    for path in (HELDOUT, SYNDICATED):
        items = load_heldout(path)
        groups = len({item.group for item in items})
        print(f"held-out ({path.name}: {groups} stories, {len(items)} titles):")
        pairwise = pairwise_score(items, args.verbose)
        print(f"  pairwise same_story + {WINDOW.total_seconds() / 3600:g} h window: "
              f"{pairwise.line()}")
        print(f"  end to end through Store.ingest:  {end_to_end_score(items, args.verbose).line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
