"""Benchmark: polling 200 loopback feeds x 50 items, against feedparser alone.

    python benchmarks/poll.py [--feeds 200] [--items 50]

Prints, measured side by side in one run so machine noise cancels:
  (a) feedparser alone parsing the same documents in this process (best of 2),
  (b) ``poll_once`` fetching, parsing, extracting and storing them into a fresh
      store (target: <= 1.5 x (a)), the poller's first poll: it includes starting
      the parser processes (printed apart), which a running monitor pays once,
  (b2) the same poll again in that process, into another fresh store,
  (c) an unchanged re-poll where every feed answers 304, as the user runs it:
      ``python -m sitmon poll --once`` in a new process, start-up included
      (target: <= 1 s wall).
The feeds are served by tests/feedserver.py in a separate process, so the
server never competes with the poller for the GIL.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser

ROOT = Path(__file__).resolve().parent.parent
FEEDSERVER = ROOT / "tests" / "feedserver.py"

PLACES = ["Ganja", "Stepanakert", "Kharkiv", "Bakhmut", "Rafah", "Khan Younis", "El Fasher", "Omdurman",
          "Goma", "Sittwe", "Marib", "Idlib", "Tigray", "Mogadishu", "Kherson", "Zaporizhzhia", "Aleppo",
          "Kidal", "Bunia", "Hodeidah", "Tripoli", "Lashio", "Shusha", "Avdiivka"]
ACTORS = ["Russian forces", "Ukrainian troops", "the army", "rebels", "militants", "government forces",
          "the RSF", "Houthi fighters", "separatists", "drone units", "paramilitaries", "insurgents"]
EVENTS = [
    "{n} killed in {weapon} attack on {place}",
    "{actor} shell {place} overnight, {n} wounded",
    "Truce talks for {place} stall as {actor} advance",
    "Ceasefire in {place} broken hours after it began, officials say",
    "Humanitarian pause agreed for {place} from midnight",
    "{actor} accused of violating truce near {place}",
    "Death toll from {place} strike rises to {n}",
    "LIVE: fighting rages around {place}",
    "Clashes near {place} leave {n} dead | World news",
    "{weapon} strike on {place} market kills {n} - agencies",
    "Aid convoy reaches {place} under 72-hour truce",
    "Mediators propose ceasefire between {actor} and {other}",
]
WEAPONS = ["missile", "drone", "rocket", "artillery", "air", "mortar"]
SENTENCES = [
    "Local officials said {n} people were killed and {m} wounded when {weapon} fire hit {place}.",
    "{actor} denied responsibility and accused {other} of breaking the ceasefire.",
    "The truce, brokered by regional mediators, was due to take effect at midnight.",
    "Residents of {place} spent the night in basements as shelling continued.",
    "Aid agencies warned that supplies would run out within days.",
    "The war has killed more than {big} people since it began, according to the health ministry.",
]


def generate(directory: Path, feeds: int, items: int, seed: int = 7) -> list[bytes]:
    """Write ``feeds`` RSS files of ``items`` varied conflict stories; return their bytes."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 20, tzinfo=timezone.utc)
    documents = []
    for f in range(feeds):
        entries = []
        for i in range(items):
            words = {
                "n": rng.randint(1, 60), "m": rng.randint(1, 120), "big": rng.randint(600, 90000),
                "place": rng.choice(PLACES), "actor": rng.choice(ACTORS), "other": rng.choice(ACTORS),
                "weapon": rng.choice(WEAPONS),
            }
            title = rng.choice(EVENTS).format(**words)
            title = title[0].upper() + title[1:]
            body = " ".join(rng.choice(SENTENCES).format(**words) for _ in range(rng.randint(2, 4)))
            summary = f"<p>{body}</p><p><a href=\"https://outlet{f}.example/more\">Read more</a></p>"
            when = start + timedelta(minutes=rng.randint(0, 6 * 24 * 60))
            entries.append(
                f"<item><title>{escape(title)}</title>"
                f"<link>https://outlet{f}.example/world/{f}-{i}?utm_source=rss&amp;utm_medium=feed</link>"
                f"<guid isPermaLink=\"false\">outlet{f}-{i}</guid>"
                f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>"
                f"<description>{escape(summary)}</description></item>"
            )
        document = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>Outlet {f} world news</title><link>https://outlet{f}.example/</link>"
            f"<description>Benchmark feed {f}</description>{''.join(entries)}</channel></rss>\n"
        ).encode()
        (directory / f"feed{f}.xml").write_bytes(document)
        documents.append(document)
    return documents


