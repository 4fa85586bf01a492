"""Throughput of sitmon.extract.extract in one process.

    python benchmarks/extract_speed.py [--items N]

Runs extract() over the labelled corpus (tests/data/corpus.jsonl), repeated until
at least N items (default 20,000), after one warm-up pass so that lexicons and
compiled patterns loaded on first use are not timed. Prints items per second;
the target is 10,000/s (the issue's floor is 5,000/s).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import load_corpus, load_extract, parse_time  # noqa: E402

TARGET = 10_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=20_000, help="items to extract (default 20000)")
    args = parser.parse_args(argv)
    extract = load_extract()
    stories = [(s["title"], s["summary"], parse_time(s["published"])) for s in load_corpus()]
    for story in stories:  # warm-up
        extract(*story)
    batch = stories * -(-args.items // len(stories))
    events = 0
    started = time.perf_counter()
    for story in batch:
        events += len(extract(*story))
    seconds = time.perf_counter() - started
    rate = len(batch) / seconds
    print(f"extract(): {len(batch):,} items in {seconds:.2f} s = {rate:,.0f} items/s "
          f"({events:,} events; target {TARGET:,}/s {'PASS' if rate >= TARGET else 'FAIL'}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
