"""`sitmon --demo`: bundled sample feeds on a loopback server, a throwaway database.

The feeds in ``sitmon/data/demo/`` are templates. Times are written as offsets
from the moment the demo starts (``{{t:-30}}`` = thirty hours earlier), so the
screen always looks live. Items wrapped in ``<!--reveal:SECONDS-->`` …
``<!--/reveal-->`` appear only that many seconds after the start, so later polls
bring news and the screen moves. Feeds are served by ``http.server`` on
127.0.0.1 (port 0) and fetched through the real poll path; the config file and
database live in a temporary directory that is deleted at the end. The user's
own database is never touched.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Callable

DEMO_INTERVAL = 15.0  # seconds between demo polls: fast enough to watch news arrive
OFFLINE_FEED = "offline.xml"  # a feed that always answers 503, to show feed health

_REVEAL = re.compile(r"<!--reveal:(\d+)-->(.*?)<!--/reveal-->", re.S)
_TIME = re.compile(r"\{\{t:(reveal|[-+]?\d+(?:\.\d+)?)\}\}")


def demo_templates() -> dict[str, str]:
    """Demo feed name -> template text, from the package data."""
    folder = resources.files("sitmon").joinpath("data/demo")
    return {
        entry.name: entry.read_text("utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith((".rss", ".atom"))
    }


def render_feed(template: str, start: datetime, elapsed: float) -> str:
    """Fill a template's times relative to ``start``; drop items not yet revealed."""
    atom = "<feed" in template[:500]

    def stamp(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if atom else format_datetime(moment)

    def fill_times(text: str, reveal_at: datetime | None) -> str:
        def one(match: re.Match) -> str:
            if match.group(1) == "reveal":
                return stamp(reveal_at or start)
            return stamp(start + timedelta(hours=float(match.group(1))))

        return _TIME.sub(one, text)

    def reveal(match: re.Match) -> str:
        after = int(match.group(1))
        if elapsed < after:
            return ""
        return fill_times(match.group(2), start + timedelta(seconds=after))

    return fill_times(_REVEAL.sub(reveal, template), None)


class _DemoHandler(BaseHTTPRequestHandler):
    server: "_DemoServer"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        name = self.path.lstrip("/").split("?")[0]
        if name == OFFLINE_FEED:
            self._answer(503, b"down for maintenance\n", "text/plain", {"Retry-After": "60"})
            return
        template = self.server.templates.get(name)
        if template is None:
            self._answer(404, b"no such feed\n", "text/plain")
            return
        body = render_feed(template, self.server.start, self.server.elapsed()).encode("utf-8")
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._answer(304, b"", None, {"ETag": etag})
            return
        kind = "application/atom+xml" if name.endswith(".atom") else "application/rss+xml"
        self._answer(200, body, kind + "; charset=utf-8", {"ETag": etag})

    def _answer(self, code: int, body: bytes, kind: str | None, headers: dict | None = None) -> None:
        self.send_response(code)
        if kind:
            self.send_header("Content-Type", kind)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the TUI owns the terminal


class _DemoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, templates: dict[str, str], start: datetime, clock: Callable[[], float]) -> None:
        super().__init__(("127.0.0.1", 0), _DemoHandler)
        self.templates = templates
        self.start = start
        self._started = clock()
        self._clock = clock

    def elapsed(self) -> float:
        return self._clock() - self._started


@dataclass
class DemoSession:
    """A running demo: loopback server, temp dir with config and database."""

    config: Any
    db_path: Path
    interval: float
    base_url: str
    directory: Path
    _server: _DemoServer = field(repr=False)

    def feed_urls(self) -> list[str]:
        return [f"{self.base_url}/{name}" for name in sorted(self._server.templates)] + [
            f"{self.base_url}/{OFFLINE_FEED}"
        ]

    def stop(self) -> None:
        """Stop serving and delete the throwaway directory."""
        self._server.shutdown()
        self._server.server_close()
        shutil.rmtree(self.directory, ignore_errors=True)


FEED_TITLES = {
    "meridian.rss": "Meridian Wire",
    "harbor.rss": "Harbor Daily – World",
    "eastern.atom": "Eastern Dispatch",
    "ledger.rss": "The Global Ledger",
    "frontline.atom": "Frontline Radio News",
    OFFLINE_FEED: "Northern Courier (offline)",
}


def demo_config_text(base_url: str, names: list[str], interval: float) -> str:
    """A config that lists only the loopback feeds (no real feeds, no network)."""
    lines = [
        "# sitmon demo: written by `sitmon --demo` in a temporary directory.",
        f"poll_interval = {interval}",
        "timeout = 10",
        "connect_timeout = 2",
        "default_feeds = false",
        "",
    ]
    for name in names:
        lines += ["[[feeds]]", f'url = "{base_url}/{name}"', f'title = "{FEED_TITLES.get(name, name)}"', ""]
    return "\n".join(lines)


def _seed(db_path: Path, feeds: list) -> None:
    """Create the throwaway database with the demo feeds before anything polls it."""
    from sitmon.store import Store

    store = Store(db_path)
    try:
        store.seed_feeds(list(feeds))
    finally:
        store.close()


def start_demo(
    interval: float | None = None,
    *,
    start: datetime | None = None,
    clock: Callable[[], float] = time.monotonic,
    directory: Path | None = None,
) -> DemoSession:
    """Serve the demo feeds and write a throwaway config; the caller polls and stops it."""
    from sitmon.config import load_config

    interval = interval or DEMO_INTERVAL
    start = (start or datetime.now(timezone.utc)).replace(microsecond=0)
    server = _DemoServer(demo_templates(), start, clock)
    threading.Thread(target=server.serve_forever, name="sitmon-demo-feeds", daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    folder = Path(directory or tempfile.mkdtemp(prefix="sitmon-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    names = sorted(server.templates) + [OFFLINE_FEED]
    config_path = folder / "config.toml"
    config_path.write_text(demo_config_text(base_url, names, interval), "utf-8")
    config = load_config(config_path)
    db_path = folder / "demo.db"
    _seed(db_path, config.feeds)
    return DemoSession(
        config=config,
        db_path=db_path,
        interval=interval,
        base_url=base_url,
        directory=folder,
        _server=server,
    )
