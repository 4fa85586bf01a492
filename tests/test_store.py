"""The SQLite store on real files: schema and migrations, exact and fuzzy dedup through
ingest, full-text search, reading for the UI and export, retention, and surviving
corrupt files, crashes, concurrent writers, read-only directories and full disks."""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sitmon import dedup
from sitmon import store as store_module
from sitmon.model import StoredEvent
from sitmon.parse import Story
from sitmon.store import SCHEMA_VERSION, Store, StoreError

T0 = datetime(2020, 10, 17, 20, 0, tzinfo=timezone.utc)
KARABAKH = "Armenia–Azerbaijan"
FEED_A, FEED_B, FEED_C = "https://a.example/rss", "https://b.example/rss", "https://c.example/rss"


def story(guid: str, title: str, feed: str = FEED_A, *, hours: float = 0, link: str | None = None,
          summary: str = "") -> Story:
    return Story(
        id=guid,
        feed_url=feed,
        link=link if link is not None else f"{feed.rsplit('/', 1)[0]}/{guid}",
        title=title,
        summary=summary,
        published=T0 + timedelta(hours=hours),
    )


def casualty(killed: int, evidence: str) -> dict:
    return {"type": "casualty", "conflict": KARABAKH, "evidence": evidence, "killed": killed}


def cluster_of(s: Store, guid: str) -> int:
    """The cluster holding the stored story with this guid."""
    return s.conn.execute("SELECT cluster_id FROM stories WHERE guid = ?", (guid,)).fetchone()[0]


def named(s: Store, cluster_ids: Iterable[int]) -> list[str]:
    """Clusters named by their first story's guid, for readable assertions."""
    return [s.conn.execute("SELECT guid FROM stories WHERE cluster_id = ? ORDER BY published, id",
                           (c,)).fetchone()[0] for c in cluster_ids]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "sitmon.db"


@pytest.fixture
def store(db: Path):
    with Store(db) as opened:
        yield opened


# --- opening, schema, migrations ---------------------------------------------------


def test_new_store_is_wal_with_current_schema_and_reopens_with_its_data(db):
    with Store(db) as s:
        s.ingest(FEED_A, [story("a1", "Truce holds in Karabakh")])
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = raw.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        assert int(version) == SCHEMA_VERSION
    with Store(db) as s:
        assert [c.title for c in s.recent_clusters()] == ["Truce holds in Karabakh"]


def test_opening_an_older_schema_applies_the_new_migrations_in_order(db, monkeypatch):
    with Store(db) as s:
        s.ingest(FEED_A, [story("a1", "Truce holds in Karabakh")])

    def add_note_column(database):
        database.execute("ALTER TABLE clusters ADD COLUMN note TEXT DEFAULT 'migrated'")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*store_module.MIGRATIONS, add_note_column])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store(db) as s:
        assert s.recent_clusters()[0].title == "Truce holds in Karabakh"
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT note FROM clusters").fetchone()[0] == "migrated"
        version = raw.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        assert int(version) == SCHEMA_VERSION + 1


def test_a_feed_new_to_a_big_cluster_is_found_by_index_not_by_reading_the_cluster(db):
    x = "Armenia and Azerbaijan agree new humanitarian ceasefire"
    with Store(db) as s:
        for n in range(30):  # one big story, told by thirty feeds
            feed = f"https://outlet{n}.example/rss"
            s.ingest(feed, [story(f"g{n}", f"{x} | Outlet {n}", feed, hours=n / 10)])
        (cluster,) = s.recent_clusters()
        assert cluster.n_sources == 30
        s.conn.execute("ANALYZE")
        plan = " ".join(row[-1] for row in s.conn.execute(
            f"EXPLAIN QUERY PLAN {store_module._FEED_IN_CLUSTER}", (cluster.id, FEED_A)))
    assert "COVERING INDEX stories_cluster_feed" in plan, plan


def test_a_version_6_store_gains_the_cluster_feed_index_and_keeps_counting_sources(db):
    x = "Armenia and Azerbaijan agree new humanitarian ceasefire"
    with Store(db) as s:
        s.ingest(FEED_A, [story("a1", f"LIVE: {x}", FEED_A)])
    with sqlite3.connect(db) as raw:  # as the previous version left it
        raw.execute("DROP INDEX stories_cluster_feed")
        raw.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    with Store(db) as s:
        s.ingest(FEED_A, [story("a2", f"{x} (update)", FEED_A, hours=1)])
        s.ingest(FEED_B, [story("b1", f"{x} | World news", FEED_B, hours=2)])
        (cluster,) = s.recent_clusters()
        assert cluster.n_sources == 2
    with sqlite3.connect(db) as raw:
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "stories_cluster_feed" in names
        assert raw.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)


def _index_matches_stories(s: Store) -> None:
    """FTS5's own check of the full-text index against the stories table (with rank 1
    it compares the external content): a story left out or indexed twice fails it."""
    s.conn.execute("INSERT INTO stories_fts(stories_fts, rank) VALUES ('integrity-check', 1)")


def _stories_about(place: str, feed: str, n: int, hours: float = 0) -> list[Story]:
    return [story(f"{place}-{feed[8]}{i}", f"Shelling hits {place} district {i} overnight", feed,
                  hours=hours + i / 60, summary=f"Residents of {place} sheltered; report {feed[8]}{i}.")
            for i in range(n)]


def test_the_full_text_index_holds_every_new_story_once(db):
    sudan = {"type": "truce", "conflict": "Sudan", "evidence": "Talks resume."}
    with Store(db) as s:
        with s.batch():  # a poll's feeds written in one transaction
            s.ingest(FEED_A, _stories_about("Omdurman", FEED_A, 20))
            s.ingest(FEED_B, _stories_about("Omdurman", FEED_B, 20, hours=0.5))
        # a story joining a cluster brings it a conflict: the cluster's stories are re-indexed
        s.ingest(FEED_C, [story("c1", "Shelling hits Omdurman district 3 overnight - Reuters", FEED_C,
                                hours=1, link="https://a.example/Omdurman-a3")], {"c1": [sudan]})
        _index_matches_stories(s)
        assert len(s.search("sheltered")) == s.conn.execute("SELECT COUNT(DISTINCT cluster_id) FROM stories").fetchone()[0]
        assert [r.id for r in s.search("Omdurman", conflict="Sudan")] == [cluster_of(s, "Omdurman-a3")]
        assert s.prune(1, now=T0 + timedelta(days=2)) == 41
        _index_matches_stories(s)
        assert s.search("sheltered") == []


def test_a_feeds_stories_enter_the_full_text_index_at_once(db):
    """FTS5 writes what it holds in memory as a new segment whenever a statement may
    need rolling back; indexed by a trigger, story after story, each made a segment
    of its own (the index's data table had 12 rows after these 40, merges and all)."""
    with Store(db) as s:
        empty = s.conn.execute("SELECT COUNT(*) FROM stories_fts_data").fetchone()[0]
        s.ingest(FEED_A, _stories_about("Kharkiv", FEED_A, 40))
        assert len(s.search("Kharkiv")) == 40
        assert s.conn.execute("SELECT COUNT(*) FROM stories_fts_data").fetchone()[0] == empty + 1


