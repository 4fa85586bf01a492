"""A programmable HTTP server on 127.0.0.1 for tests and benchmarks.

    server = FeedServer()                      # listening on an ephemeral port
    server.add("/rss", body, etag='"v1"')       # answers 304 to If-None-Match: "v1"
    server.add("/slow", body, delay=3)          # waits before answering
    server.add("/drip", body, trickle=0.5)      # one byte every 0.5 s
    server.add("/old", status=301, location="/rss")
    server.add("/busy", status=429, retry_after="120")
    server.add("/gz", body, gzip=True)
    server.add("/dead", hang=True)              # accepts, never answers
    server.add("/big", chunks=lambda: (b"x" * 2**20 for _ in range(100)))
    server.add("/bomb", gzip_bomb(2**30), headers={"Content-Encoding": "gzip"})
    url = server.url("/rss")
    server.requests                             # [(path, headers), ...] as received
    server.peak_in_flight                       # most requests awaiting their answer at once
    server.close()

Every sleep is bounded and wakes up when the server closes, so a test that
abandons a hanging request never keeps the process alive. Paths that were not
registered fall back to files under ``root`` (if given, with an ETag and
Last-Modified so they answer conditional GETs with 304), else 404.

``python tests/feedserver.py DIR`` serves DIR in its own process and prints the
port (benchmarks use it so the server does not compete for the poller's GIL).
"""

from __future__ import annotations

import gzip as gzip_module
import mimetypes
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_SLEEP = 60.0  # no handler ever waits longer than this


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # for 3xx; relative paths are fine
    retry_after: str | None = None
    gzip: bool = False  # compress ``body`` and send Content-Encoding: gzip
    delay: float = 0.0  # seconds to wait before the status line
    trickle: float | None = None  # seconds between single body bytes
    hang: bool = False  # accept the request, never answer
    chunks: Callable[[], Iterable[bytes]] | None = None  # streamed body, no Content-Length


class FeedServer:
    def __init__(self, root: Path | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.root = root
        self.closing = threading.Event()
        self.in_flight = 0
        self.peak_in_flight = 0
        self._count_lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.feed_server = self  # type: ignore[attr-defined]
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", **options) -> str:
        """Register ``path`` (see ``Route`` for options); returns its full URL."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body=body, **options)
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    def last_headers(self, path: str) -> dict[str, str]:
        return next(h for p, h in reversed(self.requests) if p == path)

    def _request_started(self) -> None:
        with self._count_lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def _request_done(self) -> None:
        with self._count_lock:
            self.in_flight -= 1

    def close(self) -> None:
        self.closing.set()  # wakes every sleeping handler
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FeedServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def route_for(self, path: str) -> Route | None:
        route = self.routes.get(path) or self.routes.get(path.split("?", 1)[0])
        if route is None and self.root is not None:
            route = self._file_route(path.split("?", 1)[0])
        return route

    def _file_route(self, path: str) -> Route | None:
        root = self.root.resolve()
        file = (root / path.lstrip("/")).resolve()
        if not file.is_file() or root not in file.parents:
            return None
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        stat = file.stat()
        return Route(
            body=file.read_bytes(),
            content_type=kind,
            etag=f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"',
            last_modified=formatdate(stat.st_mtime, usegmt=True),
        )


def gzip_bomb(inflated: int, piece: int = 2**20) -> bytes:
    """A gzip body of zeros that inflates to ``inflated`` bytes (about 1000:1)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(piece)
    out = [packer.compress(zeros) for _ in range(inflated // piece)]
    out.append(packer.flush())
    return b"".join(out)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection keeps handlers simple

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass  # keep test output clean

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        server: FeedServer = self.server.feed_server  # type: ignore[attr-defined]
        server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        server._request_started()
        self._waiting = True
        try:
            self._respond(server)
        finally:
            self._answered()

    def _answered(self) -> None:
        """The request stops counting as in flight once its answer starts: the client
        may read it whole and send its next request before this handler returns."""
        if self._waiting:
            self._waiting = False
            self.server.feed_server._request_done()  # type: ignore[attr-defined]

    def _respond(self, server: FeedServer) -> None:
        route = server.route_for(self.path)
        if route is None:
            self._answer(404, b"not found\n", {"Content-Type": "text/plain"})
            return
        if route.hang:
            server.closing.wait(MAX_SLEEP)
            return
        if route.delay:
            server.closing.wait(min(route.delay, MAX_SLEEP))
        if self._not_modified(route):
            self._answer(304, b"", self._validators(route))
            return
        try:
            self._serve(server, route)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout, size cap): that is what tests want

    def _serve(self, server: FeedServer, route: Route) -> None:
        headers = {**self._validators(route), **route.headers}
        if route.content_type:
            headers.setdefault("Content-Type", route.content_type)
        if route.location:
            headers["Location"] = route.location
        if route.retry_after:
            headers["Retry-After"] = route.retry_after
        body = route.body
        if route.gzip:
            body = gzip_module.compress(body)
            headers["Content-Encoding"] = "gzip"
        if route.chunks is not None:
            self._stream(route.status, headers, route.chunks())
        elif route.trickle is not None:
            self._drip(server, route.status, headers, body, route.trickle)
        else:
            self._answer(route.status, body, headers)

    def _not_modified(self, route: Route) -> bool:
        if route.status != 200:
            return False
        tag = self.headers.get("If-None-Match")
        if route.etag and tag:
            return tag == route.etag
        since = self.headers.get("If-Modified-Since")
        return bool(route.last_modified and since == route.last_modified)

    @staticmethod
    def _validators(route: Route) -> dict[str, str]:
        headers = {}
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        return headers

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self._head(status, {**headers, "Content-Length": str(len(body))})
        self.wfile.write(body)

    def _stream(self, status: int, headers: dict[str, str], chunks: Iterable[bytes]) -> None:
        self._head(status, headers)
        for chunk in chunks:
            self.wfile.write(chunk)

    def _drip(self, server: FeedServer, status: int, headers: dict[str, str], body: bytes, every: float) -> None:
        """Send the body one byte at a time, forever if it is long enough."""
        self._head(status, {**headers, "Content-Length": str(len(body))})
        for i in range(len(body)):
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()
            if server.closing.wait(every):
                return

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self._answered()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()


if __name__ == "__main__":
    import sys

    with FeedServer(root=Path(sys.argv[1])) as standalone:
        print(standalone.port, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin
