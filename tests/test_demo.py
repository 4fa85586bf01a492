"""`sitmon --demo`'s feeds, loopback server and throwaway database (no Textual here)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import httpx
from terminal import quit_with_q, read_until, spawn

from sitmon.demo import demo_templates, render_feed, start_demo
from sitmon.poll import poll_once
from sitmon.store import Store

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_every_demo_feed_parses_cleanly_with_times_relative_to_the_start() -> None:
    templates = demo_templates()
    assert len(templates) >= 5
    for name, template in templates.items():
        parsed = feedparser.parse(render_feed(template, START, 10_000).encode())
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert len(parsed.entries) >= 5
        for entry in parsed.entries:
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            when = datetime(*stamp[:6], tzinfo=timezone.utc)
            assert START - timedelta(days=9) <= when <= START + timedelta(hours=1), (name, entry.title)


def test_items_are_revealed_over_time() -> None:
    template = demo_templates()["eastern.atom"]
    before = feedparser.parse(render_feed(template, START, 0).encode()).entries
    after = feedparser.parse(render_feed(template, START, 60).encode()).entries
    assert len(after) == len(before) + 1
    new = next(e for e in after if e.title not in {b.title for b in before})
    assert "Hadrut" in new.title
    assert new.updated == (START + timedelta(seconds=40)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_demo_serves_on_loopback_into_a_throwaway_database(tmp_path: Path) -> None:
    clock = Clock()
    session = start_demo(interval=7, start=START, clock=clock)
    try:
        assert session.interval == 7 and session.config.poll_interval == 7
        assert session.db_path.parent == session.directory
        assert str(session.db_path) != os.environ["SITMON_DB"]
        assert all(urlsplit(url).hostname == "127.0.0.1" for url, _ in session.config.feeds)
        store = Store(session.db_path)
        try:
            first = poll_once(store, session.config, now=START)
            assert first.feeds_ok == 5 and len(first.feeds_failed) == 1
            assert "503" in first.feeds_failed[0][1]
            assert first.new_stories >= 35 and first.new_clusters < first.new_stories
            clock.t = 200  # every hidden item is now published
            second = poll_once(store, session.config, now=START + timedelta(minutes=4), force=True)
            assert second.new_stories >= 5
            third = poll_once(store, session.config, now=START + timedelta(minutes=5), force=True)
            assert third.new_stories == 0 and third.feeds_not_modified == 5  # ETags answer 304
        finally:
            store.close()
    finally:
        session.stop()
    assert not session.directory.exists()
    assert not Path(os.environ["SITMON_DB"]).exists()


def test_demo_server_answers_conditional_requests(tmp_path: Path) -> None:
    session = start_demo(start=START, clock=Clock(), directory=tmp_path / "demo")
    try:
        url = f"{session.base_url}/meridian.rss"
        first = httpx.get(url)
        assert first.status_code == 200 and first.headers["content-type"].startswith("application/rss+xml")
        again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        newest = feedparser.parse(first.content).entries[0]
        assert parsedate_to_datetime(newest.published) <= START
        assert httpx.get(f"{session.base_url}/nope.xml").status_code == 404
    finally:
        session.stop()


def test_sitmon_demo_in_a_terminal_fills_the_panes_and_quits_with_q(tmp_path: Path) -> None:
    """The README's first command, in a real pseudo-terminal: panes filled, `q` exits 0."""
    pid, fd = spawn("--demo")
    wanted = ("BREACH", "Armenia-Azerbaijan", "Ganja", "Stories")
    try:
        text = read_until(fd, wanted, seconds=20)
        assert all(w in text for w in wanted), text[-2000:]
        assert "new truce violation" not in text  # the first poll's backlog is not announced
    finally:
        code = quit_with_q(pid, fd)
    assert code == 0
    assert not Path(os.environ["SITMON_DB"]).exists()  # the user's database was never created