def test_a_version_7_store_indexes_new_stories_once(db):
    with Store(db) as s:
        s.ingest(FEED_A, _stories_about("Sumy", FEED_A, 3))
    with sqlite3.connect(db) as raw:  # as the previous version left it: indexed by a trigger
        raw.execute(store_module._FTS_V3[1])
        raw.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    raw.close()
    with Store(db) as s:
        s.ingest(FEED_B, _stories_about("Lviv", FEED_B, 3, hours=5))
        _index_matches_stories(s)
        assert len(s.search("sheltered")) == 6
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name = 'stories_ai'").fetchall() == []
    raw.close()


def test_a_newer_schema_is_refused_without_touching_the_file(db):
    Store(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 5,))
    before = db.read_bytes()
    with pytest.raises(StoreError, match="newer") as err:
        Store(db)
    assert str(db) in str(err.value) and "\n" not in str(err.value)
    assert db.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused_and_never_overwritten(db):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"these are my notes, not a database\n" * 100)
    before = db.read_bytes()
    with pytest.raises(StoreError) as err:
        Store(db)
    message = str(err.value)
    assert message.startswith(f"cannot read database {db}:") and "\n" not in message
    assert db.read_bytes() == before
    assert not Path(f"{db}-wal").exists()


def test_another_programs_sqlite_file_is_refused_untouched(db):
    db.parent.mkdir(parents=True)
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE recipes (name TEXT)")
    before = db.read_bytes()
    with pytest.raises(StoreError, match="not a sitmon database"):
        Store(db)
    assert db.read_bytes() == before


def test_a_damaged_database_gives_one_line_and_is_not_written(db):
    with Store(db) as s:
        s.ingest(FEED_A, [story(f"g{i}", f"Shelling reported in village {i}", summary="x" * 500)
                          for i in range(300)])
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = 4096
    for start in range(page, len(data) - page, page * 2):  # scribble over every other page
        data[start : start + page] = os.urandom(page)
    db.write_bytes(bytes(data))
    before = db.read_bytes()
    with pytest.raises(StoreError) as err:
        with Store(db) as s:
            s.recent_clusters()
            s.search("village")
            s.stored_events()
            s.ingest(FEED_A, [story("new", "Truce collapses in Karabakh")])
    assert str(db) in str(err.value) and "\n" not in str(err.value)
    assert db.read_bytes() == before


def test_an_empty_file_becomes_a_new_store(db):
    db.parent.mkdir(parents=True)
    db.touch()
    with Store(db) as s:
        assert s.recent_clusters() == []


@contextmanager
def _small_filesystem(size: str = "2m"):
    """A real little tmpfs (root only), unmounted afterwards."""
    where = Path(tempfile.mkdtemp(prefix="sitmon-fs-"))
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small filesystem")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


@contextmanager
def _read_only_dir():
    """A directory holding a sitmon database that then turns read-only.  Root ignores
    permission bits, so as root the directory is a tmpfs remounted read-only."""
    if os.geteuid() != 0:
        where = Path(tempfile.mkdtemp(prefix="sitmon-ro-"))
        Store(where / "old.db").close()
        where.chmod(0o555)
        try:
            yield where
        finally:
            where.chmod(0o755)
        return
    with _small_filesystem() as where:
        with Store(where / "old.db") as s:
            s.add_feed(FEED_A)
        remount = subprocess.run(["mount", "-o", "remount,ro", str(where)], capture_output=True)
        if remount.returncode != 0:
            pytest.skip("cannot remount read-only here")
        yield where


def test_read_only_data_directory_gives_a_clear_error():
    with _read_only_dir() as where:
        for name in ("new.db", "old.db"):
            with pytest.raises(StoreError) as err:
                with Store(where / name) as s:
                    s.add_feed(FEED_B)
            message = str(err.value)
            assert message.startswith("cannot ") and str(where / name) in message
            assert "read-only" in message or "cannot open the file" in message, message
            assert "\n" not in message


def test_a_really_full_disk_gives_a_clear_error_and_keeps_the_database_sound():
    with _small_filesystem("1m") as where:
        with Store(where / "full.db") as s:
            s.ingest(FEED_A, [story("a1", "Truce holds in Karabakh")])
            big = [story(f"b{i}", f"Report number {i} from the front", FEED_B, summary="word " * 500)
                   for i in range(2000)]
            with pytest.raises(StoreError) as err:
                s.ingest(FEED_B, big)
            assert "disk is full" in str(err.value) or "disk I/O" in str(err.value), str(err.value)
            assert s.counts()["stories"] == 1
        with sqlite3.connect(where / "full.db") as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_full_disk_gives_a_clear_error_and_keeps_what_was_stored(store):
    store.ingest(FEED_A, [story("a1", "Truce holds in Karabakh")])
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk fills up now
    big = [story(f"b{i}", f"Report number {i} from the front", summary="word " * 2000)
           for i in range(200)]
    with pytest.raises(StoreError, match="disk is full") as err:
        store.ingest(FEED_B, big)
    assert "\n" not in str(err.value)
    assert store.counts()["stories"] == 1  # nothing half-stored
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_story_without_title_or_summary_is_stored_but_never_merged(store):
    empty = [Story("a1", FEED_A, None, "", "", T0), Story("a2", FEED_A, None, "", "", T0)]
    assert store.ingest(FEED_A, empty).new_clusters == 2


# --- crashes and concurrent writers ------------------------------------------------

_WRITER = textwrap.dedent("""
    import sys
    from datetime import datetime, timedelta, timezone
    from sitmon.parse import Story
    from sitmon.store import Store
    path, feed, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    t0 = datetime(2020, 10, 17, tzinfo=timezone.utc)
    s = Store(path)
    for batch in range(n):
        stories = [Story(f"{feed}-{batch}-{i}", feed, None,
                         f"Report {batch} {i} from {feed.split('/')[2]}: shelling near village {i}",
                         "summary " * 50, t0 + timedelta(minutes=batch))
                   for i in range(40)]
        s.ingest(feed, stories, {stories[0].id: [{"type": "violation", "conflict": "X",
                                                  "evidence": "shelling"}]})
    s.close()
    print("done")
""")


def _writer(db: Path, feed: str, batches: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(store_module.__file__).parents[1])}
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(db), feed, str(batches)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_two_writer_processes_at_once_never_see_database_is_locked(db):
    Store(db).close()
    writers = [_writer(db, FEED_A, 25), _writer(db, FEED_B, 25)]
    with Store(db) as reader:  # and a reader in between, like the TUI
        while any(w.poll() is None for w in writers):
            reader.recent_clusters(limit=50)
            time.sleep(0.01)
    for w in writers:
        out, err = w.communicate()
        assert w.returncode == 0 and out.strip() == "done", err
    with Store(db) as s:
        assert s.counts()["stories"] == 2 * 25 * 40
        assert s.counts()["events"] == 2 * 25


