"""Benchmark: kill -9 a polling sitmon at random moments, many times over.

    python benchmarks/crash_kill.py [--kills 20] [--seed 7] [--window SECONDS]

Runs the rounds of tests/test_reliability_crash.py: a growing newsroom of 24
feeds with ETags on loopback; each round starts ``sitmon poll --once`` and
SIGKILLs it at a random moment within ``--window`` seconds (by default the
time an uninterrupted first poll of the same feeds takes, measured first, so
the kills fall in start-up, fetching and writing alike). After every kill the database must pass
``PRAGMA integrity_check``; after the last, one poll runs to the end and the
store must hold every story once, with the events of an uninterrupted run.
Prints kills survived, how many landed mid-write, and the recovery poll's time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_reliability_crash import check_store, clean_poll_seconds, kill_rounds, reference_events  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--window", type=float, help="kill within this many seconds of start")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitmon-crash-") as tmp:
        clean = clean_poll_seconds(Path(tmp), args.seed)
        window = args.window or clean
        report, newsroom, db = kill_rounds(Path(tmp), args.kills, args.seed, window)
        problems = report.problems + check_store(db, newsroom, reference_events(Path(tmp), newsroom))
        stories = sum(len(links) for links in newsroom.expected().values())
    moments = sorted(report.moments)
    print(f"clean poll     {clean:.1f} s (uninterrupted first poll); kill window {window:.1f} s")
    print(f"kills          {report.kills} of {args.kills} rounds (the rest had finished first)")
    if moments:
        print(f"kill moments   {moments[0]:.2f}-{moments[-1]:.2f} s after start")
    print(f"mid-write      {report.mid_write} kills left the store part-written")
    print(f"recovery poll  {report.final_seconds:.1f} s")
    print(f"stories        {stories} served, checked for loss and doubles")
    print(f"integrity      {'ok' if not problems else 'PROBLEMS'}")
    for problem in problems:
        print(f"  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
