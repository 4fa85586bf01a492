"""Benchmark: a hostile network beside five good feeds, under default settings.

    python benchmarks/hostile_network.py [--timeout SECONDS]

Serves, on loopback, a server that never answers, a 100 MB body, a gzip bomb
(1 MB inflating to 1 GB), 429 with Retry-After, 500, a redirect loop, an HTML
page, plus a refused port and a host under ``.invalid``, beside five good
feeds, and runs one ``sitmon poll --once`` subprocess over all of them (the
feeds are those of tests/test_reliability_network.py). Prints the wall time,
the poller's peak resident memory, the good items stored and each failure as
the user sees it. Targets: under 60 s, under 300 MB, every good item stored.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_reliability_network import DEADLINE_S, PEAK_MB, check_hostile, poll_hostile  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, help="whole-feed timeout (default: sitmon's own)")
    args = parser.parse_args()
    settings = {"timeout": args.timeout} if args.timeout else {}
    with tempfile.TemporaryDirectory(prefix="sitmon-hostile-") as tmp:
        result = poll_hostile(Path(tmp), **settings)
    good = sum(len(links) for links in result.good.values())
    kept = sum(len(result.stored.get(url, set()) & links) for url, links in result.good.items())
    print(f"seconds        {result.run.seconds:.1f}  (target < {DEADLINE_S})")
    print(f"peak MB        {result.run.peak_mb:.0f}  (target < {PEAK_MB})")
    print(f"good items     {kept} of {good} stored")
    for name, url in result.hostile.items():
        print(f"  {name:<13}{result.health[url].error}")
    try:
        check_hostile(result)
    except AssertionError as exc:
        print(f"FAILED: {exc}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
