"""Killed figures on ISAF press releases against hand-counted gold.

Reads ../shared/eval/isaf/isaf_press_releases_test.csv (724 NATO/ISAF press
releases, 2009-2013, by Alex Strick van Linschoten, CC BY-SA 4.0), reads every
sentence with ``find_casualties`` and sums the release's incident figures
(historical ones are left out; a figure repeated from the title line is counted
once).  Prints exact-match accuracy over all releases and over releases that
report deaths, mean absolute error, and the extraction speed.

    python benchmarks/isaf.py [--verbose] [--csv PATH]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from sitmon.extract.casualty import find_casualties, merge_story
from sitmon.extract.events import Casualty, Context

try:
    from sitmon.extract.sentences import split_sentences
except ImportError:  # the sentence splitter is another module; fall back to lines and stops
    def split_sentences(text: str) -> list[str]:
        return [s for line in text.splitlines() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", line)
                if s.strip()]

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared/eval/isaf/isaf_press_releases_test.csv"


def release_killed(text: str, published: datetime) -> tuple[int, list[Casualty]]:
    """Sum of the release's incident killed figures, and the events counted.

    The first line (and any headline-like line) is the title; ``merge_story``
    keeps a death told twice (title and body, summary and detail) once.
    """
    ctx = Context(published=published)
    title: list[Casualty] = []
    body: list[Casualty] = []
    for index, sentence in enumerate(split_sentences(text)):
        events = [e for e in find_casualties(sentence, ctx)
                  if not e.historical and e.scope == "incident" and e.killed]
        (title if index == 0 or _is_title(sentence) else body).extend(events)
    counted = merge_story(title, body)
    return sum(e.killed or 0 for e in counted), counted


def _is_title(sentence: str) -> bool:
    """A headline: most words capitalised and no final full stop."""
    words = [w for w in sentence.split() if w[:1].isalpha()]
    if len(words) < 3 or sentence.rstrip().endswith("."):
        return False
    capital = sum(w[0].isupper() for w in words)
    return capital / len(words) > 0.6


def _sentence_rate(rows: list[dict]) -> float:
    """Sentences per second through find_casualties alone (best of three runs)."""
    ctx = Context(published=datetime(2012, 1, 1, tzinfo=timezone.utc))
    sentences = [s for row in rows for s in split_sentences(row["text"])]
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for sentence in sentences:
            find_casualties(sentence, ctx)
        best = min(best, time.perf_counter() - started)
    return len(sentences) / best


def _published(row: dict) -> datetime:
    try:
        return datetime.strptime(row["start_date"][:10], "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        return datetime(2012, 1, 1, tzinfo=timezone.utc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--verbose", action="store_true", help="list the worst misses")
    parser.add_argument("--misses", type=int, default=25, help="how many misses to list")
    args = parser.parse_args(argv)
    with args.csv.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    results = []
    sentences = 0
    started = time.perf_counter()
    for row in rows:
        text = row["text"]
        sentences += len(split_sentences(text))
        got, counted = release_killed(text, _published(row))
        results.append((row, int(row["min_killed"]), got, counted))
    seconds = time.perf_counter() - started
    exact = sum(gold == got for _, gold, got, _ in results)
    deaths = [(gold, got) for _, gold, got, _ in results if gold > 0]
    exact_deaths = sum(gold == got for gold, got in deaths)
    mae = sum(abs(gold - got) for _, gold, got, _ in results) / len(results)
    print(f"releases: {len(results)}  with deaths: {len(deaths)}")
    print(f"killed exact, all releases:        {exact / len(results):.3f}")
    print(f"killed exact, releases with deaths: {exact_deaths / len(deaths):.3f}")
    print(f"killed mean absolute error:         {mae:.3f}")
    print(f"speed: {len(results) / seconds:,.0f} releases/s, {sentences / seconds:,.0f} sentences/s "
          "(split + casualties)")
    print(f"find_casualties alone: {_sentence_rate(rows):,.0f} sentences/s")
    if args.verbose:
        misses = sorted((r for r in results if r[1] != r[2]), key=lambda r: -abs(r[1] - r[2]))
        for row, gold, got, counted in misses[: args.misses]:
            print(f"\n=== {row['eventrefnumber']}  gold {gold}  got {got}")
            for event in counted:
                print(f"  +{event.killed}: {event.evidence[:220]}")
            if not counted:
                print("  " + " ".join(row["text"].split())[:600])
    return 0


if __name__ == "__main__":
    sys.exit(main())
