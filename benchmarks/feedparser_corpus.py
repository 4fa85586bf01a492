"""Benchmark: the whole feedparser corpus polled in one run.

    python benchmarks/feedparser_corpus.py [--sample N]

Serves every document of ../shared/eval/feedparser-corpus (feedparser's own
test files: broken XML, odd encodings, entities, every format) on loopback,
each with the HTTP header its index gives it, and runs one
``sitmon poll --once`` subprocess over all of them (the helpers of
tests/test_reliability_feeds.py). Prints the files polled, the files in which
feedparser itself finds an entry with a title or summary ("eligible"), how
many of those sitmon stored a story from (target >= 95%), the broken files
and how many show their problem in feed health, the poll's wall time and peak
memory, and the eligible files that gave no story.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_reliability_feeds import COVERAGE_TARGET, check_corpus, corpus_files, in_words, poll_corpus  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, help="poll every n-th file only, about N files")
    args = parser.parse_args()
    files = corpus_files(sample=args.sample)
    with tempfile.TemporaryDirectory(prefix="sitmon-corpus-") as tmp:
        result = poll_corpus(Path(tmp), files)
    run = result.run
    if run.code != 0:
        print(f"FAILED: sitmon poll exited {run.code}\n{run.output[-3000:]}")
        return 1
    eligible, covered = result.with_story(), result.covered()
    broken = [f for f in files if f.is_broken()]
    explained = [f for f in broken if in_words(result.health[result.urls[f.path]].error)
                 or in_words(result.health[result.urls[f.path]].bozo)]
    failed = sum(1 for feed in result.health.values() if feed.error)
    print(f"files polled   {len(files)}")
    print(f"covered        {len(covered)} of {len(eligible)} eligible files "
          f"({len(covered) / len(eligible):.1%}; target {COVERAGE_TARGET:.0%})")
    print(f"stories        {result.stories}")
    print(f"broken files   {len(broken)} (feedparser bozo), {len(explained)} explained in feed health; "
          f"{failed} feeds failed outright")
    print(f"seconds        {run.seconds:.1f}  (whole `sitmon poll --once`, start-up included)")
    print(f"peak MB        {run.peak_mb:.0f}")
    print(f"traceback      {'YES' if 'Traceback' in run.output else 'none'}")
    for f in result.missing():
        print(f"  no story: {f.path}")
    try:
        check_corpus(result)
    except AssertionError as exc:
        print(f"FAILED: {exc}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
