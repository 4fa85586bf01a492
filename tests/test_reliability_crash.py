"""Crashes: ``kill -9`` in the middle of a poll, and two pollers at once.

A newsroom of feeds on loopback (with ETags, so a feed recorded as fetched but
whose stories were lost would answer 304 and never give them again) grows a
couple of stories per feed between rounds. Each round starts ``sitmon poll --once`` and kills
it with SIGKILL at a random moment of its run. After every kill the database
must pass ``PRAGMA integrity_check``; after the last, a poll left alone must
complete and the store must hold every story the feeds serve, each once, with
as many extracted events as a database that was never interrupted.

Two ``sitmon poll --once`` started together on one database must both finish
with no "database is locked" and store each story once.

``benchmarks/crash_kill.py`` runs 20 kills and prints the figures.
"""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from feedserver import FeedServer

from conftest import rss_document
from test_reliability_feeds import open_store, run_sitmon, sitmon_env, write_config

FEEDS = 24
FIRST_ITEMS = 20  # stories per feed before the first round
GROWTH = 2  # stories added to every feed before each round, so every poll writes throughout
PLACES = ["Ganja", "Stepanakert", "Kharkiv", "Rafah", "El Fasher", "Goma", "Marib", "Idlib",
          "Kherson", "Shusha", "Aleppo", "Bunia"]
WEAPONS = ["missile", "drone", "rocket", "artillery"]


class Newsroom:
    """Feeds that only ever grow, served with an ETag that changes as they do."""

    def __init__(self, server: FeedServer, rng: random.Random, feeds: int = FEEDS, first: int = FIRST_ITEMS) -> None:
        self.server = server
        self.rng = rng
        self.items: dict[str, list[dict]] = {f"/desk-{n}.rss": [] for n in range(feeds)}
        self.urls = {path: server.url(path) for path in self.items}
        for path in self.items:
            self._write(path, first)

    def grow(self) -> None:
        for path in self.items:
            self._write(path, GROWTH)

    def expected(self) -> dict[str, set[str]]:
        """Feed URL -> the links of every story it serves now."""
        return {self.urls[path]: {item["link"] for item in items} for path, items in self.items.items()}

    def _write(self, path: str, new: int) -> None:
        items = self.items[path]
        for _ in range(new):
            items.append(self._story(path, len(items)))
        self.server.add(path, rss_document(items, title=f"Desk {path}"), etag=f'"{len(items)}"')

    def _story(self, path: str, n: int) -> dict:
        desk = path.strip("/").removesuffix(".rss")
        place = self.rng.choice(PLACES)
        killed = self.rng.randint(2, 90)
        return {
            "title": f"{killed} killed in {self.rng.choice(WEAPONS)} strike on {place} ({desk}, report {n})",
            "summary": f"<p>Officials in {place} said {killed} people were killed overnight.</p>",
            "link": f"https://{desk}.example/{n}",
            "guid": f"{desk}-{n}",
            "published": datetime(2026, 11, 1, tzinfo=timezone.utc) + timedelta(minutes=n),
        }


