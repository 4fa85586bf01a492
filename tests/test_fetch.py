"""fetch_feed against a real loopback HTTP server: every limit and every failure in words."""

from __future__ import annotations

import socket
import time
import tracemalloc
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from conftest import fixture_feed
from feedserver import gzip_bomb

from sitmon import __version__
from sitmon.config import Config
from sitmon.fetch import USER_AGENT, fetch_feed, make_client, next_attempt

NOW = datetime(2020, 10, 18, 9, 0, tzinfo=timezone.utc)


@dataclass
class StoredFeed:
    """What fetch_feed reads from the store's feed record."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@pytest.fixture
def cfg() -> Config:
    return Config(timeout=1.0, connect_timeout=0.5, max_bytes=1024 * 1024, max_redirects=3, feeds=[])


@pytest.fixture
def client(cfg):
    with make_client(cfg) as c:
        yield c


def test_body_arrives_with_validators_and_a_user_agent_naming_sitmon(feed_server, client, cfg):
    body = fixture_feed("caucasus_wire.rss")
    url = feed_server.add("/rss", body, etag='"v1"', last_modified="Sat, 17 Oct 2020 21:05:00 GMT")
    result = fetch_feed(client, url, cfg, NOW)
    assert result.error is None and result.status == 200
    assert result.body == body
    assert result.etag == '"v1"' and result.last_modified == "Sat, 17 Oct 2020 21:05:00 GMT"
    assert result.headers["content-type"].startswith("application/rss+xml")
    agent = feed_server.last_headers("/rss")["user-agent"]
    assert agent == USER_AGENT and f"sitmon/{__version__}" in agent


def test_stored_etag_gets_304_and_no_body(feed_server, client, cfg):
    url = feed_server.add("/rss", fixture_feed("caucasus_wire.rss"), etag='"v1"')
    result = fetch_feed(client, StoredFeed(url, etag='"v1"'), cfg, NOW)
    assert result.not_modified and result.status == 304 and result.body is None and result.error is None
    assert feed_server.last_headers("/rss")["if-none-match"] == '"v1"'
    changed = fetch_feed(client, StoredFeed(url, etag='"v0"'), cfg, NOW)
    assert not changed.not_modified and changed.body


def test_stored_last_modified_gets_304(feed_server, client, cfg):
    stamp = "Sat, 17 Oct 2020 21:05:00 GMT"
    url = feed_server.add("/rss", fixture_feed("caucasus_wire.rss"), last_modified=stamp)
    result = fetch_feed(client, StoredFeed(url, last_modified=stamp), cfg, NOW)
    assert result.not_modified and result.body is None
    assert feed_server.last_headers("/rss")["if-modified-since"] == stamp


def _timed(client, url, cfg):
    started = time.monotonic()
    result = fetch_feed(client, url, cfg, NOW)
    return result, time.monotonic() - started


def test_trickling_server_is_cut_at_the_whole_feed_limit(feed_server, client, cfg):
    # one byte every 0.1 s never trips a per-read timeout; only the deadline stops it
    url = feed_server.add("/drip", b"<rss>" + b" " * 10_000, trickle=0.1)
    result, seconds = _timed(client, url, cfg)
    assert result.error == "timed out after 1 s"
    assert result.body is None
    assert seconds < 1.5


def test_stall_after_headers_is_cut_at_the_whole_feed_limit(feed_server, client, cfg):
    # headers after 0.6 s, then silence: a per-read timeout alone would wait until 1.6 s
    url = feed_server.add("/stall", b"<rss>   </rss>", delay=0.6, trickle=30)
    result, seconds = _timed(client, url, cfg)
    assert result.error == "timed out after 1 s"
    assert seconds < 1.4


def test_server_that_never_answers_times_out(feed_server, client, cfg):
    result, seconds = _timed(client, feed_server.add("/dead", hang=True), cfg)
    assert result.error == "timed out after 1 s"
    assert seconds < 1.5


def test_deadline_cuts_a_silent_connection_even_with_a_longer_read_timeout(feed_server, cfg):
    # a client shared with a longer per-read timeout must not stretch this feed's limit
    with make_client(Config(timeout=30, feeds=[])) as patient:
        result, seconds = _timed(patient, feed_server.add("/dead", hang=True), cfg)
    assert result.error == "timed out after 1 s"
    assert seconds < 1.5


def test_server_error_is_reported_in_words(feed_server, client, cfg):
    result = fetch_feed(client, feed_server.add("/boom", b"oops", status=500), cfg, NOW)
    assert result.error == "HTTP 500 Internal Server Error"
    assert result.status == 500 and result.body is None
    missing = fetch_feed(client, feed_server.url("/nowhere"), cfg, NOW)
    assert missing.error == "HTTP 404 Not Found"


def test_permanent_redirect_reports_the_new_url(feed_server, client, cfg):
    body = fixture_feed("daily_globe.atom")
    feed_server.add("/old", status=301, location="/older-still")
    feed_server.add("/older-still", status=308, location=feed_server.url("/atom"))
    final = feed_server.add("/atom", body)
    result = fetch_feed(client, feed_server.url("/old"), cfg, NOW)
    assert result.error is None and result.body == body
    assert result.permanent_redirect and result.moved_to == final and result.final_url == final


def test_temporary_hop_stops_the_move_at_the_last_permanent_one(feed_server, client, cfg):
    feed_server.add("/a", status=301, location="/b")
    feed_server.add("/b", status=302, location="/c")
    feed_server.add("/c", b"<rss/>")
    moved = fetch_feed(client, feed_server.url("/a"), cfg, NOW)
    assert moved.moved_to == feed_server.url("/b")
    feed_server.add("/x", status=302, location="/a")
    temporary_first = fetch_feed(client, feed_server.url("/x"), cfg, NOW)
    assert temporary_first.permanent_redirect and temporary_first.moved_to is None
    assert temporary_first.final_url == feed_server.url("/c")


def test_redirect_loop_gives_up(feed_server, client, cfg):
    feed_server.add("/loop", status=302, location="/loop")
    result = fetch_feed(client, feed_server.url("/loop"), cfg, NOW)
    assert result.error == "too many redirects (more than 3)"
    assert feed_server.hits("/loop") == cfg.max_redirects + 1


def test_redirect_to_a_non_http_url_is_refused(feed_server, client, cfg):
    feed_server.add("/sneaky", status=302, location="file:///etc/passwd")
    result = fetch_feed(client, feed_server.url("/sneaky"), cfg, NOW)
    assert result.error == "redirect to a non-http URL"


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds(feed_server, client, cfg, status):
    url = feed_server.add("/busy", status=status, retry_after="120")
    result = fetch_feed(client, url, cfg, NOW)
    assert result.retry_after == 120
    assert result.error.startswith(f"HTTP {status} ")


def test_retry_after_as_an_http_date(feed_server, client, cfg):
    later = format_datetime(NOW + timedelta(minutes=30), usegmt=True)
    url = feed_server.add("/busy", status=503, retry_after=later)
    assert fetch_feed(client, url, cfg, NOW).retry_after == 1800


def test_body_over_the_cap_is_refused_without_reading_it_all(feed_server, client, cfg):
    # 100 MB offered, streamed; reading must stop just past 1 MB
    url = feed_server.add("/huge", chunks=lambda: (b"x" * 65536 for _ in range(1600)))
    result, seconds = _timed(client, url, cfg)
    assert result.error == "body larger than 1 MB"
    assert result.body is None
    assert seconds < 1.0


def test_declared_oversize_body_is_refused_unread(feed_server, client, cfg):
    url = feed_server.add("/declared", b"x" * (cfg.max_bytes + 1))
    assert fetch_feed(client, url, cfg, NOW).error == "body larger than 1 MB"


def test_odd_stored_validators_are_not_sent(feed_server, client, cfg):
    url = feed_server.add("/rss", fixture_feed("caucasus_wire.rss"), etag='"v1"')
    result = fetch_feed(client, StoredFeed(url, etag='"caf\u00e9"', last_modified="line\nbreak"), cfg, NOW)
    assert result.error is None and result.body
    assert "if-none-match" not in feed_server.last_headers("/rss")


def test_gzip_body_is_decoded(feed_server, client, cfg):
    body = fixture_feed("highland_radio.rdf")
    url = feed_server.add("/gz", body, gzip=True)
    result = fetch_feed(client, url, cfg, NOW)
    assert result.error is None and result.body == body
    assert feed_server.last_headers("/gz")["accept-encoding"].startswith("gzip")


def test_gzip_bomb_stops_at_the_cap_without_inflating_it(feed_server, client, cfg):
    bomb = gzip_bomb(64 * 2**20)  # 64 MB of zeros in about 64 KB
    assert len(bomb) < 100_000
    url = feed_server.add("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        result = fetch_feed(client, url, cfg, NOW)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.error == "body larger than 1 MB"
    assert peak < 4 * cfg.max_bytes  # never a whole network chunk inflated at once


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_body_is_decoded_with_or_without_its_header(feed_server, client, cfg, wbits):
    body = fixture_feed("daily_globe.atom")
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    url = feed_server.add("/deflate", packer.compress(body) + packer.flush(), headers={"Content-Encoding": "deflate"})
    result = fetch_feed(client, url, cfg, NOW)
    assert result.error is None and result.body == body


def test_unknown_content_encoding_is_an_error_in_words(feed_server, client, cfg):
    url = feed_server.add("/br", b"\x0b\x02\x80", headers={"Content-Encoding": "br"})
    assert fetch_feed(client, url, cfg, NOW).error == "unsupported content encoding 'br'"
    assert feed_server.last_headers("/br")["accept-encoding"] == "gzip, deflate"


def test_corrupt_gzip_is_an_error_in_words(feed_server, client, cfg):
    url = feed_server.add("/badgz", b"this was never gzip", headers={"Content-Encoding": "gzip"})
    result = fetch_feed(client, url, cfg, NOW)
    assert result.error == "could not decode the compressed body"


def test_refused_connection(client, cfg):
    with socket.socket() as s:  # a port that was free a moment ago and has no listener now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = fetch_feed(client, f"http://127.0.0.1:{port}/rss", cfg, NOW)
    assert result.error == "connection refused"


def test_unresolvable_host(client, cfg):
    result = fetch_feed(client, "http://no-such-host.invalid/rss", cfg, NOW)
    assert result.error == "host not found"


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "file:///etc/passwd", "javascript:alert(1)", "feed"])
def test_only_http_urls_are_fetched(client, cfg, url):
    assert fetch_feed(client, url, cfg, NOW).error == "not an http(s) URL"


def test_backoff_is_exponential_capped_and_honours_retry_after():
    interval = 300
    assert next_attempt(0, None, NOW, interval) == NOW  # healthy: due at the next poll
    assert next_attempt(1, None, NOW, interval) == NOW + timedelta(seconds=600)
    assert next_attempt(3, None, NOW, interval) == NOW + timedelta(seconds=2400)
    assert next_attempt(60, None, NOW, interval) == NOW + timedelta(hours=24)
    assert next_attempt(1, 3600, NOW, interval) == NOW + timedelta(seconds=3600)
    assert next_attempt(0, 120, NOW, interval) == NOW + timedelta(seconds=120)
    assert next_attempt(0, 10**9, NOW, interval) == NOW + timedelta(hours=24)