def feedparser_alone(documents: list[bytes]) -> float:
    started = time.perf_counter()
    for document in documents:
        feedparser.parse(document)
    return time.perf_counter() - started


def fetch_and_parse_only(cfg, urls: list[str]) -> float:
    """The fetch and parse stages alone, threaded as poll_once runs them (fresh fetches)."""
    from concurrent.futures import ThreadPoolExecutor

    from sitmon.fetch import fetch_feed, make_client
    from sitmon.parse import parse_feed

    now = datetime.now(timezone.utc)

    def one(url: str) -> int:
        result = fetch_feed(client, url, cfg, now)
        return len(parse_feed(result.body or b"", result.headers, url, now).stories)

    with make_client(cfg) as client, ThreadPoolExecutor(cfg.concurrency) as pool:
        started = time.perf_counter()
        stories = sum(pool.map(one, urls))
        seconds = time.perf_counter() - started
    assert stories == len(urls) * 50 or stories > 0
    return seconds


def stage_shares(documents: list[bytes], conflicts: list) -> dict[str, float]:
    """CPU seconds of feedparser alone and of each sitmon stage run alone, one after
    the other in this thread, on the same documents: where (b)'s time goes.  CPU
    time does not depend on what else the machine is running."""
    from sitmon.extract import load_extractor
    from sitmon.parse import parse_feed
    from sitmon.store import Store

    now = datetime.now(timezone.utc)
    urls = [f"http://bench.example/feed{f}.xml" for f in range(len(documents))]
    cpu = time.process_time()
    for document in documents:
        feedparser.parse(document)
    shares = {"feedparser alone": time.process_time() - cpu}
    cpu = time.process_time()
    for document in documents:  # as parse_feed calls it: no HTML sanitising
        feedparser.parse(document, sanitize_html=False, resolve_relative_uris=False)
    called = time.process_time() - cpu
    cpu = time.process_time()
    parsed = [parse_feed(d, {}, u, now) for d, u in zip(documents, urls)]
    shares["sitmon parse"] = time.process_time() - cpu
    shares["  of which beyond feedparser"] = shares["sitmon parse"] - called
    extract = load_extractor(conflicts).extract
    cpu = time.process_time()
    events = [{s.id: [e.as_dict() for e in extract(s.title, s.summary, s.published)] for s in p.stories}
              for p in parsed]
    shares["extract"] = time.process_time() - cpu
    with tempfile.TemporaryDirectory(prefix="sitmon-bench-") as tmp, Store(Path(tmp) / "s.db") as store:
        cpu = time.process_time()
        for url, feed, found in zip(urls, parsed, events):
            store.ingest(url, feed.stories, found, {})
        shares["store"] = time.process_time() - cpu
    return shares


def parser_start_up() -> float:
    """Wall seconds a new parser fork server needs before its first worker can run:
    a fresh interpreter importing what ``sitmon.poll`` preloads (the extraction
    rules compiled and warmed).  A poller pays it once, in its first big poll."""
    from sitmon.poll import _PRELOAD

    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "; ".join(f"import {m}" for m in _PRELOAD)], check=True)
    return time.perf_counter() - started


