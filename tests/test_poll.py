"""poll_once end to end: loopback feeds -> real Store in a temporary SQLite file."""

from __future__ import annotations

import gc
import logging
import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from datetime import datetime, timedelta, timezone

import pytest
from conftest import fixture_feed, rss_document

from sitmon.config import Config
from sitmon.parse import Story
from sitmon import poll as poll_module
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

    messages: list[tuple[int, str]] = []
    events, errors = _extract_all(stories, fragile, messages)
    assert errors == 1
    assert events == {"a": [{"type": "truce", "conflict": None, "evidence": "Ceasefire holds"}]}
    # one warning for the feed, the traceback at debug level
    assert [level for level, _ in messages] == [logging.WARNING, logging.DEBUG]
    assert "1 of 2 stories" in messages[0][1] and "unreadable sentence" in messages[1][1]


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


# --- parsing in worker processes -------------------------------------------------


def _stored(store) -> tuple:
    events = sorted((e.cluster_id, e.story_key, str(e.data)) for e in store.stored_events())
    return store.export_stories(None), events, [
        (f.url, f.status, f.error, f.items, f.bozo, f.title) for f in store.feeds(include_disabled=True)
    ]


def _many_outlets(feed_server, store) -> list[str]:
    """Enough feeds for a poll to use parser processes (some of them broken)."""
    routes = {f"/{i}{path}": {"body": fixture_feed(name)} for i in range(3) for path, name in OUTLETS.items()}
    routes["/page"] = {"body": fixture_feed("not_a_feed.html"), "content_type": "text/html"}
    routes["/blog"] = {"body": fixture_feed("broken_but_readable.xml")}
    for path, options in routes.items():
        options["etag"] = f'"{path}"'
    return serve(feed_server, store, routes)


def test_a_big_poll_parses_in_worker_processes_and_stores_the_same(feed_server, tmp_path, cfg, monkeypatch):
    assert 3 * len(OUTLETS) + 2 >= poll_module.POOL_MIN_FEEDS
    cfg.concurrency = 1  # the same order of arrival, so the same clusters
    results = []
    for parse_here in (True, False):
        with store_module.Store(tmp_path / f"{parse_here}.db") as store:
            _many_outlets(feed_server, store)
            with monkeypatch.context() as patch:
                if parse_here:
                    patch.setattr(poll_module, "POOL_MIN_FEEDS", 10_000)
                else:  # every document must be read by a worker process
                    patch.setattr(poll_module._LocalParser, "read", None)
                report = poll_once(store, cfg, now=NOW)
            assert report.feeds_ok == 10 and [e for _, e in report.feeds_failed] == ["not a feed (text/html)"]
            results.append(_stored(store))
    assert results[0] == results[1]
    assert results[0][1]  # with events


def test_a_poll_of_unchanged_feeds_starts_no_processes(feed_server, store, cfg, monkeypatch):
    _many_outlets(feed_server, store)
    poll_once(store, cfg, now=NOW)

    def no_processes():
        raise AssertionError("a poll of 304s started parser processes")

    monkeypatch.setattr(poll_module, "_mp_context", no_processes)
    again = poll_once(store, cfg, now=NOW + timedelta(minutes=5), force=True)
    assert again.feeds_not_modified == 10


def test_parser_processes_that_cannot_start_leave_parsing_to_the_fetch_threads(
    feed_server, store, cfg, monkeypatch, caplog
):
    _many_outlets(feed_server, store)

    def no_processes():
        raise OSError("no semaphores here")

    monkeypatch.setattr(poll_module, "_mp_context", no_processes)
    report = poll_once(store, cfg, now=NOW)
    assert report.feeds_ok == 10 and report.events > 0
    assert "cannot start parser processes: OSError: no semaphores here" in caplog.text


def test_a_parser_process_that_dies_fails_its_feed_and_the_rest_parse_in_threads(cfg):
    body = rss_document([{"guid": "1", "title": "Shelling resumes in Ganja"}])
    big = rss_document([{"guid": str(i), "title": f"Shelling resumes in Ganja, {i} hurt"} for i in range(3000)])
    with poll_module._ProcessParser(cfg, 1) as parser:
        assert len(parser.read(body, {}, "https://a.example/rss", NOW).parsed.stories) == 1
        outcome: list = []

        def read_big() -> None:
            try:
                outcome.append(parser.read(big, {}, "https://b.example/rss", NOW))
            except BrokenProcessPool as exc:
                outcome.append(exc)

        reader = threading.Thread(target=read_big)
        reader.start()
        while not parser._pool._pending_work_items and reader.is_alive():
            time.sleep(0.005)
        for worker in list(parser._pool._processes.values()):
            os.kill(worker.pid, signal.SIGKILL)
        reader.join(30)
        assert [type(o) for o in outcome] == [BrokenProcessPool]
        after = parser.read(body, {}, "https://c.example/rss", NOW)  # in this thread now
        assert [s.feed_url for s in after.parsed.stories] == ["https://c.example/rss"]