def test_two_stores_writing_from_two_threads(db):
    errors = []

    def work(feed: str) -> None:
        try:
            with Store(db) as s:
                for batch in range(20):
                    s.ingest(feed, [story(f"{feed}{batch}-{i}", f"Clash {batch} {i} at post {feed}",
                                          feed, hours=batch) for i in range(30)])
                    s.record_fetch(feed, last_attempt=T0, status=200)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f,)) for f in (FEED_A, FEED_B, FEED_C)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(db) as s:
        assert s.counts()["stories"] == 3 * 20 * 30


def test_kill_9_while_writing_leaves_a_sound_database_and_no_duplicates(db):
    Store(db).close()
    for round_ in range(4):
        writer = _writer(db, FEED_A, 1000)
        time.sleep(0.4 + 0.15 * round_)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Store(db) as s:
        stored = s.counts()["stories"]
        assert stored % 40 == 0  # whole feeds only, never half of one
        # the next poll of the same items stores nothing twice
        again = [story(f"{FEED_A}-0-{i}", "anything", FEED_A) for i in range(40)]
        assert s.ingest(FEED_A, again).new_stories == (0 if stored else 40)


# --- dedup through ingest ----------------------------------------------------------


def test_same_feed_and_guid_is_already_seen(store):
    first = store.ingest(FEED_A, [story("a1", "Truce holds in Karabakh")])
    again = store.ingest(FEED_A, [story("a1", "Truce holds in Karabakh (updated)")] * 2)
    assert (first.new_stories, again.new_stories) == (1, 0)
    assert store.counts()["stories"] == 1


def test_same_guid_in_two_feeds_are_two_stories(store):
    store.ingest(FEED_A, [story("1", "Truce holds in Karabakh", FEED_A)])
    store.ingest(FEED_B, [story("1", "Rebels seize town in eastern Congo", FEED_B)])
    assert store.counts()["stories"] == 2
    assert len(store.recent_clusters()) == 2
    assert len({c.id for c in store.recent_clusters()}) == 2


def test_same_canonical_link_in_another_feed_joins_the_cluster(store):
    link = "https://news.example/2020/10/17/truce"
    store.ingest(FEED_A, [story("a1", "Truce holds in Karabakh", FEED_A, link=link)])
    result = store.ingest(FEED_B, [story("b1", "Completely different words", FEED_B, link=link)])
    assert (result.new_clusters, result.merged) == (0, 1)
    (cluster,) = store.recent_clusters()
    assert cluster.n_sources == 2


def test_decorated_titles_from_three_outlets_fold_into_one_cluster(store):
    x = "Armenia and Azerbaijan agree new humanitarian ceasefire"
    store.ingest(FEED_A, [story("a1", f"LIVE: {x}", FEED_A)])
    store.ingest(FEED_B, [story("b1", f"{x} | World news", FEED_B, hours=1)])
    store.ingest(FEED_C, [story("c1", f"{x} - Reuters", FEED_C, hours=2)])
    (cluster,) = store.recent_clusters()
    assert cluster.title == x and cluster.n_sources == 3
    assert cluster.published == T0 and cluster.updated == T0 + timedelta(hours=2)
    detail = store.cluster_detail(cluster.id)
    assert [s["title"] for s in detail.sources] == [f"LIVE: {x}", f"{x} | World news", f"{x} - Reuters"]
    assert [s["feed"] for s in detail.sources] == [FEED_A, FEED_B, FEED_C]


def test_different_numbers_and_places_stay_apart(store):
    store.ingest(FEED_A, [story("a1", "14 killed in Ganja", FEED_A)])
    store.ingest(FEED_B, [story("b1", "14 killed in Kharkiv", FEED_B),
                          story("b2", "10 killed in Ganja", FEED_B),
                          story("b3", "Fourteen killed in Ganja", FEED_B)])
    titles = sorted((c.title, c.n_sources) for c in store.recent_clusters())
    assert titles == [("10 killed in Ganja", 1), ("14 killed in Ganja", 2), ("14 killed in Kharkiv", 1)]


def test_duplicates_within_one_batch_fold_too(store):
    result = store.ingest(FEED_A, [
        story("a1", "Missile strike on Ganja kills 14, Azerbaijan says"),
        story("a2", "Azerbaijan: 14 dead after missile strike hits Ganja", hours=0.5),
    ])
    assert (result.new_stories, result.new_clusters, result.merged) == (2, 1, 1)


def test_the_same_headline_outside_the_dedup_window_is_a_new_story(db):
    with Store(db, dedup_window_hours=24) as s:
        s.ingest(FEED_A, [story("a1", "Heavy shelling reported in Stepanakert")])
        s.ingest(FEED_B, [story("b1", "Heavy shelling reported in Stepanakert", FEED_B, hours=24 * 5)])
        assert len(s.recent_clusters()) == 2


def test_joining_cluster_keeps_earliest_published_and_counts_feeds_once(store):
    store.ingest(FEED_A, [story("a1", "Truce holds in Karabakh", hours=5)])
    store.ingest(FEED_B, [story("b1", "Truce holds in Karabakh - Reuters", FEED_B, hours=1)])
    store.ingest(FEED_B, [story("b2", "LIVE: Truce holds in Karabakh", FEED_B, hours=6)])
    (cluster,) = store.recent_clusters()
    assert cluster.n_sources == 2
    assert cluster.published == T0 + timedelta(hours=1)
    assert cluster.updated == T0 + timedelta(hours=6)


# --- reading -----------------------------------------------------------------------


def _karabakh_day(store: Store) -> None:
    store.ingest(FEED_A, [
        story("a1", "Azerbaijan says 14 killed in missile attack on Ganja", hours=0,
              summary="Officials said fourteen people died in the overnight strike."),
        story("a2", "Armenia and Azerbaijan agree humanitarian truce", hours=2),
    ], {"a1": [casualty(14, "Azerbaijan says 14 killed in missile attack on Ganja.")],
        "a2": [{"type": "truce", "conflict": KARABAKH, "status": "agreed",
                "evidence": "Armenia and Azerbaijan agree humanitarian truce."}]})
    store.ingest(FEED_B, [
        story("b1", "Fourteen killed in missile attack on Ganja, Azerbaijan says", FEED_B, hours=3),
        story("b2", "Rebels seize town in eastern Congo", FEED_B, hours=4),
    ], {"b1": [casualty(14, "Fourteen killed in missile attack on Ganja.")],
        "b2": [{"type": "violation", "conflict": "DR Congo", "evidence": "Rebels seize town."}]})


def test_recent_clusters_newest_first_with_tags_and_conflict_filter(store):
    _karabakh_day(store)
    rows = store.recent_clusters()
    assert [r.title for r in rows] == [
        "Rebels seize town in eastern Congo",
        "Azerbaijan says 14 killed in missile attack on Ganja",
        "Armenia and Azerbaijan agree humanitarian truce",
    ]
    assert rows[1].n_sources == 2 and rows[1].tags == ("casualty",) and rows[1].conflicts == (KARABAKH,)
    assert [r.title for r in store.recent_clusters(conflict="DR Congo")] == [rows[0].title]
    assert len(store.recent_clusters(conflict=KARABAKH)) == 2
    assert [r.title for r in store.recent_clusters(until=T0 + timedelta(hours=1))] == [rows[1].title]
    assert len(store.recent_clusters(limit=1)) == 1


