"""Fetching one feed over HTTP, politely and within hard limits.

A feed is untrusted: it may never answer, trickle bytes forever, send a
gigabyte, inflate a gzip bomb or redirect in circles. ``fetch_feed`` never
raises for any of that; it returns a ``FetchResult`` whose ``error`` says in
words what went wrong, so feed health can show it to the user.

Limits, all from the config:
- ``connect_timeout`` to open a connection, ``timeout`` for the whole feed,
  redirects included. The whole-feed limit is enforced by a watchdog that shuts
  the socket down, because httpx's read timeout applies per read and a server
  sending one byte a second would otherwise never be cut.
- ``max_bytes`` on the *decoded* body, counted as it streams in, so neither a
  huge body nor a decompression bomb is ever held in memory beyond the cap
  (gzip/deflate are inflated here, step by bounded step, not by httpx).
- ``max_redirects`` hops, followed by hand so that redirect bodies are never
  read and a permanent hop (301/308) can be reported to the store.
"""

from __future__ import annotations

import errno
import heapq
import itertools
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from sitmon import __version__

USER_AGENT = f"sitmon/{__version__} (+https://github.com/sitmon/sitmon)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
MAX_DELAY = timedelta(hours=24)


@dataclass
class FetchResult:
    """What one fetch of one feed produced. ``error`` is None on success."""

    url: str  # the URL asked for
    status: int | None = None  # HTTP status of the last response, None if none came
    body: bytes | None = None  # decoded body; None for 304 and for errors
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None  # where the body came from, after redirects
    permanent_redirect: bool = False  # some hop was 301/308
    moved_to: str | None = None  # new URL to store: the end of the leading permanent hops
    error: str | None = None  # in words: "timed out after 20 s", "HTTP 500 Internal Server Error"
    retry_after: float | None = None  # seconds asked for by a 429/503 Retry-After
    not_modified: bool = False  # 304: nothing to parse


def make_client(cfg: Any) -> httpx.Client:
    """One client shared by all fetch threads (httpx's sync Client is thread-safe).

    Keep-alive is off: every fetch opens its own connection, so the watchdog
    always knows which socket to cut, and no pooled connection can be left
    half-read by a fetch that was abandoned.
    """
    return httpx.Client(
        # only what _Decoder can bound; never br/zstd, even if their libraries are installed
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
        timeout=httpx.Timeout(
            cfg.timeout,
            connect=min(cfg.connect_timeout, cfg.timeout),
        ),
        follow_redirects=False,
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
    )


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def fetch_feed(client: httpx.Client, feed: Any, cfg: Any, now: datetime | None = None) -> FetchResult:
    """Fetch ``feed`` (a store Feed with url/etag/last_modified, or a URL string).

    Never raises for network or server trouble: the result's ``error`` says it.
    """
    url = feed if isinstance(feed, str) else feed.url
    now = now or datetime.now(timezone.utc)
    if not is_http_url(url):
        return FetchResult(url, error="not an http(s) URL")
    conditions = _conditional_headers(feed)
    watchdog = _Watchdog(cfg.timeout)
    try:
        return _follow(client, url, conditions, cfg, now, watchdog)
    except Exception as exc:  # httpx and socket failures all end up here
        return FetchResult(url, error=_words(exc, cfg, watchdog))
    finally:
        watchdog.cancel()


def next_attempt(failures: int, retry_after: float | None, now: datetime, interval: float) -> datetime:
    """When a feed may be fetched again.

    A healthy feed is due at once (the poll loop's interval paces it); a
    failing one waits ``interval * 2**failures``, at most 24 h, and never less
    than a server's Retry-After (itself capped at 24 h so a bogus header
    cannot silence a feed for a year).
    """
    delay = timedelta(0)
    if failures > 0:
        delay = min(timedelta(seconds=interval) * 2 ** min(failures, 32), MAX_DELAY)
    if retry_after:
        delay = max(delay, min(timedelta(seconds=retry_after), MAX_DELAY))
    return now + delay


def _conditional_headers(feed: Any) -> dict[str, str]:
    headers = {}
    for name, value in (("If-None-Match", getattr(feed, "etag", None)),
                        ("If-Modified-Since", getattr(feed, "last_modified", None))):
        # a validator that cannot be sent back as a header is simply not used
        if isinstance(value, str) and value and value.isascii() and value.isprintable():
            headers[name] = value
    return headers


def _follow(
    client: httpx.Client,
    url: str,
    conditions: dict[str, str],
    cfg: Any,
    now: datetime,
    watchdog: _Watchdog,
) -> FetchResult:
    moved_to: str | None = None
    permanent = False
    still_permanent = True  # only an unbroken chain of permanent hops moves the feed
    current = url
    for _ in range(cfg.max_redirects + 1):
        with client.stream(
            "GET", current, headers=conditions, extensions={"trace": watchdog.trace}
        ) as response:
            watchdog.watch(response)
            location = response.headers.get("location")
            if response.status_code not in REDIRECTS or not location:
                result = _read(response, url, cfg, now, watchdog)
                result.permanent_redirect = permanent
                result.moved_to = moved_to
                return result
            target = urljoin(str(response.url), location.strip())
            if not is_http_url(target):
                return FetchResult(url, status=response.status_code, error="redirect to a non-http URL")
            if response.status_code in PERMANENT_REDIRECTS:
                permanent = True
                if still_permanent:
                    moved_to = target
            else:
                still_permanent = False
            current = target
    return FetchResult(url, error=f"too many redirects (more than {cfg.max_redirects})")


