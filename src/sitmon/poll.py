"""One poll of every due feed: fetch -> parse -> extract -> store.

Feeds are fetched concurrently by a bounded thread pool, at most
``cfg.per_host`` at a time from one host. Each worker also has its feed parsed,
and the events and dedup title keys of its stories made -- in a pool of worker
processes when the poll is big and the machine has cores to spare (pure-Python
work that threads would run one at a time under the GIL), else in the thread
itself; stories the store already has from that feed are parsed only. The
calling thread only writes: it hands the feeds finished so far to
``store.ingest`` in one ``store.batch`` transaction (up to WRITE_BATCH feeds:
whatever finished while it wrote the last ones, or within BATCH_WAIT_S), which keeps SQLite
single-writer and lets a crash lose only the feeds being written -- never
recorded as fetched, so fetched again. A 304 costs one small ``record_fetch``
and no parse, and a poll of 304s starts no process.

A failing feed is retried with exponential backoff (see ``fetch.next_attempt``);
feeds still backing off are skipped unless the poll is forced.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sitmon.gcpause import young_collections_only

if TYPE_CHECKING:
    # feedparser loads only when a feed has news: a re-poll of 304s skips it; and the HTTP
    # client (httpx, ~55 ms to import) only in the polling process: parser processes import
    # this module for their entry point (``_read_in_worker``) and fetch nothing
    from sitmon.fetch import FetchResult
    from sitmon.parse import ParsedFeed, Story

log = logging.getLogger(__name__)

Extractor = Callable[[str, str, datetime], list]

# finished feeds written in one transaction at most: a commit's cost is mostly fixed, and
# a failed write of the batch takes no more than this many feeds back to be re-fetched
WRITE_BATCH = 8
# how long the writer waits for more finished feeds before it writes what it has: feeds
# finish one by one, and a commit per feed wrote ~300 pages each time (a 200-feed poll:
# 190 commits, writer CPU 3.1-3.3 s; waiting 0.1 s: ~50 commits, 2.8-2.9 s). Stories
# show up at most this much later.
BATCH_WAIT_S = 0.1


@dataclass
class PollReport:
    feeds_ok: int = 0  # fetched and stored
    feeds_failed: list[tuple[str, str]] = field(default_factory=list)  # (url, error in words)
    feeds_not_modified: int = 0  # answered 304
    feeds_skipped: int = 0  # still backing off after failures
    new_stories: int = 0
    new_clusters: int = 0
    events: int = 0
    extract_errors: int = 0  # stories whose extraction raised (stored without events)
    seconds: float = 0.0


@dataclass
class _Done:
    """What a worker hands back to the writing thread for one feed."""

    feed: Any
    fetch: FetchResult
    parsed: ParsedFeed | None = None
    events: dict[str, list[dict]] = field(default_factory=dict)
    extract_errors: int = 0
    title_keys: dict[str, Any] = field(default_factory=dict)  # dedup.TitleKey by story id
    unread: frozenset[str] = frozenset()  # ids of stories stored before: not extracted again


def poll_once(
    store: Any,
    cfg: Any,
    *,
    feeds: Iterable[Any] | None = None,
    now: datetime | None = None,
    client: Any = None,
    force: bool = False,
) -> PollReport:
    """Poll the enabled feeds that are due (all of ``feeds`` if given and forced).

    ``feeds`` may hold store Feed records or URLs. Never raises for a feed's
    own trouble; store errors (disk full, corrupt file) do propagate.
    """
    started = time.monotonic()
    now = now or datetime.now(timezone.utc)
    report = PollReport()
    candidates = _resolve(store, feeds)
    due = [f for f in candidates if force or _is_due(f, now)]
    report.feeds_skipped = len(candidates) - len(due)
    if due:
        # the parsed feeds that come back and what the writer makes of them are tens of
        # thousands of small objects that live on: the full collections they set off
        # rescanned them and the heap (0.2-0.26 s of a 200-feed poll's ~3.2 CPU-s); young
        # collections still free the cycles that die young (a failed fetch's exception)
        with young_collections_only():
            _poll_due(store, cfg, due, now, client, report)
    report.seconds = time.monotonic() - started
    return report


def _poll_due(store: Any, cfg: Any, due: list[Any], now: datetime, client: Any, report: PollReport) -> None:
    from sitmon.fetch import make_client

    own_client = client is None
    client = client or make_client(cfg)
    known = _KnownStories(store)
    late = _LazyExtractor(getattr(cfg, "conflicts", None) or [])
    try:
        for finished in _fetch_all(client, cfg, due, now, known):
            with store.batch():
                for done in finished:
                    _record(store, cfg, done, now, report, late)
    finally:
        known.close()
        if own_client:
            client.close()


def poll_forever(
    store: Any,
    cfg: Any,
    interval: float | None = None,
    stop_event: threading.Event | None = None,
    on_report: Callable[[PollReport], None] | None = None,
) -> None:
    """Poll every ``interval`` seconds (default ``cfg.poll_interval``) until
    ``stop_event`` is set. A poll that fails as a whole is logged and retried
    on the next round: a monitor left alone for days must not stop."""
    from sitmon.fetch import make_client

    interval = interval or cfg.poll_interval
    stop_event = stop_event or threading.Event()
    with make_client(cfg) as client:
        while not stop_event.is_set():
            started = time.monotonic()
            try:
                report = poll_once(store, cfg, client=client)
            except Exception as exc:
                log.warning("poll failed: %s", _words(exc))
                log.debug("poll failure", exc_info=exc)
            else:
                if on_report is not None:
                    on_report(report)
            stop_event.wait(max(0.0, interval - (time.monotonic() - started)))


# --- choosing feeds ----------------------------------------------------------


@dataclass(frozen=True)
class _UrlFeed:
    """A feed given only by URL and not (yet) in the store."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    next_attempt: datetime | None = None


