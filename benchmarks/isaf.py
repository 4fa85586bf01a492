"""Killed figures on ISAF press releases against hand-counted gold.

Reads ../shared/eval/isaf/isaf_press_releases_test.csv (724 NATO/ISAF press
releases, 2009-2013, by Alex Strick van Linschoten, CC BY-SA 4.0) and runs each
release through ``sitmon.extract.extract`` exactly as a story is read (title =
the release's own headline when its first line is one, else empty; body = the
rest; published = the day after the event, as releases report "yesterday").

The release's killed figure is what the tally model would count for one story:
the sum of its current (not historical) incident ``killed`` figures once
``fold_casualties`` has folded the figures that tell the same deaths again
(headline and body, a summary and its details; see its docstring).  That fold
is part of reading a story: ``extract`` applies it once it imports it (then this
script does not fold again); until then this script applies it to extract's
output.  The model folds repeated reports of one incident across outlets the
same way.  Subsets by nationality do not arise in these releases.

Prints exact-match accuracy over all releases and over releases that report
deaths, mean absolute error, over/under counts, and the speed.

    python benchmarks/isaf.py [--verbose] [--misses N] [--csv PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ISAF, Release, load_isaf  # noqa: E402

import sitmon.extract  # noqa: E402
from sitmon.extract import extract  # noqa: E402
from sitmon.extract.casualty import fold_casualties  # noqa: E402
from sitmon.extract.events import Casualty  # noqa: E402

# extract() folds a story's casualties itself once it imports the fold
EXTRACT_FOLDS = hasattr(sitmon.extract, "fold_casualties")


def release_killed(release: Release) -> tuple[int, list[Casualty]]:
    """The release's killed figure and the casualty events that make it up."""
    events = extract(release.title, release.body, release.published)
    if not EXTRACT_FOLDS:
        events = fold_casualties(events, release.title)
    counted = [e for e in events if isinstance(e, Casualty) and e.killed and e.scope == "incident"
               and not e.historical]
    return sum(e.killed for e in counted), counted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=ISAF)
    parser.add_argument("--verbose", action="store_true", help="list the worst misses")
    parser.add_argument("--misses", type=int, default=25, help="how many misses to list")
    args = parser.parse_args(argv)
    releases = load_isaf(args.csv)
    started = time.perf_counter()
    results = [(rel, *release_killed(rel)) for rel in releases]
    seconds = time.perf_counter() - started
    exact = sum(rel.killed == got for rel, got, _ in results)
    deaths = [(rel.killed, got) for rel, got, _ in results if rel.killed > 0]
    exact_deaths = sum(gold == got for gold, got in deaths)
    mae = sum(abs(rel.killed - got) for rel, got, _ in results) / len(results)
    over = sum(got > rel.killed for rel, got, _ in results)
    under = sum(got < rel.killed for rel, got, _ in results)
    print(f"releases: {len(results)}  with deaths: {len(deaths)}")
    print(f"killed exact, all releases:         {exact / len(results):.3f}  (target 0.88)")
    print(f"killed exact, releases with deaths: {exact_deaths / len(deaths):.3f}  (target 0.70)")
    print(f"killed mean absolute error:         {mae:.3f}")
    print(f"over / under counted:               {over} / {under}")
    print(f"speed: {len(results) / seconds:,.0f} releases/s through extract() and the fold "
          f"({'in extract' if EXTRACT_FOLDS else 'applied here: extract() does not fold yet'})")
    if args.verbose:
        misses = sorted((r for r in results if r[0].killed != r[1]), key=lambda r: -abs(r[0].killed - r[1]))
        for rel, got, counted in misses[: args.misses]:
            print(f"\n=== {rel.ref[:70]}  gold {rel.killed}  got {got}")
            for event in counted:
                print(f"  +{event.killed}: {event.evidence[:220]}")
            if not counted:
                print("  " + " ".join(rel.body.split())[:600])
    return 0


if __name__ == "__main__":
    sys.exit(main())
