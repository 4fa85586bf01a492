"""Read speed of every query the UI makes, on a 1,000,000-story store.

    .venv/bin/python benchmarks/queries.py [--rebuild] [--stories N]

Builds (once, cached under /tmp) a store with 1,000,000 stories over 180 days
(the default retention) from 200 feeds: 800,000 clusters, ~10% of stories carrying an
event in one of eight conflicts.  Rows are bulk-inserted with plain SQL into the
schema ``Store`` creates (full-text index rebuilt at the end); then each read is timed
through the public ``Store`` API.  Target: every pane query <= 20 ms.  Also times the
first ``stored_events()`` of a process (decoding every event) on this store and on
the 110,000-story store of benchmarks/tui.py: target <= 0.5 s on the latter.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import headline  # noqa: E402

from tui import BIG_DB as TUI_DB  # noqa: E402  (built by benchmarks/tui.py)

from sitmon.store import SCHEMA_VERSION, Store, conflict_tokens  # noqa: E402

# cached between runs; named by schema version, so a schema change builds anew
DB = Path(tempfile.gettempdir()) / f"sitmon-bench-queries-1m-v{SCHEMA_VERSION}.db"
END = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAYS = 180
CONFLICTS = ["Russia–Ukraine", "Israel–Hamas", "Armenia–Azerbaijan", "Sudan", "Myanmar",
             "DR Congo", "Yemen", "Sahel"]
TARGET_MS = 20.0


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _event(rng: random.Random, title: str) -> dict:
    kind = rng.choice(["casualty", "casualty", "violation", "violation", "truce"])
    event = {"type": kind, "conflict": rng.choice(CONFLICTS), "evidence": title + "."}
    if kind == "casualty":
        event.update(killed=rng.randint(1, 60), killed_high=None, wounded=None,
                     wounded_high=None, victims="civilians", side=None, scope="incident",
                     historical=False)
    elif kind == "violation":
        event.update(actor=None, claimed_by=None, location="Somewhere", weapon="drone",
                     breach=False)
    else:
        event.update(status=rng.choice(["agreed", "in_effect", "violated"]), parties=[],
                     mediators=[], kind=None, effective=None, ends=None)
    return event


def build(path: Path, n: int) -> None:
    """Bulk-load ``n`` stories into a fresh store file (minutes, once)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    Store(path).close()  # the real schema
    rng = random.Random(1)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'stories'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    feeds = [f"https://feed{i:03d}.example/rss" for i in range(200)]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO feeds(url, title, added, last_attempt, status) VALUES (?,?,?,?,200)",
                     [(u, f"Outlet {i}", _ts(END), _ts(END)) for i, u in enumerate(feeds)])
    start = END - timedelta(days=DAYS)
    step = DAYS * 86400 / n
    clusters: list[list] = []  # [id, title, published, updated, n_sources, tags, conflicts]
    stories, events, keys, cluster_conflicts = [], [], [], {}
    for i in range(n):
        published = _ts(start + timedelta(seconds=i * step))
        feed = feeds[rng.randrange(200)]
        if clusters and rng.random() < 0.2:
            cluster = clusters[-rng.randint(1, min(len(clusters), 200))]
            cluster[3] = published
            cluster[4] += 1
            title = "LIVE: " + cluster[1]
        else:
            title = headline(rng)
            cluster = [len(clusters) + 1, title, published, published, 1, "", "[]"]
            clusters.append(cluster)
            keys.extend((t, published, cluster[0]) for t in title.lower().split()[:3])
        stories.append([i + 1, feed, f"g{i}", f"{feed[:-4]}/{i}", title,
                        f"{title}. Reporters on the ground describe the scene.", published,
                        published, cluster[0], cluster])
        if rng.random() < 0.10:
            event = _event(rng, title)
            events.append((cluster[0], i + 1, event["type"], event["conflict"], published,
                           json.dumps(event)))
            cluster[5] = " ".join(sorted(set(cluster[5].split()) | {event["type"]}))
            cluster[6] = json.dumps(sorted(set(json.loads(cluster[6])) | {event["conflict"]}))
            cluster_conflicts[(event["conflict"], cluster[0])] = cluster
    conn.executemany("INSERT INTO clusters VALUES (?,?,?,?,?,?,?)", clusters)
    for row in stories:  # every story carries its cluster's final conflicts
        row[-1] = conflict_tokens(json.loads(row[-1][6]))
    conn.executemany("INSERT INTO stories(id, feed_url, guid, link, title, summary, published, "
                     "fetched, cluster_id, conflict_tokens) VALUES (?,?,?,?,?,?,?,?,?,?)", stories)
    conn.executemany("INSERT INTO events(cluster_id, story_key, type, conflict, published, data) "
                     "VALUES (?,?,?,?,?,?)", events)
    conn.executemany("INSERT OR IGNORE INTO cluster_keys VALUES (?,?,?)", keys)
    conn.executemany("INSERT INTO cluster_conflicts VALUES (?,?,?)",
                     [(conflict, c[0], c[3]) for (conflict, _), c in cluster_conflicts.items()])
    conn.execute("INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')")
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def timed(label: str, call, repeat: int = 7) -> float:
    """Median wall ms of ``repeat`` warm calls (CPU ms beside it: the wall figure is
    noisy on a loaded machine, the CPU one much less)."""
    call()  # warm the page cache, as a running UI would have it
    samples, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    ms = statistics.median(samples)
    size = len(result) if hasattr(result, "__len__") else 1
    flag = "OK" if ms <= TARGET_MS else "over"
    print(f"  {label:<52} {ms:8.2f} ms  cpu {statistics.median(cpu):7.2f} ms  "
          f"({size:,} rows)  {flag}")
    return ms