def _resolve(store: Any, feeds: Iterable[Any] | None) -> list[Any]:
    if feeds is None:
        return list(store.feeds(include_disabled=False))
    wanted = list(feeds)
    if not any(isinstance(f, str) for f in wanted):
        return wanted
    known = {f.url: f for f in store.feeds(include_disabled=True)}
    return [known.get(f, _UrlFeed(f)) if isinstance(f, str) else f for f in wanted]


def _is_due(feed: Any, now: datetime) -> bool:
    when = getattr(feed, "next_attempt", None)
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when)
        except ValueError:
            return True
    if not isinstance(when, datetime):
        return True
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when <= now


# --- the workers --------------------------------------------------------------


def _fetch_all(
    client: Any, cfg: Any, feeds: list[Any], now: datetime, known: _KnownStories
) -> Iterator[list[_Done]]:
    """Yield the outcomes of the feeds finished since the last yield (at least one,
    at most WRITE_BATCH), as soon as one is: feeds that finished while the writer
    was busy are written together, in one transaction."""
    limiter = _HostLimiter(cfg.per_host)
    workers = max(1, min(cfg.concurrency, len(feeds)))
    finished: queue.SimpleQueue[Future[_Done]] = queue.SimpleQueue()
    # the thread pool is left first: its fetch threads may still wait on the parser
    with _parser_for(cfg, len(feeds)) as parser, ThreadPoolExecutor(
        max_workers=workers, thread_name_prefix="sitmon-fetch"
    ) as pool:
        futures = []
        for feed in _interleave_hosts(feeds):
            future = pool.submit(_work, client, cfg, feed, now, limiter, parser, known)
            future.add_done_callback(finished.put)
            futures.append(future)
        try:
            for ready in _batches(finished, len(futures)):
                yield [future.result() for future in ready]
        finally:  # the writer stopped early (a store error): do not fetch the rest
            for future in futures:
                future.cancel()


