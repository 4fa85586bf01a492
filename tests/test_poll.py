"""poll_once end to end: loopback feeds -> real Store in a temporary SQLite file."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from conftest import fixture_feed, rss_document

from sitmon.config import Config
from sitmon.parse import Story
from sitmon.poll import PollReport, _extract_all, poll_forever, poll_once

store_module = pytest.importorskip("sitmon.store")

NOW = datetime(2020, 10, 18, 9, 0, tzinfo=timezone.utc)
OUTLETS = {"/wire.rss": "caucasus_wire.rss", "/globe.atom": "daily_globe.atom", "/radio.rdf": "highland_radio.rdf"}


@pytest.fixture
def cfg() -> Config:
    return Config(timeout=2.0, connect_timeout=1.0, max_bytes=1024 * 1024, poll_interval=300, feeds=[])


@pytest.fixture
def store(tmp_path):
    s = store_module.Store(tmp_path / "sitmon.db")
    yield s
    s.close()


def serve(feed_server, store, routes: dict[str, dict]) -> list[str]:
    """Register routes (path -> FeedServer.add options) and add them to the store as feeds."""
    urls = []
    for path, options in routes.items():
        url = feed_server.add(path, **options)
        store.add_feed(url)
        urls.append(url)
    return urls


def outlets(feed_server, store, **extra) -> list[str]:
    return serve(feed_server, store, {
        path: {"body": fixture_feed(name), "etag": f'"{name}-1"', **extra} for path, name in OUTLETS.items()
    })


def feed_health(store, url: str):
    return next(f for f in store.feeds(include_disabled=True) if f.url == url)


def stored_feeds(store) -> set[str]:
    return {source["feed"] for story in store.export_stories(None) for source in story["sources"]}


def test_three_outlets_are_stored_with_their_health(feed_server, store, cfg):
    urls = outlets(feed_server, store)
    report = poll_once(store, cfg, now=NOW)
    assert isinstance(report, PollReport)
    assert report.feeds_ok == 3 and report.feeds_failed == [] and report.feeds_not_modified == 0
    assert report.new_stories == 4 + 3 + 2  # every entry with a title or summary
    assert stored_feeds(store) == set(urls)
    wire = feed_health(store, urls[0])
    assert wire.status == 200 and not wire.error
    assert wire.items == 5 and wire.etag == '"caucasus_wire.rss-1"'
    assert wire.title == "Caucasus Wire & Agencies"


def test_unchanged_repoll_costs_a_304_and_stores_nothing(feed_server, store, cfg):
    urls = outlets(feed_server, store)
    poll_once(store, cfg, now=NOW)
    stories_before = len(store.export_stories(None))
    again = poll_once(store, cfg, now=NOW + timedelta(minutes=5))
    assert again.feeds_not_modified == 3 and again.feeds_ok == 0 and again.new_stories == 0
    assert len(store.export_stories(None)) == stories_before
    assert feed_server.last_headers("/wire.rss")["if-none-match"] == '"caucasus_wire.rss-1"'
    assert feed_health(store, urls[0]).status == 304


def test_failing_feed_is_reported_backs_off_and_can_be_forced(feed_server, store, cfg):
    good = outlets(feed_server, store)
    [broken] = serve(feed_server, store, {"/boom": {"body": b"oops", "status": 500}})
    report = poll_once(store, cfg, now=NOW)
    assert report.feeds_ok == 3
    assert report.feeds_failed == [(broken, "HTTP 500 Internal Server Error")]
    health = feed_health(store, broken)
    assert health.error == "HTTP 500 Internal Server Error" and health.status == 500
    assert health.failures == 1
    # backing off: the next regular poll leaves it alone, a forced one does not
    later = poll_once(store, cfg, now=NOW + timedelta(minutes=1))
    assert later.feeds_skipped == 1 and feed_server.hits("/boom") == 1
    forced = poll_once(store, cfg, now=NOW + timedelta(minutes=1), force=True)
    assert feed_server.hits("/boom") == 2 and forced.feeds_not_modified == len(good)
    assert feed_health(store, broken).failures == 2


def test_permanent_redirect_moves_the_feed(feed_server, store, cfg):
    feed_server.add("/new.rss", fixture_feed("caucasus_wire.rss"))
    [old] = serve(feed_server, store, {"/old.rss": {"status": 301, "location": "/new.rss"}})
    report = poll_once(store, cfg, now=NOW)
    new = feed_server.url("/new.rss")
    assert report.feeds_ok == 1
    assert [f.url for f in store.feeds(include_disabled=True)] == [new]
    assert stored_feeds(store) == {new}


def test_redirect_onto_a_feed_already_stored_keeps_both(feed_server, store, cfg):
    [new] = serve(feed_server, store, {"/new.rss": {"body": fixture_feed("caucasus_wire.rss")}})
    [old] = serve(feed_server, store, {"/old.rss": {"status": 308, "location": "/new.rss"}})
    report = poll_once(store, cfg, now=NOW)
    assert report.feeds_ok == 2 and report.feeds_failed == []
    assert {f.url for f in store.feeds(include_disabled=True)} == {old, new}
    assert stored_feeds(store) == {old, new}


def test_retry_after_is_honoured(feed_server, store, cfg):
    [busy] = serve(feed_server, store, {"/busy": {"status": 429, "retry_after": "7200"}})
    report = poll_once(store, cfg, now=NOW)
    assert report.feeds_failed == [(busy, "HTTP 429 Too Many Requests")]
    assert poll_once(store, cfg, now=NOW + timedelta(minutes=90)).feeds_skipped == 1
    assert poll_once(store, cfg, now=NOW + timedelta(hours=2, seconds=1)).feeds_failed
    assert feed_server.hits("/busy") == 2


def test_dead_feeds_do_not_hold_up_the_good_ones(feed_server, store, cfg):
    good = outlets(feed_server, store)
    dead = serve(feed_server, store, {
        "/dead": {"hang": True},
        "/drip": {"body": b"<rss>" + b" " * 5000, "trickle": 0.05},
        "/page": {"body": fixture_feed("not_a_feed.html"), "content_type": "text/html"},
    })
    started = time.monotonic()
    report = poll_once(store, cfg, now=NOW)
    assert time.monotonic() - started < cfg.timeout + 1.0
    assert report.feeds_ok == len(good)
    assert dict(report.feeds_failed) == {
        dead[0]: "timed out after 2 s",
        dead[1]: "timed out after 2 s",
        dead[2]: "not a feed (text/html)",
    }
    assert feed_health(store, dead[2]).error == "not a feed (text/html)"


def test_bozo_warning_is_kept_on_the_feed(feed_server, store, cfg):
    [url] = serve(feed_server, store, {"/blog": {"body": fixture_feed("broken_but_readable.xml")}})
    report = poll_once(store, cfg, now=NOW)
    assert report.feeds_ok == 1 and report.new_stories == 1
    assert "undefined entity" in feed_health(store, url).bozo


def test_no_more_than_per_host_fetches_at_once(feed_server, store, cfg):
    cfg.per_host, cfg.concurrency = 2, 8
    body = rss_document([{"guid": "1", "title": "Shelling resumes"}])
    serve(feed_server, store, {f"/f{i}": {"body": body, "delay": 0.2} for i in range(6)})
    report = poll_once(store, cfg, now=NOW)
    assert report.feeds_ok == 6
    assert feed_server.peak_in_flight == 2


def test_stories_get_their_events(feed_server, store, cfg):
    if not hasattr(pytest.importorskip("sitmon.extract"), "extract"):
        pytest.skip("sitmon.extract.extract not written yet")
    outlets(feed_server, store)
    report = poll_once(store, cfg, now=NOW)
    assert report.extract_errors == 0
    assert report.events > 0
    kinds = {e.data["type"] for e in store.stored_events()}
    assert {"truce", "casualty"} <= kinds


def test_an_extraction_crash_costs_only_that_story_its_events():
    stories = [
        Story("a", "https://x.example/", None, "Ceasefire holds", "", NOW),
        Story("b", "https://x.example/", None, "crash me", "", NOW),
    ]

    def fragile(title, summary, published):
        if title == "crash me":
            raise ValueError("unreadable sentence")
        return [{"type": "truce", "conflict": None, "evidence": title}]

    events, errors = _extract_all(stories, fragile)
    assert errors == 1
    assert events == {"a": [{"type": "truce", "conflict": None, "evidence": "Ceasefire holds"}]}


def test_poll_forever_polls_until_stopped(feed_server, store, cfg):
    outlets(feed_server, store)
    stop = threading.Event()
    reports: list[PollReport] = []

    def on_report(report: PollReport) -> None:
        reports.append(report)
        if len(reports) == 2:
            stop.set()

    started = time.monotonic()
    poll_forever(store, cfg, 0.05, stop, on_report)
    assert time.monotonic() - started < 5
    assert len(reports) == 2
    assert reports[0].feeds_ok == 3 and reports[1].feeds_not_modified == 3