def test_full_text_search_over_titles_and_summaries(store):
    _karabakh_day(store)
    assert [r.title for r in store.search("died overnight")] == [
        "Azerbaijan says 14 killed in missile attack on Ganja"]
    assert [r.title for r in store.search("kill")] == [  # stemmed, last word a prefix
        "Azerbaijan says 14 killed in missile attack on Ganja"]
    assert [r.title for r in store.recent_clusters(query="truce")] == [
        "Armenia and Azerbaijan agree humanitarian truce"]
    assert store.recent_clusters(query="Ganja", conflict="DR Congo") == []
    for hostile in ['"', "AND (", "title:*", "NEAR(", "[/", "\x00", "   "]:
        assert isinstance(store.search(hostile), list)


def test_search_within_a_conflict_follows_the_clusters_conflicts(store):
    store.ingest(FEED_A, [story("a1", "Ceasefire talks resume in Jeddah", summary="Envoys meet."),
                          story("a2", "Ceasefire holds in South Sudan", hours=1)],
                 {"a2": [{"type": "truce", "conflict": "South Sudan", "evidence": "Holds."}]})
    assert store.recent_clusters(query="ceasefire", conflict="Sudan") == []
    # another outlet's story brings the first cluster its conflict: the older story,
    # whose own words match, is now found within that conflict
    store.ingest(FEED_B, [story("b1", "Ceasefire talks resume in Jeddah - Reuters", FEED_B, hours=2,
                                link="https://a.example/a1")],
                 {"b1": [{"type": "truce", "conflict": "Sudan", "evidence": "Talks resume."}]})
    # a later source without events of its own is found within the conflict too
    store.ingest(FEED_C, [story("c1", "Army and RSF delegations arrive", FEED_C, hours=3,
                                link="https://a.example/a1")])
    assert named(store, [r.id for r in store.recent_clusters(query="ceasefire", conflict="Sudan")]) == ["a1"]
    assert named(store, [r.id for r in store.search("delegations arrive", conflict="Sudan")]) == ["a1"]
    assert named(store, [r.id for r in store.search("ceasefire", conflict="South Sudan")]) == ["a2"]
    assert store.search("zconflict") == [] and store.search("Sudan", conflict="Yemen") == []
    store.reextract(lambda title, summary, published: [])
    assert store.recent_clusters(query="ceasefire", conflict="Sudan") == []
    assert len(store.search("ceasefire")) == 2


def _v2_store(db: Path) -> None:
    """A database as sitmon with schema version 2 left it, with stories in two conflicts."""
    db.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(db)
    database = store_module.sqlite_utils.Database(raw)
    for migration in store_module.MIGRATIONS[:2]:
        migration(database)
    raw.executescript(f"""
        INSERT INTO meta VALUES ('schema_version', '2');
        INSERT INTO feeds(url) VALUES ('{FEED_A}');
        INSERT INTO clusters VALUES ('s1', 'Ceasefire talks in Jeddah', '2023-05-20T10:00:00Z',
            '2023-05-21T10:00:00Z', 2, 'truce', '["Sudan"]'),
          ('y1', 'Ceasefire extended in Yemen', '2023-05-22T10:00:00Z',
            '2023-05-22T10:00:00Z', 1, 'truce', '["Yemen"]'),
          ('n1', 'Ceasefire anniversary', '2023-05-23T10:00:00Z',
            '2023-05-23T10:00:00Z', 1, '', '[]');
        INSERT INTO stories(feed_url, guid, link, title, summary, published, fetched, cluster_id)
        VALUES ('{FEED_A}', 's1', NULL, 'Ceasefire talks in Jeddah', 'Envoys meet.',
                '2023-05-20T10:00:00Z', '2023-05-20T10:00:00Z', 's1'),
               ('{FEED_A}', 's2', NULL, 'Sudan envoys meet again', 'A truce nears.',
                '2023-05-21T10:00:00Z', '2023-05-21T10:00:00Z', 's1'),
               ('{FEED_A}', 'y1', NULL, 'Ceasefire extended in Yemen', '',
                '2023-05-22T10:00:00Z', '2023-05-22T10:00:00Z', 'y1'),
               ('{FEED_A}', 'n1', NULL, 'Ceasefire anniversary', '',
                '2023-05-23T10:00:00Z', '2023-05-23T10:00:00Z', 'n1');
        INSERT INTO events(cluster_id, story_key, type, conflict, published, data)
        VALUES ('s1', 2, 'truce', 'Sudan', '2023-05-21T10:00:00Z',
                '{{"type": "truce", "conflict": "Sudan", "evidence": "A truce nears."}}'),
               ('y1', 3, 'truce', 'Yemen', '2023-05-22T10:00:00Z',
                '{{"type": "truce", "conflict": "Yemen", "evidence": "Extended."}}');
        INSERT INTO cluster_conflicts VALUES ('Sudan', 's1', '2023-05-21T10:00:00Z'),
                                             ('Yemen', 'y1', '2023-05-22T10:00:00Z');
    """)
    raw.close()


def test_a_version_2_database_is_upgraded_in_place_and_searches_within_conflicts(db):
    _v2_store(db)
    with Store(db) as s:
        assert named(s, [r.id for r in s.recent_clusters(query="ceasefire", conflict="Sudan")]) == ["s1"]
        assert named(s, [r.id for r in s.search("ceasefire")]) == ["n1", "y1", "s1"]
        assert named(s, [r.id for r in s.search("envoys", conflict="Sudan")]) == ["s1"]
        assert s.search("ceasefire", conflict="DR Congo") == []
        # the upgraded index keeps following new stories and deletions
        s.ingest(FEED_B, [story("b1", "Ceasefire talks in Jeddah", FEED_B, hours=24 * 950)],
                 {"b1": [{"type": "truce", "conflict": "Sudan", "evidence": "Talks."}]})
        assert named(s, [r.id for r in s.search("ceasefire", conflict="Sudan")])[0] == "b1"
        s.prune(1, now=T0 + timedelta(days=950))
        assert named(s, [r.id for r in s.search("ceasefire", conflict="Sudan")]) == ["b1"]
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
        raw.execute("INSERT INTO stories_fts(stories_fts) VALUES ('integrity-check')")


def test_cluster_detail_lists_sources_and_events_with_evidence(store):
    _karabakh_day(store)
    detail = store.cluster_detail(cluster_of(store, "a1"))
    assert detail.n_sources == 2
    assert [(s["feed"], s["url"]) for s in detail.sources] == [
        (FEED_A, "https://a.example/a1"), (FEED_B, "https://b.example/b1")]
    assert [e["evidence"] for e in detail.events] == [
        "Azerbaijan says 14 killed in missile attack on Ganja.",
        "Fourteen killed in missile attack on Ganja."]
    assert detail.events[1]["feed"] == FEED_B and detail.events[1]["killed"] == 14
    assert store.cluster_detail(999) is None