def _batches(finished: queue.SimpleQueue[Future[_Done]], total: int) -> Iterator[list[Future[_Done]]]:
    """``total`` futures from ``finished`` in lists: each waits for one, then for
    whatever else finishes within BATCH_WAIT_S (up to WRITE_BATCH)."""
    while total > 0:
        ready = [finished.get()]
        deadline = time.monotonic() + BATCH_WAIT_S
        while len(ready) < min(WRITE_BATCH, total):
            try:
                ready.append(finished.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        total -= len(ready)
        yield ready


def _work(
    client: Any, cfg: Any, feed: Any, now: datetime, limiter: _HostLimiter, parser: _LocalParser,
    known: _KnownStories,
) -> _Done:
    from sitmon.fetch import FetchResult, fetch_feed

    try:
        with limiter.slot(_host(feed.url)):
            fetched = fetch_feed(client, feed, cfg, now)
        if fetched.error or fetched.not_modified:
            return _Done(feed, fetched)
        body, fetched.body = fetched.body, None  # the parse result replaces it; free early
        read = parser.read(body or b"", fetched.headers, fetched.moved_to or feed.url, now, known.ids(feed.url))
        for level, message in read.log:
            log.log(level, message)
        return _Done(feed, fetched, read.parsed, read.events, read.extract_errors, read.title_keys, read.unread)
    except Exception as exc:  # a bug met on one feed must not stop the poll
        log.warning("polling %s failed: %s", feed.url, _words(exc))
        log.debug("poll failure", exc_info=exc)
        return _Done(feed, FetchResult(feed.url, error=f"internal error: {_words(exc)}"))


@dataclass
class _Read:
    """One document parsed and its stories' events extracted."""

    parsed: ParsedFeed
    events: dict[str, list[dict]] = field(default_factory=dict)
    extract_errors: int = 0
    title_keys: dict[str, Any] = field(default_factory=dict)  # dedup.TitleKey by story id
    unread: frozenset[str] = frozenset()  # stories known to be stored: neither extracted nor keyed
    # (level, message) for the poller's log: a parser process has no log of its own
    log: list[tuple[int, str]] = field(default_factory=list)


def _read(
    body: bytes, headers: dict[str, str], url: str, now: datetime, extractor: _LazyExtractor,
    known: frozenset[str] = frozenset(),
) -> _Read:
    """Parse a document, and extract and key its stories but those ``known`` to be stored
    (a feed that changed mostly repeats the stories it had: they cost a parse only)."""
    from sitmon.dedup import title_key
    from sitmon.parse import parse_feed

    read = _Read(parse_feed(body, headers, url, now))
    fresh = [s for s in read.parsed.stories if s.id not in known]
    read.unread = frozenset(s.id for s in read.parsed.stories if s.id in known)
    if fresh:
        extract, problem = extractor.get()
        if problem:
            read.log.append((logging.WARNING, problem))
        read.events, read.extract_errors = _extract_all(fresh, extract, read.log)
        # the one part of a story's dedup that needs no database: done here, beside the
        # parsing, not by the single writing thread that every feed queues for
        read.title_keys = {s.id: title_key(s.title or "") for s in fresh}
    return read


class _LazyExtractor:
    """Loads the extraction rules on first use: a poll where every feed answers
    304 never pays for compiling them."""

    def __init__(self, conflicts: list[dict]) -> None:
        self._conflicts = conflicts
        self._lock = threading.Lock()
        self._loaded = False
        self._extract: Extractor | None = None

    def get(self) -> tuple[Extractor | None, str | None]:
        """The extractor, and on the first call only, why there is none."""
        with self._lock:
            if self._loaded:
                return self._extract, None
            self._loaded = True
            try:
                from sitmon.extract import load_extractor

                self._extract = load_extractor(self._conflicts).extract
                # the finders compile their patterns on first use, unguarded: done here,
                # under the lock, so that the other fetch threads do not each compile
                # them again at the same time (eight threads did, for ~1.5 s of CPU)
                importlib.import_module("sitmon.extract.warm")  # importing it is the warm-up
                return self._extract, None
            except Exception as exc:  # broken rules must not cost the stories themselves
                return None, f"extraction rules unavailable, stories stored without events: {_words(exc)}"


def _extract_all(
    stories: list[Story], extractor: Extractor | None, messages: list[tuple[int, str]]
) -> tuple[dict[str, list[dict]], int]:
    """Events by story id, and how many stories failed; ``messages`` gets the log lines."""
    events: dict[str, list[dict]] = {}
    failed: list[tuple[Story, Exception]] = []
    if extractor is None:
        return events, 0
    for story in stories:
        try:
            found = extractor(story.title, story.summary, story.published)
            events[story.id] = [e if isinstance(e, dict) else e.as_dict() for e in found]
        except Exception as exc:  # one odd sentence must not cost the feed its stories
            failed.append((story, exc))
    if failed:
        # one line per feed, not a traceback per story; details at debug level
        story, exc = failed[0]
        messages.append((logging.WARNING, (
            f"extraction failed on {len(failed)} of {len(stories)} stories of {story.feed_url} "
            f"(first: {story.id!r}: {_words(exc)})")))
        messages.append((logging.DEBUG, "extraction failure:\n" + "".join(
            traceback.format_exception(exc))))
    return events, len(failed)


class _LocalParser:
    """Parses and extracts in the fetch thread that fetched the document."""

    def __init__(self, cfg: Any) -> None:
        self._extractor = _LazyExtractor(getattr(cfg, "conflicts", None) or [])

    def read(
        self, body: bytes, headers: dict[str, str], url: str, now: datetime, known: frozenset[str] = frozenset()
    ) -> _Read:
        return _read(body, headers, url, now, self._extractor, known)

    def __enter__(self) -> _LocalParser:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


# --- parsing in worker processes -----------------------------------------------

POOL_MIN_FEEDS = 8  # a smaller poll parses in its fetch threads: starting processes costs more
MAX_PARSERS = 4  # parser processes at most (the writing thread needs a core too)
_PRELOAD = ["sitmon.poll", "sitmon.parse", "sitmon.dedup", "sitmon.extract", "sitmon.extract.warm"]
_PARENT_CHECK_S = 1.0
PARSER_NICENESS = 10  # parser processes yield the CPU to the poller (the TUI, the writer)


def _parser_for(cfg: Any, n_feeds: int) -> _LocalParser:
    """Parsing and extraction are pure Python and CPU-bound: in the fetch threads they
    would queue for the one GIL behind each other and behind the store's writes, so a
    big poll on a multi-core machine hands them to worker processes."""
    cores = os.cpu_count() or 1
    if n_feeds < POOL_MIN_FEEDS or cores < 2:
        return _LocalParser(cfg)
    return _ProcessParser(cfg, min(cores, MAX_PARSERS))


class _ProcessParser(_LocalParser):
    """Parses in a process pool, started at the first document (a poll of 304s never
    starts it) and shut down with the poll.  If the pool cannot start, documents are
    parsed in the fetch threads instead; if a worker dies, the feeds it had in hand
    fail (the document may be what killed it) and the rest of the poll is parsed in
    the fetch threads."""

    def __init__(self, cfg: Any, workers: int) -> None:
        super().__init__(cfg)
        self._conflicts = getattr(cfg, "conflicts", None) or []
        self._workers = workers
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._failed = False

    def read(
        self, body: bytes, headers: dict[str, str], url: str, now: datetime, known: frozenset[str] = frozenset()
    ) -> _Read:
        pool = self._get_pool()
        future = None
        if pool is not None:
            try:
                future = pool.submit(_read_in_worker, body, headers, url, now, known)
            except (BrokenProcessPool, RuntimeError, OSError) as exc:
                self._give_up(exc)
        if future is None:
            return super().read(body, headers, url, now, known)
        try:
            return future.result()
        except BrokenProcessPool as exc:
            self._give_up(exc)
            raise

    def _get_pool(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._pool is None and not self._failed:
                try:
                    self._pool = ProcessPoolExecutor(
                        self._workers, mp_context=_mp_context(),
                        initializer=_start_worker, initargs=(self._conflicts, os.getpid()),
                    )
                except (OSError, ValueError, ImportError, NotImplementedError) as exc:
                    self._failed = True
                    log.warning("parsing in the fetch threads: cannot start parser processes: %s", _words(exc))
            return None if self._failed else self._pool

    def _give_up(self, exc: BaseException) -> None:
        with self._lock:
            if not self._failed:
                self._failed = True
                log.warning("parsing in the fetch threads: parser processes failed: %s", _words(exc))

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            pool, self._pool, self._failed = self._pool, None, True
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _mp_context() -> multiprocessing.context.BaseContext:
    """Not "fork": the poller has threads running (a fork copies their locks held).
    A fork server starts once, clean, imports the parser, readies the extraction rules
    (``sitmon.extract.warm``) and forks each worker from itself, so workers start in
    milliseconds, not an interpreter's start-up and a rules warm-up each."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


_worker_extractor: _LazyExtractor | None = None  # in a parser process


def _start_worker(conflicts: list[dict], poller: int) -> None:
    """Set up one parser process for the polling process ``poller``."""
    global _worker_extractor
    # Ctrl-C reaches the whole process group: the poller handles it and shuts the
    # pool down; a worker dying of it mid-task would only break the pool
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # the poller's own threads come first -- the screen, and the writer every parsed
    # feed waits for: on two cores, three busy processes would share them evenly
    try:
        os.nice(PARSER_NICENESS)
    except (AttributeError, OSError):  # no nice() here, or not allowed: run as is
        pass
    # nothing a worker could print belongs on the user's terminal (the TUI owns it),
    # and a worker must not keep the poller's output pipes open for whoever reads them
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    threading.Thread(target=_exit_with, args=(poller,), daemon=True).start()
    _worker_extractor = _LazyExtractor(conflicts)


def _exit_with(poller: int) -> None:
    """A worker whose poller was killed would wait for work forever (it holds its
    own queue's write end, and the fork server waits for its workers): leave."""
    while _alive(poller):
        time.sleep(_PARENT_CHECK_S)
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the number now belongs to another user's process
        return False
    try:  # a killed poller stays a zombie until its own parent reaps it
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[:1] != [b"Z"]
    except OSError:  # no /proc here: the signal check is all there is
        return True


def _read_in_worker(body: bytes, headers: dict[str, str], url: str, now: datetime, known: frozenset[str]) -> _Read:
    assert _worker_extractor is not None
    return _read(body, headers, url, now, _worker_extractor, known)


def _words(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"


class _HostLimiter:
    """At most ``per_host`` fetches in flight to any one host."""

    def __init__(self, per_host: int) -> None:
        self._per_host = max(1, per_host)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.Semaphore(self._per_host))
        with semaphore:
            yield


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _interleave_hosts(feeds: list[Any]) -> list[Any]:
    """Order feeds round-robin by host, so workers are not all queued on one host's slots."""
    by_host: dict[str, deque] = defaultdict(deque)
    for feed in feeds:
        by_host[_host(feed.url)].append(feed)
    order = []
    queues = list(by_host.values())
    while queues:
        order.extend(q.popleft() for q in queues)
        queues = [q for q in queues if q]
    return order


# --- writing (calling thread only) ---------------------------------------------


def _record(store: Any, cfg: Any, done: _Done, now: datetime, report: PollReport, late: _LazyExtractor) -> None:
    from sitmon.fetch import next_attempt

    fetched, parsed = done.fetch, done.parsed
    url = _follow_move(store, done.feed.url, fetched.moved_to)
    error = fetched.error or (parsed.error if parsed else None)
    failures = getattr(done.feed, "failures", 0) or 0
    if error:
        failures += 1
        fields = {
            "last_attempt": now,
            "status": fetched.status,
            "error": error,
            "failures": failures,
            "next_attempt": next_attempt(failures, fetched.retry_after, now, cfg.poll_interval),
        }
        if parsed is not None:
            fields["bozo"] = parsed.bozo
        store.record_fetch(url, **fields)
        report.feeds_failed.append((url, error))
        return
    fields = {
        "last_attempt": now,
        "last_success": now,
        "status": fetched.status,
        "error": None,
        "failures": 0,
        "next_attempt": next_attempt(0, fetched.retry_after, now, cfg.poll_interval),
    }
    # a 304 may omit the validators: keep the stored ones then
    if fetched.etag or not fetched.not_modified:
        fields["etag"] = fetched.etag
    if fetched.last_modified or not fetched.not_modified:
        fields["last_modified"] = fetched.last_modified
    if fetched.not_modified:
        store.record_fetch(url, **fields)
        report.feeds_not_modified += 1
        return
    assert parsed is not None
    fields.update(items=parsed.entries, bozo=parsed.bozo, title=parsed.title)
    stories = parsed.stories
    if stories and stories[0].feed_url != url:  # the store refused the new URL
        stories = [replace(s, feed_url=url) for s in stories]
    _extract_gone(store, url, done, late)
    result = store.ingest(url, stories, done.events, fields, title_keys=done.title_keys)
    report.feeds_ok += 1
    report.new_stories += result.new_stories
    report.new_clusters += result.new_clusters
    report.events += result.events if isinstance(result.events, int) else len(result.events)
    report.extract_errors += done.extract_errors


def _extract_gone(store: Any, url: str, done: _Done, late: _LazyExtractor) -> None:
    """Extract, here, the stories skipped as stored that are not stored after all
    (pruned since they were looked up): they must not go in without their events."""
    if not done.unread or done.parsed is None:
        return
    gone = done.unread - store.story_ids(url, among=done.unread)
    if not gone:
        return
    messages: list[tuple[int, str]] = []
    extract, _ = late.get()
    stories = [s for s in done.parsed.stories if s.id in gone]
    events, failed = _extract_all(stories, extract, messages)
    done.events.update(events)
    done.extract_errors += failed
    for level, message in messages:
        log.log(level, message)


class _KnownStories:
    """The ids of each feed's stored stories, read on a connection of its own (the
    writer holds its store through whole transactions), so that the fetch threads
    can have a changed feed's old stories skipped by the extractor.  Without it
    (the store cannot be opened twice) nothing is skipped."""

    def __init__(self, store: Any) -> None:
        self._path = getattr(store, "path", None)
        self._factory = type(store)
        self._lock = threading.Lock()
        self._reader: Any = None
        self._failed = self._path is None

    def ids(self, url: str) -> frozenset[str]:
        with self._lock:
            if self._failed:
                return frozenset()
            try:
                if self._reader is None:
                    self._reader = self._factory(self._path)
                return self._reader.story_ids(url)
            except Exception as exc:  # a slower poll, not a failed one
                log.debug("not skipping stored stories: %s", _words(exc))
                self._failed = True
                return frozenset()

    def close(self) -> None:
        with self._lock:
            reader, self._reader, self._failed = self._reader, None, True
        if reader is not None:
            reader.close()


def _follow_move(store: Any, url: str, moved_to: str | None) -> str:
    """Store a permanent redirect's new URL; the URL to record under."""
    if not moved_to or moved_to == url:
        return url
    try:
        moved = store.rename_feed(url, moved_to)
    except Exception as exc:  # a store that cannot move it: keep polling the old URL
        log.warning("could not move feed %s to %s: %s", url, moved_to, _words(exc))
        return url
    return url if moved is False else moved_to