def test_a_feed_whose_parser_process_died_is_a_failed_feed(feed_server, store, cfg, monkeypatch):
    [url] = serve(feed_server, store, {"/rss": {"body": fixture_feed("caucasus_wire.rss")}})

    class Dying(poll_module._LocalParser):
        def read(self, *args):
            raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    monkeypatch.setattr(poll_module, "_parser_for", lambda cfg, n: Dying(cfg))
    report = poll_once(store, cfg, now=NOW)
    assert report.feeds_failed == [(url, "internal error: BrokenProcessPool: A process in the process "
                                         "pool was terminated abruptly")]
    assert feed_health(store, url).failures == 1


def _marked_processes(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and mark.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_parser_processes_leave_when_the_poller_is_killed(feed_server, tmp_path):
    """A poller killed outright (kill -9, OOM killer) leaves no parser process behind."""
    body = fixture_feed("caucasus_wire.rss")
    urls = [feed_server.add(f"/{i}.rss", body) for i in range(poll_module.POOL_MIN_FEEDS)]
    urls.append(feed_server.add("/slow.rss", body, delay=30))  # keeps the poll going
    script = textwrap.dedent(f"""
        from sitmon.config import Config
        from sitmon.poll import poll_once
        from sitmon.store import Store
        if __name__ == "__main__":
            cfg = Config(timeout=60, feeds=[])
            poll_once(Store({str(tmp_path / "p.db")!r}), cfg, feeds={urls!r})
    """)
    mark = f"SITMON_TEST_MARK={os.getpid()}-{time.monotonic_ns()}"
    poller = subprocess.Popen([sys.executable, "-c", script],
                              env={**os.environ, "SITMON_TEST_MARK": mark.split("=", 1)[1]})
    try:
        deadline = time.monotonic() + 20
        while len(_marked_processes(mark)) < 3 and time.monotonic() < deadline:  # poller + workers
            time.sleep(0.1)
        assert len(_marked_processes(mark)) >= 3, "no parser processes started"
    finally:
        poller.kill()
        poller.wait()
    deadline = time.monotonic() + 10
    while _marked_processes(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _marked_processes(mark)
    for pid in left:  # do not leave them to the next test run
        os.kill(pid, signal.SIGKILL)
    assert left == []


def test_a_failed_write_inside_a_poll_batch_undoes_only_itself(store):
    """Finished feeds are written together in one transaction (``store.batch``); one
    write failing half-way inside it must take back its own rows and nothing else."""
    def stories(feed: str, *titles: str) -> list[Story]:
        return [Story(f"{feed}-{i}", feed, None, title, "", NOW) for i, title in enumerate(titles)]

    good = stories("http://a.example/rss", "Shelling hits Ganja overnight", "Talks resume in Geneva")
    bad = stories("http://b.example/rss", "Convoy reaches Lachin corridor")
    later = stories("http://c.example/rss", "Drone strike on Tartar market")
    unwritable = {bad[0].id: [{"type": "violation", "conflict": "nagorno-karabakh", "odd": {("not", "a", "key"): 1}}]}
    with store.batch():
        store.ingest(good[0].feed_url, good)
        with pytest.raises(TypeError):  # the event cannot be stored after its story was
            store.ingest(bad[0].feed_url, bad, unwritable)
        store.ingest(later[0].feed_url, later)
    reopened = store_module.Store(store.path)
    try:
        rows = reopened.conn.execute("SELECT title FROM stories ORDER BY id").fetchall()
    finally:
        reopened.close()
    assert [r[0] for r in rows] == [s.title for s in good + later]


def test_a_poll_sets_off_no_full_collection_and_leaves_the_collector_as_it_was(
        feed_server, store, cfg, monkeypatch):
    """What a poll makes is thousands of small objects that live on: a collection of the
    older generations would only rescan them and the heap, so during a poll the
    collector looks at young objects only (cycles that die young are still freed), and
    it is as it was afterwards however the poll ends."""
    outlets(feed_server, store)
    collections: list[int] = []
    seen_by_writer: list[list[int]] = []  # generations collected so far, as each feed was written
    ingest = store.ingest
    before = gc.get_threshold()

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            collections.append(info["generation"])

    def written(*args, **kwargs):
        result = ingest(*args, **kwargs)
        seen_by_writer.append(list(collections))
        return result

    monkeypatch.setattr(store, "ingest", written)
    gc.collect()  # what the fixtures made does not count against the poll
    gc.callbacks.append(count)
    try:
        report = poll_once(store, cfg, now=NOW)
    finally:
        gc.callbacks.remove(count)
    assert report.new_stories > 0 and len(seen_by_writer) == 3
    assert seen_by_writer[-1] and set(seen_by_writer[-1]) == {0}  # young collections ran, no other
    assert gc.isenabled() and gc.get_threshold() == before

    def disk_full(*args, **kwargs):
        raise store_module.StoreError("cannot write database: disk full")

    monkeypatch.setattr(store, "ingest", disk_full)
    monkeypatch.setattr(store, "record_fetch", disk_full)  # the feeds answer 304 now
    with pytest.raises(store_module.StoreError):
        poll_once(store, cfg, now=NOW + timedelta(hours=1), force=True)
    assert gc.isenabled() and gc.get_threshold() == before


def test_the_parser_warm_up_story_walks_every_finder():
    """The fork server readies the rules with one made-up story before forking parser
    processes; it only saves them their first-use work if every finder fires on it."""
    from sitmon.extract import extract
    from sitmon.extract.warm import WARM_UP_STORY

    assert "sitmon.extract.warm" in poll_module._PRELOAD
    found = extract(*WARM_UP_STORY)
    kinds = {e.type for e in found}
    assert {"truce", "violation", "casualty"} <= kinds, kinds
    assert any(e.type == "truce" and e.effective and e.mediators for e in found)
    assert any(e.type == "violation" and e.location for e in found)
    assert {"incident", "cumulative"} <= {e.scope for e in found if e.type == "casualty"}
    assert any(not e.evidence.isascii() and e.type == "violation" for e in found)
    ready = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sitmon.extract.warm
        from sitmon.extract import truce, violation
        print(all(f.cache_info().currsize for m in (truce, violation) for f in (m.rules, m.ascii_rules)))
    """)], capture_output=True, text=True, check=True)
    assert ready.stdout.strip() == "True", "both rule sets must be compiled by the warm-up"


def test_parser_processes_start_without_the_http_client():
    """A parser process only parses and extracts: what the fork server preloads for it
    must not pull in httpx (and with it rich and click), ~55 ms of every start."""
    loaded = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import importlib, sys
        for name in {poll_module._PRELOAD!r}:
            importlib.import_module(name)
        from sitmon.poll import _read_in_worker
        print(sorted(m for m in ("httpx", "rich", "click") if m in sys.modules))
    """)], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_title_keys_made_beside_the_parser_cluster_as_the_store_would(tmp_path):
    """The parser hands the writer each story's dedup title key; the stories must fold
    exactly as when the store makes the keys itself."""
    when = NOW - timedelta(hours=1)
    wire = rss_document([
        {"guid": "a", "title": "Azerbaijani shelling kills 3 in Stepanakert", "published": when},
        {"guid": "b", "title": "Truce talks open in Moscow", "published": when},
        {"guid": "a", "title": "Aid convoy reaches Lachin", "published": when},
    ])
    globe = rss_document([
        {"guid": "g1", "title": "3 killed as Azerbaijani shelling hits Stepanakert - Globe", "published": when},
        {"guid": "g2", "title": "Aid convoy reaches Lachin", "published": when},
    ])
    clusters = []
    for given in (True, False):
        with store_module.Store(tmp_path / f"{given}.db") as store:
            for url, body in (("https://wire.example/rss", wire), ("https://globe.example/rss", globe)):
                read = poll_module._read(body, {}, url, NOW, poll_module._LazyExtractor([]))
                store.ingest(url, read.parsed.stories, read.events, {}, title_keys=read.title_keys if given else None)
            clusters.append(sorted(store.conn.execute("SELECT title, cluster_id FROM stories").fetchall()))
    assert clusters[0] == clusters[1]
    folded = {title: cluster for title, cluster in clusters[0]}
    assert folded["Azerbaijani shelling kills 3 in Stepanakert"] == folded[
        "3 killed as Azerbaijani shelling hits Stepanakert - Globe"]
    assert "Aid convoy reaches Lachin" in folded and len(clusters[0]) == 4