def first_load(path: Path) -> None:
    """The first ``stored_events()`` of a process: the TUI and ``sitmon export`` pay it
    once, decoding every event.  Target: <= 0.5 s on the 110,000-story store."""
    store = Store(path)
    started, started_cpu = time.perf_counter(), time.process_time()
    events = store.stored_events()
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    stories = store.counts()["stories"]
    store.close()
    print(f"  first stored_events(), {stories:,}-story store: {wall * 1000:6.0f} ms  "
          f"cpu {cpu * 1000:6.0f} ms  ({len(events):,} events)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--stories", type=int, default=1_000_000)
    args = parser.parse_args()
    path = DB if args.stories == 1_000_000 else DB.with_name(f"sitmon-bench-queries-{args.stories}-v{SCHEMA_VERSION}.db")
    if args.rebuild or not path.exists():
        started = time.perf_counter()
        print(f"building {args.stories:,}-story store at {path} ...", flush=True)
        build(path, args.stories)
        print(f"  built in {time.perf_counter() - started:.0f} s, "
              f"{path.stat().st_size / 1e6:.0f} MB", flush=True)
    started = time.perf_counter()
    store = Store(path)
    print(f"open store (migrating an older schema, once): "
          f"{(time.perf_counter() - started) * 1000:.1f} ms")
    if TUI_DB.exists():
        first_load(TUI_DB)
    else:
        print(f"  ({TUI_DB} missing: run benchmarks/tui.py once to time the 110k first load)")
    first_load(path)
    counts = store.counts()
    print(f"stories {counts['stories']:,}  clusters {counts['clusters']:,}  "
          f"events {counts['events']:,}")
    newest = store.recent_clusters(limit=1)[0]
    month_ago = END - timedelta(days=30)
    results = {
        "recent_clusters(200)": timed("recent_clusters(limit=200)",
                                      lambda: store.recent_clusters(limit=200)),
        "recent_clusters(conflict)": timed(
            "recent_clusters(limit=200, conflict='Sudan')",
            lambda: store.recent_clusters(limit=200, conflict="Sudan")),
        "search": timed("search('missile strike', limit=100)",
                        lambda: store.search("missile strike", limit=100)),
        "search rare": timed("search('Kadugli hospital', limit=100)",
                             lambda: store.search("Kadugli hospital", limit=100)),
        "recent_clusters(query)": timed(
            "recent_clusters(query='ceasefire', conflict='Sudan')",
            lambda: store.recent_clusters(limit=200, query="ceasefire", conflict="Sudan")),
        "cluster_detail": timed("cluster_detail(newest)", lambda: store.cluster_detail(newest.id)),
        "stored_events 30d": timed("stored_events(since=30 days ago)",
                                   lambda: store.stored_events(since=month_ago)),
        "stored_events 30d conflict": timed(
            "stored_events(since=30 days ago, conflict='Sudan')",
            lambda: store.stored_events(since=month_ago, conflict="Sudan")),
        "feeds": timed("feeds()", store.feeds),
        "last_poll": timed("last_poll()", store.last_poll),
    }
    timed("stored_events() - everything, not a pane query", store.stored_events, repeat=3)
    store.close()
    over = [k for k, v in results.items() if v > TARGET_MS]
    print("all pane queries within 20 ms" if not over else f"over 20 ms: {', '.join(over)}")


if __name__ == "__main__":
    main()
