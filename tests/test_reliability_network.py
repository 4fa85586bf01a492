"""A hostile network, polled together with healthy feeds, as the user runs it.

Nine feeds that fail in every way the internet offers (a server that never
answers, a 100 MB body, a gzip bomb of 1 MB inflating to 1 GB, 429 with
Retry-After, 500, a redirect loop, an HTML page, a refused connection, a host
under ``.invalid``) sit beside five good feeds. One ``sitmon poll --once`` in a
subprocess must finish in time, store every good item, stay under 300 MB of
resident memory, and name each failure in words, on its output and in feed health.

The default-settings run waits out the 20 s whole-feed timeout for the silent
server, so it is marked ``heavy``; the default suite runs the same feeds with a
3 s timeout. ``benchmarks/hostile_network.py`` prints the figures.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest
from feedserver import FeedServer, gzip_bomb

from conftest import rss_document
from test_reliability_feeds import Run, in_words, open_store, run_sitmon, sitmon_env, write_config

DEADLINE_S = 60
PEAK_MB = 300
GOOD_FEEDS = 5
ITEMS_PER_FEED = 12
RETRY_AFTER_S = 120
UNRESOLVABLE = "http://wire.sitmon-test.invalid/world.rss"

# hostile feed -> words its failure must be given in (lower case)
EXPECTED_WORDS = {
    "silent": "timed out",
    "huge": "larger than",
    "bomb": "larger than",
    "busy": "429",
    "broken": "500",
    "loop": "too many redirects",
    "html": "not a feed",
    "refused": "connection refused",
    "unresolvable": "host not found",
}


@cache
def _bomb() -> bytes:
    """1 MB of gzip that inflates to 1 GB of zeros (built once: it takes 2 s)."""
    return gzip_bomb(2**30)


def _huge_body():
    """100 MB that starts like a feed, streamed with no Content-Length."""
    yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>'
    block = b"<!-- padding -->" * (2**16)  # 1 MB
    for _ in range(100):
        yield block


def _refused_url() -> str:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.rss"


def _good_items(feed: int) -> list[dict]:
    start = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
    return [{"title": f"Desk {feed}: shelling reported near Fuzuli, report {i}",
             "link": f"https://desk{feed}.example/story/{i}",
             "guid": f"desk{feed}-{i}",
             "summary": f"<p>Local officials described the {i}th night of artillery fire.</p>",
             "published": start + timedelta(minutes=7 * i)}
            for i in range(ITEMS_PER_FEED)]


def serve_hostile(server: FeedServer) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Register the hostile and good feeds; (hostile name -> URL, good URL -> links)."""
    hostile = {
        "silent": server.add("/silent.rss", hang=True),
        "huge": server.add("/huge.rss", chunks=_huge_body),
        "bomb": server.add("/bomb.rss", _bomb(), headers={"Content-Encoding": "gzip"}),
        "busy": server.add("/busy.rss", status=429, retry_after=str(RETRY_AFTER_S)),
        "broken": server.add("/broken.rss", b"upstream exploded", status=500, content_type="text/plain"),
        "loop": server.add("/loop-a.rss", status=302, location="/loop-b.rss"),
        "html": server.add("/page.rss", b"<!DOCTYPE html><html><body><h1>Welcome to our news site</h1>"
                           b"</body></html>", content_type="text/html; charset=utf-8"),
        "refused": _refused_url(),
        "unresolvable": UNRESOLVABLE,
    }
    server.add("/loop-b.rss", status=302, location="/loop-a.rss")
    good = {}
    for n in range(GOOD_FEEDS):
        items = _good_items(n)
        url = server.add(f"/good-{n}.rss", rss_document(items, title=f"Good desk {n}"))
        good[url] = {item["link"] for item in items}
    return hostile, good


@dataclass
class HostileRun:
    run: Run
    hostile: dict[str, str]
    good: dict[str, set[str]]
    stored: dict[str, set[str]]  # feed URL -> story links stored from it
    health: dict[str, object]  # feed URL -> store Feed


def poll_hostile(tmp: Path, **settings: object) -> HostileRun:
    """One ``sitmon poll --once`` over the hostile and good feeds (``settings`` go
    into the config; none means sitmon's defaults)."""
    with FeedServer() as server:
        hostile, good = serve_hostile(server)
        config = write_config(tmp / "config.toml", [*hostile.values(), *good], **settings)
        run = run_sitmon(["poll", "--once"], sitmon_env(config, tmp / "sitmon.db"), timeout=DEADLINE_S + 30)
    store = open_store(tmp / "sitmon.db")
    try:
        stored: dict[str, set[str]] = {}
        for story in store.export_stories(None):
            for source in story["sources"]:
                stored.setdefault(source["feed"], set()).add(source["url"])
        health = {feed.url: feed for feed in store.feeds()}
    finally:
        store.close()
    return HostileRun(run, hostile, good, stored, health)


def check_hostile(result: HostileRun) -> None:
    run = result.run
    assert run.code == 0 and "Traceback" not in run.output, run.output[-3000:]
    assert run.seconds < DEADLINE_S, f"poll took {run.seconds:.1f} s"
    assert run.peak_mb < PEAK_MB, f"peak resident memory {run.peak_mb:.0f} MB"
    for url, links in result.good.items():
        assert result.stored.get(url) == links, f"good feed {url} lost items"
        assert result.health[url].error is None
    for name, url in result.hostile.items():
        error = result.health[url].error
        assert in_words(error) and EXPECTED_WORDS[name] in error.lower(), f"{name}: {error!r}"
        assert f"FAIL {url}: {error}" in run.out, f"{name} failure not reported: {run.out[-2000:]}"
        assert url not in result.stored, f"{name} stored something"
    busy = result.health[result.hostile["busy"]]
    # Retry-After is honoured: no new attempt before the server said so
    assert busy.next_attempt - busy.last_attempt >= timedelta(seconds=RETRY_AFTER_S)


def test_hostile_network_with_a_short_timeout(tmp_path):
    """The same feeds with a 3 s whole-feed timeout: the default suite's variant."""
    result = poll_hostile(tmp_path, timeout=3, connect_timeout=2)
    check_hostile(result)
    assert result.health[result.hostile["silent"]].error == "timed out after 3 s"
    assert result.run.seconds < 20  # the silent server costs its 3 s, not the default 20 s


@pytest.mark.heavy
def test_hostile_network_under_default_settings(tmp_path):
    check_hostile(poll_hostile(tmp_path))