def _read(response: httpx.Response, url: str, cfg: Any, now: datetime, watchdog: _Watchdog) -> FetchResult:
    status = response.status_code
    headers = {k.lower(): v for k, v in response.headers.items()}
    result = FetchResult(
        url,
        status=status,
        headers=headers,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        final_url=str(response.url),
    )
    if status in (429, 503):
        result.retry_after = _retry_after(headers.get("retry-after"), now)
    if status == 304:
        result.not_modified = True
    elif not 200 <= status < 300:
        result.error = f"HTTP {status} {_reason(response)}".rstrip()
    else:
        result.body, result.error = _capped_body(response, cfg, watchdog)
    return result


def _capped_body(response: httpx.Response, cfg: Any, watchdog: _Watchdog) -> tuple[bytes | None, str | None]:
    """Read and decode the body, stopping at the size cap or the deadline."""
    too_big = f"body larger than {_size(cfg.max_bytes)}"
    try:
        decoder = _Decoder(response.headers.get("content-encoding", ""))
    except ValueError as exc:
        return None, str(exc)
    if decoder.identity and _declared_length(response) > cfg.max_bytes:
        return None, too_big  # no need to read what we would throw away
    body = bytearray()
    for raw in response.iter_raw():
        for piece in decoder.decode(raw):
            body += piece
            if len(body) > cfg.max_bytes:
                return None, too_big
        if watchdog.expired():
            return None, f"timed out after {cfg.timeout:g} s"
    return bytes(body), None


class _Decoder:
    """Content-Encoding decoding in bounded steps.

    httpx's own decoder inflates each network chunk completely, so one 64 KB
    chunk of a gzip bomb becomes 64 MB in memory before any cap can look at
    it; here zlib's ``max_length`` keeps every step to ``STEP`` bytes.
    """

    STEP = 256 * 1024

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self._zlib: Any = None
        self._maybe_raw_deflate = encoding == "deflate"
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            raise ValueError(f"unsupported content encoding {encoding[:40]!r}")

    @property
    def identity(self) -> bool:
        return self._zlib is None

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            yield data
            return
        if self._maybe_raw_deflate:
            self._maybe_raw_deflate = False
            if not _looks_like_zlib(data):  # some servers send deflate without the zlib header
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        while data:
            yield self._zlib.decompress(data, self.STEP)
            data = self._zlib.unconsumed_tail


def _declared_length(response: httpx.Response) -> int:
    try:
        return int(response.headers.get("content-length", "0"))
    except ValueError:
        return 0


def _looks_like_zlib(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _reason(response: httpx.Response) -> str:
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return response.reason_phrase or ""


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _size(n: int) -> str:
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


def _words(exc: BaseException, cfg: Any, watchdog: _Watchdog) -> str:
    """One line saying what went wrong, for feed health."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out connecting after {min(cfg.connect_timeout, cfg.timeout):g} s"
    if watchdog.fired or isinstance(exc, httpx.TimeoutException):
        return f"timed out after {cfg.timeout:g} s"
    cause = _root_cause(exc)
    if isinstance(cause, socket.gaierror):
        return "host not found"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "network unreachable"
    if isinstance(exc, (httpx.DecodingError, zlib.error)):
        return "could not decode the compressed body"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"server broke the HTTP protocol: {_first_line(exc)}"
    if isinstance(exc, httpx.InvalidURL):
        return f"invalid URL: {_first_line(exc)}"
    if isinstance(exc, httpx.HTTPError):
        return f"{_first_line(exc) or type(exc).__name__}"
    return f"fetch failed: {type(exc).__name__}: {_first_line(exc)}"


def _root_cause(exc: BaseException) -> BaseException:
    seen = set()
    while exc.__cause__ or exc.__context__:
        if id(exc) in seen:
            break
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else ""


class _Watchdog:
    """Cuts a fetch at its whole-feed deadline by shutting its socket down.

    The socket is learnt from httpcore's trace hook as soon as the connection
    opens (and from the response, as a fallback). A blocked read then returns
    at once and the fetch unwinds with ``fired`` set.
    """

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self.done = False
        self.deadline = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._stream: Any = None
        _REAPER.watch(self)

    def trace(self, event: str, info: dict) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self._set(info.get("return_value"))

    def watch(self, response: httpx.Response) -> None:
        self._set(response.extensions.get("network_stream"))

    def expired(self) -> bool:
        return self.fired or time.monotonic() >= self.deadline

    def cancel(self) -> None:
        with self._lock:
            self.done = True
            self._stream = None  # the reaper may hold us until the deadline; not the socket

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            stream = self._stream
        if stream is not None:
            _shutdown(stream)

    def _set(self, stream: Any) -> None:
        if stream is None:
            return
        with self._lock:
            self._stream = stream
            fired = self.fired
        if fired:
            _shutdown(stream)


class _Reaper:
    """One daemon thread firing every watchdog whose deadline has passed.

    A timer thread per fetch would cost more than a whole 304 answer.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Watchdog]] = []
        self._order = itertools.count()  # ties never compare watchdogs
        self._wakeup = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, dog: _Watchdog) -> None:
        with self._wakeup:
            heapq.heappush(self._heap, (dog.deadline, next(self._order), dog))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sitmon-fetch-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is dog:
                self._wakeup.notify()  # an earlier deadline than the one being waited for

    def _run(self) -> None:
        with self._wakeup:
            while True:
                if not self._heap:
                    self._wakeup.wait()
                    continue
                deadline, _, dog = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0 and not dog.done:
                    self._wakeup.wait(wait)
                    continue
                heapq.heappop(self._heap)
                dog.fire()  # no-op when the fetch already finished


_REAPER = _Reaper()


def _shutdown(stream: Any) -> None:
    try:
        sock = stream.get_extra_info("socket")
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except (OSError, AttributeError):
        pass  # already closed: nothing left to cut