def serve(directory: Path) -> tuple[subprocess.Popen, int]:
    server = subprocess.Popen(
        [sys.executable, str(FEEDSERVER), str(directory)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    return server, int(server.stdout.readline())


def write_config(path: Path) -> None:
    # default settings (8 feeds at once, 2 per host: all 200 share one host here),
    # without sitmon's built-in feed list, which cannot be reached offline
    path.write_text("default_feeds = false\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    args = parser.parse_args()

    from sitmon.config import load_config
    from sitmon.extract import RULES_VERSION
    from sitmon.poll import poll_once
    from sitmon.store import Store

    load_before = os.getloadavg()  # the machine's other work stretches every wall time
    with tempfile.TemporaryDirectory(prefix="sitmon-bench-") as tmp:
        work = Path(tmp)
        served = work / "feeds"
        served.mkdir()
        documents = generate(served, args.feeds, args.items)
        config_path, db_path = work / "config.toml", work / "sitmon.db"
        write_config(config_path)
        cfg = load_config(config_path)
        server, port = serve(served)
        try:
            store = Store(db_path)
            for f in range(args.feeds):
                store.add_feed(f"http://127.0.0.1:{port}/feed{f}.xml")
            parse_alone = min(feedparser_alone(documents) for _ in range(2))
            first = poll_once(store, cfg)
            # the same poll in a poller that already ran one (its parser server is up),
            # into another fresh store: what each big poll costs a running monitor
            with Store(work / "again.db") as again_store:
                for feed in store.feeds():
                    again_store.add_feed(feed.url)
                again = poll_once(again_store, cfg)
            fetch_parse = fetch_and_parse_only(cfg, [f.url for f in store.feeds()])
            # as the CLI does on a new database, so (c) does not re-read every story
            store.set_rules_version(RULES_VERSION)
            store.close()
            assert not first.feeds_failed, first.feeds_failed[:3]
            started = time.perf_counter()
            cli = subprocess.run(
                [sys.executable, "-m", "sitmon", "--config", str(config_path), "--db", str(db_path), "poll", "--once"],
                capture_output=True, text=True,
            )
            repoll = time.perf_counter() - started
        finally:
            server.stdin.close()
            server.wait(timeout=10)

    shares = stage_shares(documents, cfg.conflicts)
    start_up = min(parser_start_up() for _ in range(2))
    items = args.feeds * args.items
    print("load average (1, 5, 15 min) at start: {:.2f} {:.2f} {:.2f}, at end: {:.2f} {:.2f} {:.2f}".format(
        *load_before, *os.getloadavg()))
    print(f"{args.feeds} feeds x {args.items} items = {items} items, {sum(map(len, documents)) / 2**20:.1f} MB")
    print(f"(a) feedparser alone, one process:  {parse_alone:6.2f} s")
    print(f"(b) sitmon poll_once, fresh store:  {first.seconds:6.2f} s  ({first.new_stories} new stories, "
          f"{first.new_clusters} clusters, {first.events} events, {items / first.seconds:,.0f} items/s)")
    print(f"    ratio (b)/(a): {first.seconds / parse_alone:.2f}   target <= 1.5")
    print(f"(b2) the same poll again in the same process, into another fresh store: {again.seconds:.2f} s "
          f"= {again.seconds / parse_alone:.2f} x (a)  ({again.new_stories} new stories)")
    print(f"    of which fetch + parse alone (threaded, no extract/store): {fetch_parse:.2f} s "
          f"= {fetch_parse / parse_alone:.2f} x (a)")
    print(f"    (b) includes the parser processes' start-up, once per poller process: {start_up:.2f} s "
          "(a new interpreter importing the parser and readying the rules)")
    base = shares["feedparser alone"]
    print("    CPU seconds by stage, each alone in one thread (x feedparser's CPU): " + ", ".join(
        f"{stage} {seconds:.2f} ({seconds / base:.2f} x)" for stage, seconds in shares.items()))
    stages = sum(v for k, v in shares.items() if not k.startswith(" ")) - base
    print(f"    sum of sitmon stages: {stages / base:.2f} x feedparser's CPU")
    print(f"(c) re-poll, all 304, `python -m sitmon poll --once` wall incl. start-up: {repoll:.2f} s   target <= 1 s")
    print(f"    CLI said: {cli.stdout.strip().splitlines()[-1] if cli.stdout.strip() else cli.stderr.strip()}")
    return 0 if cli.returncode == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