def test_stored_events_until_and_conflict_with_sources(store):
    _karabakh_day(store)
    events = store.stored_events()
    assert all(isinstance(e, StoredEvent) for e in events)
    assert [e.data["type"] for e in events] == ["casualty", "truce", "casualty", "violation"]
    ganja = events[0]
    assert ganja.cluster_id == cluster_of(store, "a1") and ganja.published == T0
    assert [s["feed"] for s in ganja.sources] == [FEED_A, FEED_B]
    assert ganja.sources[0] == {"story": ganja.cluster_id, "feed": FEED_A, "url": "https://a.example/a1",
                                "title": "Azerbaijan says 14 killed in missile attack on Ganja"}
    early = store.stored_events(until=T0 + timedelta(hours=2))
    assert [e.data["type"] for e in early] == ["casualty", "truce"]
    assert [s["feed"] for s in early[0].sources] == [FEED_A]  # FEED_B's came later
    assert {e.data["conflict"] for e in store.stored_events(conflict="DR Congo")} == {"DR Congo"}
    assert len(store.stored_events(since=T0 + timedelta(hours=3))) == 2


def test_export_stories_as_of_an_instant(store):
    _karabakh_day(store)
    everything = store.export_stories(None)
    assert set(named(store, [s["id"] for s in everything])) == {"a1", "a2", "b2"}
    ganja = next(s for s in everything if s["id"] == cluster_of(store, "a1"))
    assert ganja == {
        "id": cluster_of(store, "a1"),
        "title": "Azerbaijan says 14 killed in missile attack on Ganja",
        "published": T0.isoformat(),
        "sources": [
            {"feed": FEED_A, "url": "https://a.example/a1",
             "title": "Azerbaijan says 14 killed in missile attack on Ganja"},
            {"feed": FEED_B, "url": "https://b.example/b1",
             "title": "Fourteen killed in missile attack on Ganja, Azerbaijan says"},
        ],
    }
    early = store.export_stories(T0 + timedelta(hours=2))
    assert named(store, [s["id"] for s in early]) == ["a2", "a1"]
    assert len(early[1]["sources"]) == 1


# --- feeds -------------------------------------------------------------------------


def test_feed_management_and_seeding_respects_removed_feeds(store):
    assert store.add_feed(FEED_A, title="Outlet A") is True
    assert store.add_feed(FEED_A) is False
    assert store.seed_feeds([(FEED_A, "x"), (FEED_B, "Outlet B")]) == 1
    assert store.remove_feed(FEED_B) is True
    assert store.remove_feed(FEED_B) is False
    assert store.seed_feeds([(FEED_B, "Outlet B"), (FEED_C, None)]) == 1
    assert [f.url for f in store.feeds()] == [FEED_A, FEED_C]
    assert store.add_feed(FEED_B) is True  # the user may bring it back
    assert store.set_feed_enabled(FEED_C, False)
    assert [f.url for f in store.feeds(include_disabled=False)] == [FEED_A, FEED_B]
    assert [f.title for f in store.feeds()] == ["Outlet A", "Outlet B", None]


def test_record_fetch_and_last_poll(store):
    store.add_feed(FEED_A, title="Mine")
    assert store.last_poll() is None
    store.record_fetch(FEED_A, last_attempt=T0, last_success=T0, status=200, etag='"v1"',
                       items=12, bozo=False, failures=0, next_attempt=T0 + timedelta(minutes=5),
                       title="The outlet's own name", error=None)
    (feed,) = store.feeds()
    assert (feed.status, feed.etag, feed.items, feed.failures) == (200, '"v1"', 12, 0)
    assert feed.last_attempt == T0 and feed.next_attempt == T0 + timedelta(minutes=5)
    assert feed.title == "Mine"  # the user's name wins
    assert store.last_poll() == T0
    with pytest.raises(ValueError):
        store.record_fetch(FEED_A, colour="red")


def test_ingest_records_feed_health_in_the_same_transaction(store):
    store.ingest(FEED_A, [story("a1", "Truce holds")], {}, {"last_attempt": T0, "status": 200,
                                                             "title": "Outlet A"})
    (feed,) = store.feeds()
    assert (feed.title, feed.status, feed.last_attempt) == ("Outlet A", 200, T0)


def test_rename_feed_moves_its_stories(store):
    store.ingest(FEED_A, [story("a1", "Truce holds in Karabakh")])
    assert store.rename_feed(FEED_A, FEED_C) is True
    assert [f.url for f in store.feeds()] == [FEED_C]
    assert store.ingest(FEED_C, [story("a1", "Truce holds in Karabakh", FEED_C)]).new_stories == 0
    store.add_feed(FEED_B)
    assert store.rename_feed(FEED_C, FEED_B) is False  # would merge two feeds: refused


# --- upkeep ------------------------------------------------------------------------


def test_prune_deletes_old_clusters_with_their_stories_and_events(store):
    _karabakh_day(store)
    store.ingest(FEED_C, [story("c1", "Fresh clashes reported on the border", FEED_C, hours=24 * 40)],
                 {"c1": [{"type": "violation", "conflict": KARABAKH, "evidence": "Fresh clashes."}]})
    removed = store.prune(30, now=T0 + timedelta(days=41))
    assert removed == 4
    c1 = cluster_of(store, "c1")
    assert [c.id for c in store.recent_clusters()] == [c1]
    assert store.search("Ganja") == []
    assert [e.cluster_id for e in store.stored_events()] == [c1]
    assert store.counts() == {"feeds": 3, "stories": 1, "clusters": 1, "events": 1}
    assert store.conn.execute("SELECT COUNT(*) FROM cluster_keys WHERE cluster_id != ?", (c1,)).fetchone()[0] == 0
    assert store.prune(30, now=T0 + timedelta(days=41)) == 0


def test_prune_hands_the_freed_pages_back_to_the_disk(store, db):
    long = "Shelling was reported overnight in several districts. " * 40
    store.ingest(FEED_A, [story(f"a{i}", f"Report {i} on shelling near town {i}", summary=long, hours=i / 10)
                          for i in range(300)])
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    full = db.stat().st_size
    assert store.prune(30, now=T0 + timedelta(days=41)) == 300
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert store.conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert db.stat().st_size < full / 4


def test_reextract_replaces_events_and_tags(store):
    _karabakh_day(store)

    def rules_v2(title, summary, published):
        assert isinstance(published, datetime)
        if "Congo" in title:
            return [{"type": "violation", "conflict": "DR Congo", "evidence": title}]
        return []

    assert store.reextract(rules_v2) == 1
    assert [e.data["conflict"] for e in store.stored_events()] == ["DR Congo"]
    assert [r.tags for r in store.recent_clusters()] == [("violation",), (), ()]
    assert store.recent_clusters(conflict=KARABAKH) == []


def test_rules_version_is_remembered(db):
    with Store(db) as s:
        assert s.rules_version == 0
        s.set_rules_version(7)
    with Store(db) as s:
        assert s.rules_version == 7


def test_closed_store_raises_store_error(db):
    s = Store(db)
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.recent_clusters()


