"""Shared test fixtures: an isolated environment, a loopback feed server, fixture feeds.

Every test runs with SITMON_CONFIG, SITMON_DB and the XDG directories pointing
into a fresh temporary directory, so no test can touch a real user's files.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from feedserver import FeedServer

FEEDS_DIR = Path(__file__).parent / "data" / "feeds"

# Collecting the tests imports sitmon.extract, which compiles its rules through the
# regex program cache in the cache directory (sitmon/extract/programs.py) before any
# test's fixture has run: that cache must not be the user's either.
_SESSION_CACHE = tempfile.mkdtemp(prefix="sitmon-test-cache-")
atexit.register(shutil.rmtree, _SESSION_CACHE, ignore_errors=True)
os.environ["XDG_CACHE_HOME"] = _SESSION_CACHE


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SITMON_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("SITMON_DB", str(home / "sitmon.db"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    return home


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A FeedServer on 127.0.0.1 (see tests/feedserver.py), closed after the test.

    Unregistered paths serve tests/data/feeds/, e.g. ``feed_server.url("/daily_globe.atom")``.
    """
    with FeedServer(root=FEEDS_DIR) as server:
        yield server


def fixture_feed(name: str) -> bytes:
    """The bytes of a fixture feed in tests/data/feeds/."""
    return (FEEDS_DIR / name).read_bytes()


def rss_document(items: list[dict], title: str = "Test feed") -> bytes:
    """A small RSS 2.0 document. Item keys: title, link, guid, summary (HTML
    allowed, escaped here), published (datetime)."""
    parts = [f"<title>{escape(title)}</title><link>https://example.org/</link><description>test</description>"]
    for item in items:
        fields = []
        for key, tag in (("title", "title"), ("link", "link"), ("guid", "guid"), ("summary", "description")):
            if item.get(key) is not None:
                attrs = ' isPermaLink="false"' if key == "guid" else ""
                fields.append(f"<{tag}{attrs}>{escape(item[key])}</{tag}>")
        when = item.get("published")
        if isinstance(when, datetime):
            fields.append(f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>")
        parts.append(f"<item>{''.join(fields)}</item>")
    channel = "".join(parts)
    return f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>{channel}</channel></rss>\n'.encode()