def start_poll(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sitmon", "poll", "--once"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def integrity(db: Path) -> str:
    """SQLite's integrity check, then FTS5's check of the full-text index against the
    stories it indexes (a story left out of it or in it twice is not a page fault)."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict == "ok" and conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'stories_fts'").fetchone():
            try:
                conn.execute("INSERT INTO stories_fts(stories_fts, rank) VALUES ('integrity-check', 1)")
            except sqlite3.DatabaseError as exc:
                return f"the full-text index does not match the stories ({exc})"
        return verdict
    finally:
        conn.close()


def stored_links(db: Path) -> Counter:
    """(feed URL, story link) -> how many times the store exports it."""
    store = open_store(db)
    try:
        return Counter((s["feed"], s["url"]) for story in store.export_stories(None) for s in story["sources"])
    finally:
        store.close()


def event_count(db: Path) -> int:
    store = open_store(db)
    try:
        return len(store.stored_events())
    finally:
        store.close()


@dataclass
class KillReport:
    kills: int = 0
    mid_write: int = 0  # kills after the poll had stored something but not everything
    moments: list[float] = field(default_factory=list)  # seconds after start of each kill
    final_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def clean_poll_seconds(tmp: Path, seed: int = 7, **size: int) -> float:
    """How long an uninterrupted first poll of the newsroom takes, start-up included,
    once the compiled rules are in the cache directory (the very first poll also
    compiles them, and takes twice as long as the polls the kills are aimed at)."""
    with FeedServer() as server:
        newsroom = Newsroom(server, random.Random(seed), **size)
        urls = list(newsroom.urls.values())
        for run in ("cold", "timed"):
            env = sitmon_env(write_config(tmp / f"timing-{run}.toml", urls), tmp / f"timing-{run}.db")
            seconds = run_sitmon(["poll", "--once"], env).seconds
        return seconds


def kill_rounds(tmp: Path, kills: int, seed: int = 7, window: float = 2.5,
                **size: int) -> tuple[KillReport, Newsroom, Path]:
    """``kills`` rounds of grow, start a poll, SIGKILL it; then one poll to the end.

    Even rounds kill at a random moment within ``window`` seconds of the start
    (start-up, fetching or writing, whichever it is then); odd rounds wait for the
    poll's first new story and kill within the next 0.02 s, so that some kills
    surely land while feeds are being written. Problems are collected, not raised.
    """
    rng = random.Random(seed)
    report = KillReport()
    db = tmp / "sitmon.db"
    server = FeedServer()
    newsroom = Newsroom(server, rng, **size)
    env = sitmon_env(write_config(tmp / "config.toml", list(newsroom.urls.values())), db)
    held = 0
    for round_ in range(kills):
        newsroom.grow()
        started = time.monotonic()
        poller = start_poll(env)
        if round_ % 2 == 0:
            time.sleep(rng.uniform(0.2, window))
        elif _first_write(db, held, poller):
            # at once: a poll of these feeds writes its last batch within ~0.1 s of its first
            time.sleep(rng.uniform(0, 0.02))
        if poller.poll() is None:
            poller.send_signal(signal.SIGKILL)
            report.kills += 1
            report.moments.append(time.monotonic() - started)
        output = poller.communicate()[0].decode("utf-8", "replace")
        if "Traceback" in output:
            report.problems.append(f"round {round_}: traceback\n{output[-2000:]}")
        if db.exists():
            check = integrity(db)
            if check != "ok":
                report.problems.append(f"round {round_}: integrity_check says {check}")
                break
            before, held = held, _story_rows(db)
            if before < held < sum(len(links) for links in newsroom.expected().values()):
                report.mid_write += 1
    final = run_sitmon(["poll", "--once"], env)
    server.close()
    report.final_seconds = final.seconds
    if final.code != 0 or "Traceback" in final.output:
        report.problems.append(f"poll after the kills failed ({final.code}): {final.output[-2000:]}")
    return report, newsroom, db


def _story_rows(db: Path) -> int:
    """Stories in the database, read without the store (a read never blocks the writer in WAL)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet, or mid-creation
        return 0


def _first_write(db: Path, held: int, poller: subprocess.Popen, patience: float = 60) -> bool:
    """Wait until the poll has stored a story (True) or ended (False)."""
    deadline = time.monotonic() + patience
    while poller.poll() is None and time.monotonic() < deadline:
        if _story_rows(db) > held:
            return True
        time.sleep(0.02)
    return False


def check_store(db: Path, newsroom: Newsroom, reference_events: int | None = None) -> list[str]:
    """What is wrong with the store after recovery: lost or doubled stories, lost events."""
    problems = []
    if (check := integrity(db)) != "ok":
        problems.append(f"integrity_check says {check}")
    links = stored_links(db)
    doubled = [key for key, count in links.items() if count > 1]
    if doubled:
        problems.append(f"{len(doubled)} stories stored twice, e.g. {doubled[:3]}")
    for url, expected in newsroom.expected().items():
        lost = expected - {link for feed, link in links if feed == url}
        if lost:
            problems.append(f"{len(lost)} stories of {url} lost, e.g. {sorted(lost)[:3]}")
    if reference_events is not None and (events := event_count(db)) != reference_events:
        problems.append(f"{events} events stored, {reference_events} in an uninterrupted run")
    return problems


def reference_events(tmp: Path, newsroom: Newsroom) -> int:
    """Events stored by one clean poll of the same feeds into a fresh database."""
    with FeedServer() as server:
        urls = []
        for path, items in newsroom.items.items():
            urls.append(server.add(path, rss_document(items, title=f"Desk {path}")))
        env = sitmon_env(write_config(tmp / "clean.toml", urls), tmp / "clean.db")
        run = run_sitmon(["poll", "--once"], env)
    assert run.code == 0, run.output[-2000:]
    return event_count(tmp / "clean.db")


def test_kill_9_during_polls_loses_and_doubles_nothing(tmp_path):
    # Kill within the time a clean poll takes on this machine: a fixed window
    # would let a fast machine finish its polls before the kill lands.
    window = 0.9 * clean_poll_seconds(tmp_path)
    report, newsroom, db = kill_rounds(tmp_path, kills=3, window=window)
    assert not report.problems, "\n".join(report.problems)
    assert report.kills >= 2, f"only {report.kills} polls were still running when killed"
    assert report.mid_write >= 1, "no kill landed while stories were being written"
    problems = check_store(db, newsroom, reference_events(tmp_path, newsroom))
    assert not problems, "\n".join(problems)


def test_two_pollers_at_once_never_lock_or_double(tmp_path):
    with FeedServer() as server:
        newsroom = Newsroom(server, random.Random(11), feeds=12, first=10)
        env = sitmon_env(write_config(tmp_path / "config.toml", list(newsroom.urls.values())),
                         tmp_path / "sitmon.db")
        run_sitmon(["feeds", "list"], env)  # create the database first: both then start polling at once
        pollers = [start_poll(env) for _ in range(2)]
        outputs = [p.communicate(timeout=120)[0].decode("utf-8", "replace") for p in pollers]
    for poller, output in zip(pollers, outputs):
        assert poller.returncode == 0 and "Traceback" not in output, output[-2000:]
        assert "locked" not in output.lower(), output[-2000:]
    # both fetched every feed; between them each story was stored exactly once
    told = [int(re.search(r"(\d+) new stories", output).group(1)) for output in outputs]
    assert sum(told) == sum(len(links) for links in newsroom.expected().values()), told
    problems = check_store(tmp_path / "sitmon.db", newsroom)
    assert not problems, "\n".join(problems)
    store = open_store(tmp_path / "sitmon.db")
    try:
        errors = [f.error for f in store.feeds() if f.error]
    finally:
        store.close()
    assert not errors, errors