def test_stored_events_seen_by_one_store_follow_writes_by_another(db):
    with Store(db) as reader, Store(db) as writer:
        _karabakh_day(writer)
        assert len(reader.stored_events()) == 4
        # a new outlet joins the Ganja cluster; a new event arrives
        writer.ingest(FEED_C, [story("c1", "14 killed in missile attack on Ganja - Reuters", FEED_C,
                                     hours=5)], {"c1": [casualty(14, "14 killed in Ganja.")]})
        events = reader.stored_events()
        assert len(events) == 5
        assert [s["feed"] for s in events[0].sources] == [FEED_A, FEED_B, FEED_C]
        # a story published earlier than everything else arrives late
        writer.ingest(FEED_C, [story("c0", "Drone downed over Tartar", FEED_C, hours=-5)],
                      {"c0": [{"type": "violation", "conflict": KARABAKH, "evidence": "Drone."}]})
        assert reader.stored_events()[0].cluster_id == cluster_of(writer, "c0")
        writer.prune(1, now=T0 + timedelta(days=3))
        assert reader.stored_events() == []


def _naive_events(db: Path, since: str, until: str, conflict: str | None) -> list[tuple]:
    """What stored_events must give, read straight from the tables."""
    with sqlite3.connect(db) as raw:
        rows = raw.execute(
            "SELECT cluster_id, story_key, data FROM events WHERE published BETWEEN ? AND ? "
            "AND (? IS NULL OR conflict = ?) ORDER BY published, id", (since, until, conflict, conflict)
        ).fetchall()
        return [(cluster, key, json.loads(data), [r[0] for r in raw.execute(
            "SELECT feed_url FROM stories WHERE cluster_id = ? AND published <= ? ORDER BY published, id",
            (cluster, until))]) for cluster, key, data in rows]


def test_stored_events_agree_with_the_tables_through_late_and_bulk_arrivals(db, monkeypatch):
    monkeypatch.setattr(store_module, "_BULK_EVENTS", 5)  # the first load counts as bulk
    conflicts = ["Sudan", "Yemen", None]
    with Store(db) as reader, Store(db) as writer:
        for batch, feed in enumerate([FEED_A, FEED_B, FEED_C, FEED_A, FEED_B]):
            # each feed brings stories from hours ago as well as new ones, and retells
            # an earlier batch's story so that clusters gain sources
            hours = [batch * 10 - 25, batch * 10 + 3, batch * 10 - 1, batch * 10]
            stories = [story(f"{feed}{batch}-{i}", f"Report {batch} {i} on shelling near town {i}",
                             feed, hours=h, link=f"https://x.example/{batch % 3}-{i}")
                       for i, h in enumerate(hours)]
            events = {s.id: [{"type": "violation", "conflict": conflicts[(batch + i) % 3],
                              "evidence": s.title}] for i, s in enumerate(stories) if i != 2}
            writer.ingest(feed, stories, events)
            before = reader.stored_events()
            for since, until, conflict in [(None, None, None), (T0, None, "Sudan"),
                                           (None, T0 + timedelta(hours=batch * 10), None),
                                           (T0 - timedelta(hours=20), T0 + timedelta(hours=12), "Yemen")]:
                got = reader.stored_events(until=until, conflict=conflict, since=since)
                low = "0000" if since is None else store_module._ts(since)
                high = "9999" if until is None else store_module._ts(until)
                assert [(e.cluster_id, e.story_key, _set_fields(e.data), [x["feed"] for x in e.sources])
                        for e in got] == [(c, k, _set_fields(d), f) for c, k, d, f in _naive_events(db, low, high, conflict)]
            again = reader.stored_events()
            assert len(before) == len(again) and all(a is b for a, b in zip(before, again))
    assert gc.isenabled()


def _set_fields(data: dict) -> dict:
    """An event's fields as the model reads them: a null or false one may be left out."""
    return {k: v for k, v in data.items() if v is not None and v is not False}


def test_events_from_many_polls_leave_out_null_and_false_fields(db):
    """Half of a casualty's fields are null or false: the events a monitor keeps for
    days hold only the others (issue 5, memory), and read the same through .get."""
    with Store(db) as reader, Store(db) as writer:
        reader.stored_events()
        fields = {**casualty(4, "Shelling near Ganja killed 4"), "wounded": None, "historical": False}
        writer.ingest(FEED_A, [story("a0", "Shelling near Ganja killed 4")], {"a0": [fields]})
        (event,) = reader.stored_events()
    assert event.data["killed"] == 4 and event.data["type"] == "casualty"
    assert "wounded" not in event.data and "historical" not in event.data
    assert event.data.get("wounded") is None and not event.data.get("historical")


def test_events_from_many_polls_hold_one_copy_of_each_repeated_text(db):
    """A monitor left polling keeps every event: repeated names, keys and a story's
    quoted sentence must not cost a copy per poll (issue 5, memory)."""
    sentence = "Shelling near Ganja killed {} people overnight, officials said."
    with Store(db) as reader, Store(db) as writer:
        for poll in range(3):
            said = sentence.format(poll + 2)
            writer.ingest(FEED_A, [story(f"a{poll}", said, hours=poll)], {f"a{poll}": [
                casualty(poll + 2, said),
                {"type": "violation", "conflict": KARABAKH, "evidence": said, "location": "Ganja"},
            ]})
            reader.stored_events()  # each poll is read on its own, as the app does
        events = reader.stored_events()
    assert [e.data["killed"] for e in events if e.data["type"] == "casualty"] == [2, 3, 4]
    assert len({id(e.data["conflict"]) for e in events}) == 1
    assert len({id(e.data["type"]) for e in events}) == 2
    assert len({id(key) for e in events for key in e.data}) == 5  # type conflict evidence killed location
    assert len({id(s["feed"]) for e in events for s in e.sources}) == 1
    for casualty_event, violation in zip(events[::2], events[1::2]):
        assert casualty_event.data["evidence"] is violation.data["evidence"]
        assert casualty_event.cluster_id is violation.cluster_id
        assert casualty_event.published is violation.published


# --- dedup at scale ------------------------------------------------------------------


def test_a_retelling_folds_even_among_many_look_alike_stories(store):
    first = "Russia and Ukraine trade blame over shelling of Zaporizhzhia plant"
    store.ingest(FEED_A, [story("a0", first)])
    # a busy day: many later stories share the same names and words
    crowd = [story(f"a{i}", f"Russia and Ukraine trade blame over shelling of {place} {i}", hours=i / 60)
             for i, place in enumerate(["Kherson", "Odesa", "Sumy", "Kharkiv", "Dnipro"] * 40, 1)]
    store.ingest(FEED_A, crowd)
    result = store.ingest(FEED_B, [story("b0", f"LIVE: {first.upper()} | World news", FEED_B, hours=5)])
    assert result.merged == 1
    detail = store.cluster_detail(cluster_of(store, "a0"))
    assert detail.n_sources == 2 and {s["feed"] for s in detail.sources} == {FEED_A, FEED_B}