def _newsroom_feed(*titles: str) -> bytes:
    when = NOW - timedelta(hours=2)
    return rss_document([
        {"guid": f"g-{t}", "title": t, "summary": f"{t}. Officials said the truce had held until then.",
         "published": when} for t in titles
    ])


def _extracted_ids(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = poll_module._extract_all

    def spy(stories, extractor, messages):
        seen.extend(s.id for s in stories)
        return real(stories, extractor, messages)

    monkeypatch.setattr(poll_module, "_extract_all", spy)
    return seen


def test_a_changed_feed_has_only_its_new_stories_extracted(feed_server, store, cfg, monkeypatch):
    """A feed that changed mostly repeats what it had: the old stories cost a parse,
    not another reading, and the store ends up exactly as if every story was read."""
    old = ["Shelling kills 3 in Ganja", "Drone strike hits Stepanakert market"]
    new = "Truce collapses as 5 killed in Tartar"
    [url] = serve(feed_server, store, {"/rss": {"body": _newsroom_feed(*old)}})
    extracted = _extracted_ids(monkeypatch)
    poll_once(store, cfg, now=NOW)
    assert sorted(extracted) == sorted(f"g-{t}" for t in old)
    feed_server.add("/rss", _newsroom_feed(new, *old))
    extracted.clear()
    report = poll_once(store, cfg, now=NOW + timedelta(minutes=5), force=True)
    assert extracted == [f"g-{new}"]
    assert report.new_stories == 1 and report.events > 0
    with store_module.Store(store.path.with_name("read-all.db")) as read_all:  # one poll, all three new
        read_all.add_feed(url)
        poll_once(read_all, cfg, now=NOW + timedelta(minutes=5))
        assert _events_by_guid(store) == _events_by_guid(read_all)


def _events_by_guid(store) -> list[tuple[str, str]]:
    return sorted(store.conn.execute(
        "SELECT s.guid, e.data FROM events e JOIN stories s ON s.id = e.story_key").fetchall())


def test_a_story_skipped_as_stored_but_gone_is_read_before_it_is_stored(feed_server, store, cfg, monkeypatch):
    """Between the look-up and the write a stored story may be pruned: it comes back
    read, with its events, not bare."""
    title = "Shelling kills 3 in Ganja"
    serve(feed_server, store, {"/rss": {"body": _newsroom_feed(title)}})
    monkeypatch.setattr(poll_module._KnownStories, "ids", lambda self, url: frozenset({f"g-{title}"}))
    report = poll_once(store, cfg, now=NOW)
    assert report.new_stories == 1 and report.events > 0
    assert {e.data["type"] for e in store.stored_events()} >= {"casualty"}


def test_parser_processes_yield_the_cpu_to_the_poller(cfg):
    """On a small machine the screen and the writer must not queue behind parsing."""
    body = rss_document([{"guid": "1", "title": "Shelling resumes in Ganja"}])
    with poll_module._ProcessParser(cfg, 1) as parser:
        parser.read(body, {}, "https://a.example/rss", NOW)
        niceness = parser._pool.submit(os.nice, 0).result(timeout=30)
    assert niceness == min(19, os.nice(0) + poll_module.PARSER_NICENESS)


def test_feeds_finishing_moments_apart_are_written_in_one_transaction():
    """Each commit writes a few hundred pages however few stories it holds, so the
    writer waits a moment (BATCH_WAIT_S) for feeds finishing just after the first;
    a feed finishing later is not waited for."""
    finished = queue.SimpleQueue()

    def fetch_threads() -> None:
        for name, pause in [("a", 0.005), ("b", 0.005), ("c", 1.0), ("late", 0.0)]:
            finished.put(name)
            time.sleep(pause)

    threading.Thread(target=fetch_threads, daemon=True).start()
    started = time.monotonic()
    batches = poll_module._batches(finished, 4)
    first = next(batches)
    first_written = time.monotonic() - started
    assert first == ["a", "b", "c"]  # without the wait, "a" was written alone
    assert first_written < 0.6  # the late feed was not waited for
    assert next(batches) == ["late"]