def test_upgrading_an_older_database_keeps_folding_its_recent_stories(db):
    db.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(db)
    store_module.MIGRATIONS[0](store_module.sqlite_utils.Database(raw))
    # as version 1 left it: clusters named by their first story's guid, plain
    # blocking tokens with no numbers in them
    when = "2020-10-17T20:00:00Z"
    title = "Drone strike on Kherson market kills 5"
    raw.executescript(f"""
        INSERT INTO meta VALUES ('schema_version', '1');
        INSERT INTO feeds(url) VALUES ('{FEED_A}');
        INSERT INTO clusters(id, title, published, updated) VALUES ('a1', '{title}', '{when}', '{when}');
        INSERT INTO stories(feed_url, guid, title, published, fetched, cluster_id)
        VALUES ('{FEED_A}', 'a1', '{title}', '{when}', '{when}', 'a1');
        INSERT INTO cluster_keys VALUES ('kherson', '{when}', 'a1'), ('#5', '{when}', 'a1');
    """)
    raw.close()
    with Store(db) as s:
        result = s.ingest(FEED_B, [story("b1", "Five killed as drone hits Kherson market", FEED_B, hours=2)])
        assert result.merged == 1
        assert s.cluster_detail(cluster_of(s, "a1")).n_sources == 2


def _tag_state(db: Path) -> list:
    with sqlite3.connect(db) as raw:
        return [
            raw.execute("SELECT id, tags, conflicts FROM clusters ORDER BY id").fetchall(),
            raw.execute("SELECT * FROM cluster_conflicts ORDER BY 1, 2").fetchall(),
            raw.execute("SELECT id, conflict_tokens FROM stories ORDER BY id").fetchall(),
        ]


def test_tags_folded_in_at_ingest_equal_tags_recomputed_from_every_event(db):
    """Ingest adds new events' tags to the stored ones instead of re-reading a
    cluster's events; a full recomputation must find nothing to change."""
    sudan, yemen = "Sudan", "Yemen"
    with Store(db) as s:
        s.ingest(FEED_A, [story("a1", "Fourteen killed in Ganja shelling"),
                          story("a2", "Truce agreed in Jeddah talks", hours=1)],
                 {"a1": [casualty(14, "Fourteen killed")],
                  "a2": [{"type": "truce", "conflict": sudan, "evidence": "Truce agreed"}]})
        # joins a1's cluster with another conflict and a new kind; a second story of
        # the same feed joins it in the same batch without events of its own
        s.ingest(FEED_B, [story("b1", "14 killed in Ganja shelling", FEED_B, hours=2),
                          story("b2", "Fourteen killed in Ganja shelling - Reuters", FEED_B, hours=3),
                          story("b3", "Truce agreed in Jeddah talks | World news", FEED_B, hours=2)],
                 {"b1": [{"type": "violation", "conflict": yemen, "evidence": "shelling"}],
                  "b3": [{"type": "truce", "conflict": sudan, "evidence": "Truce agreed"}]})
        s.ingest(FEED_C, [story("c1", "Ganja shelling kills 14", FEED_C, hours=4)],
                 {"c1": [casualty(14, "kills 14")]})
        a1, a2 = cluster_of(s, "a1"), cluster_of(s, "a2")
    folded = _tag_state(db)
    assert folded[0] == [
        (a1, "casualty violation", json.dumps(sorted([KARABAKH, yemen]))),
        (a2, "truce", json.dumps([sudan])),
    ]
    with sqlite3.connect(db) as raw:  # every story of a1 carries both its conflicts
        assert {t for (t,) in raw.execute("SELECT conflict_tokens FROM stories WHERE cluster_id = ?", (a1,))} == {
            store_module.conflict_tokens([KARABAKH, yemen])}
    with Store(db) as s, s._lock, s._write():
        s._refresh_tags([a1, a2])
    assert _tag_state(db) == folded


def _indexes_after_upgrade(db: Path, from_version: int) -> set[str]:
    """Build a database at an old schema version, open it (migrating it to the current
    one) and store a story with an event; the indexes the file has afterwards."""
    db.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(db)
    for migration in store_module.MIGRATIONS[:from_version]:
        migration(store_module.sqlite_utils.Database(raw))
    raw.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(from_version),))
    raw.commit()
    raw.close()
    with Store(db) as s:
        s.ingest(FEED_A, [story("a1", "Fourteen killed in Ganja shelling")],
                 {"a1": [casualty(14, "Fourteen killed")]})
        assert [e.data["killed"] for e in s.stored_events()] == [14]
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
        return {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_a_version_3_database_loses_the_unused_events_indexes(db):
    indexes = _indexes_after_upgrade(db, from_version=3)
    assert {"events_cluster", "events_story"} <= indexes
    assert not indexes & {"events_published", "events_type", "events_conflict"}


def test_a_version_4_database_loses_the_stories_time_index_and_still_answers(db):
    indexes = _indexes_after_upgrade(db, from_version=4)
    assert {"stories_cluster", "stories_link"} <= indexes
    assert "stories_published" not in indexes


def _v5_store(db: Path) -> None:
    """A database as schema version 5 left it: clusters named by their first story's
    guid (a URL, or prefixed by the feed's hash when another feed had the guid)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(db)
    for migration in store_module.MIGRATIONS[:5]:
        migration(store_module.sqlite_utils.Database(raw))
    ganja, truce, other = "https://a.example/news/ganja", "https://a.example/news/truce", "9f2c:https://a.example/news/truce"
    raw.executescript(f"""
        INSERT INTO meta VALUES ('schema_version', '5');
        INSERT INTO feeds(url) VALUES ('{FEED_A}'), ('{FEED_B}');
        INSERT INTO clusters VALUES
          ('{truce}', 'Armenia and Azerbaijan agree humanitarian truce', '2020-10-17T22:00:00Z',
           '2020-10-17T22:00:00Z', 1, 'truce', '["{KARABAKH}"]'),
          ('{ganja}', 'Azerbaijan says 14 killed in missile attack on Ganja', '2020-10-17T20:00:00Z',
           '2020-10-17T23:00:00Z', 2, 'casualty', '["{KARABAKH}"]'),
          ('{other}', 'Aid convoy reaches Rafah', '2020-10-18T01:00:00Z',
           '2020-10-18T01:00:00Z', 1, '', '[]');
        INSERT INTO stories(id, feed_url, guid, link, title, summary, published, fetched, cluster_id)
        VALUES (1, '{FEED_A}', '{ganja}', '{ganja}', 'Azerbaijan says 14 killed in missile attack on Ganja',
                'Officials said fourteen people died.', '2020-10-17T20:00:00Z', '2020-10-17T20:00:00Z', '{ganja}'),
               (2, '{FEED_A}', '{truce}', '{truce}', 'Armenia and Azerbaijan agree humanitarian truce', '',
                '2020-10-17T22:00:00Z', '2020-10-17T22:00:00Z', '{truce}'),
               (3, '{FEED_B}', 'b1', 'https://b.example/b1', 'Fourteen killed in missile attack on Ganja', '',
                '2020-10-17T23:00:00Z', '2020-10-17T23:00:00Z', '{ganja}'),
               (4, '{FEED_B}', '{truce}', 'https://b.example/rafah', 'Aid convoy reaches Rafah', '',
                '2020-10-18T01:00:00Z', '2020-10-18T01:00:00Z', '{other}');
        UPDATE stories SET conflict_tokens = '{store_module.conflict_tokens([KARABAKH])}'
        WHERE cluster_id IN ('{ganja}', '{truce}');
        INSERT INTO events(cluster_id, story_key, type, conflict, published, data)
        VALUES ('{ganja}', 1, 'casualty', '{KARABAKH}', '2020-10-17T20:00:00Z',
                '{{"type": "casualty", "conflict": "{KARABAKH}", "killed": 14, "evidence": "14 killed."}}'),
               ('{truce}', 2, 'truce', '{KARABAKH}', '2020-10-17T22:00:00Z',
                '{{"type": "truce", "conflict": "{KARABAKH}", "status": "agreed", "evidence": "Truce."}}'),
               ('{ganja}', 3, 'casualty', '{KARABAKH}', '2020-10-17T23:00:00Z',
                '{{"type": "casualty", "conflict": "{KARABAKH}", "killed": 14, "evidence": "Fourteen."}}');
        INSERT INTO cluster_conflicts VALUES ('{KARABAKH}', '{ganja}', '2020-10-17T23:00:00Z'),
                                             ('{KARABAKH}', '{truce}', '2020-10-17T22:00:00Z');
    """)
    # the blocking keys, as version 5 wrote them for each story
    raw.executemany("INSERT OR IGNORE INTO cluster_keys VALUES (?, ?, ?)", [
        (token, published, cluster)
        for cluster, title, published in raw.execute("SELECT cluster_id, title, published FROM stories").fetchall()
        for token in store_module._keys_of(dedup.title_key(title))])
    raw.commit()
    raw.close()


def _schema(db: Path) -> set[tuple]:
    with sqlite3.connect(db) as raw:
        return set(raw.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                               "WHERE name NOT LIKE 'sqlite_stat%'"))  # PRAGMA optimize's


def test_a_version_5_database_numbers_its_clusters_and_keeps_every_row(db, tmp_path):
    _v5_store(db)
    with sqlite3.connect(db) as raw:
        before = {table: raw.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("clusters", "stories", "events", "cluster_keys", "cluster_conflicts")}
    with Store(db) as s:
        clusters = s.conn.execute("SELECT id, title FROM clusters ORDER BY id").fetchall()
        # numbered in order of first publication
        assert clusters == [(1, "Azerbaijan says 14 killed in missile attack on Ganja"),
                            (2, "Armenia and Azerbaijan agree humanitarian truce"),
                            (3, "Aid convoy reaches Rafah")]
        assert [c.title for c in s.recent_clusters()][0] == "Aid convoy reaches Rafah"
        # every row is kept and points at the cluster it pointed at before
        after = {table: s.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in before}
        assert after == before
        assert s.conn.execute("SELECT id, cluster_id FROM stories ORDER BY id").fetchall() == [
            (1, 1), (2, 2), (3, 1), (4, 3)]
        assert [(e.cluster_id, e.story_key, [x["feed"] for x in e.sources]) for e in s.stored_events()] == [
            (1, 1, [FEED_A, FEED_B]), (2, 2, [FEED_A]), (1, 3, [FEED_A, FEED_B])]
        assert s.conn.execute("SELECT DISTINCT cluster_id FROM cluster_keys ORDER BY 1").fetchall() == [(1,), (2,), (3,)]
        assert [c.title for c in s.recent_clusters(conflict=KARABAKH)] == [
            "Azerbaijan says 14 killed in missile attack on Ganja", "Armenia and Azerbaijan agree humanitarian truce"]
        # the full-text index still follows its stories, within a conflict too
        assert [c.id for c in s.search("ganja", conflict=KARABAKH)] == [1]
        # the kept blocking keys still fold a retelling into its cluster
        result = s.ingest(FEED_C, [story("c1", "LIVE: Aid convoy reaches Rafah", FEED_C, hours=6)])
        assert result.merged == 1 and s.cluster_detail(3).n_sources == 2
        new = s.ingest(FEED_C, [story("c2", "Shelling hits Kharkiv power plant", FEED_C, hours=7)])
        assert new.new_clusters == 1 and cluster_of(s, "c2") == 4
        assert s.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        s.conn.execute("INSERT INTO stories_fts(stories_fts) VALUES ('integrity-check')")
    # the same tables and indexes as a database made new
    with Store(tmp_path / "data" / "fresh.db"):
        pass
    assert _schema(db) == _schema(tmp_path / "data" / "fresh.db")


def test_a_version_5_database_that_cannot_be_renumbered_is_left_as_it_was(db):
    _v5_store(db)
    with sqlite3.connect(db) as raw:  # an event whose story is gone (foreign keys were off)
        raw.execute("DELETE FROM stories WHERE id = 3")
    original = _dump(db)
    with pytest.raises(StoreError, match=r"^cannot open database .*foreign key") as failure:
        Store(db)
    assert "\n" not in str(failure.value)
    assert _dump(db) == original  # every row and table as it was, at version 5


def _dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as raw:
        return list(raw.iterdump())


def test_a_failed_commit_is_rolled_back_and_the_store_writes_on(store):
    # a constraint checked only at COMMIT makes the commit itself fail, as a full disk would
    with pytest.raises(sqlite3.IntegrityError):
        with store._lock, store._write() as conn:
            conn.execute("PRAGMA defer_foreign_keys = ON")
            conn.execute(
                "INSERT INTO stories(feed_url, guid, title, published, fetched, cluster_id) "
                "VALUES ('https://nowhere.example/rss', 'x', 'Orphan', '2020-10-18', '2020-10-18', 'none')")
    assert not store.conn.in_transaction
    store.ingest(FEED_A, [story("a1", "Fourteen killed in Ganja shelling")])
    assert [c.title for c in store.recent_clusters()] == ["Fourteen killed in Ganja shelling"]


def _keyed_clusters(store) -> set[str]:
    return set(named(store, [r[0] for r in store.conn.execute("SELECT DISTINCT cluster_id FROM cluster_keys")]))


def test_blocking_keys_of_clusters_quiet_for_two_weeks_are_swept_and_recent_stories_still_fold(store):
    store.ingest(FEED_A, [story("old", "Drone strike on Kherson market kills 5")])
    store.ingest(FEED_A, [story("mid", "Shelling hits Kharkiv power plant", hours=24 * 10)])
    assert _keyed_clusters(store) == {"old", "mid"}
    # news 15 days on: the first cluster lies 15 days back, the second 5
    store.ingest(FEED_B, [story("b1", "Truce talks resume in Doha", FEED_B, hours=24 * 15)])
    assert _keyed_clusters(store) == {"mid", "b1"}
    assert store.counts()["stories"] == 3  # only the keys go: stories stay until retention
    # a retelling of a recent story still folds into its cluster
    store.ingest(FEED_C, [story("c1", "LIVE: Truce talks resume in Doha", FEED_C, hours=24 * 15 + 2)])
    assert {c.id: c.n_sources for c in store.recent_clusters()}[cluster_of(store, "b1")] == 2
    # ten days on, the second cluster's turn
    store.ingest(FEED_B, [story("b2", "Aid convoy reaches Rafah", FEED_B, hours=24 * 25)])
    assert _keyed_clusters(store) == {"b1", "b2"}
