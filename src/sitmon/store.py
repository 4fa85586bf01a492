"""The SQLite store: feeds, stories folded into clusters, events, full-text search.

One file, opened with sqlite-utils on a connection we configure ourselves: WAL (readers
never wait for the poller), ``synchronous=NORMAL`` (a crash loses at most the last
transaction, never consistency), a busy timeout, foreign keys, and ``BEGIN IMMEDIATE``
for every write so two writers queue instead of failing with "database is locked".

Each ``ingest`` call is one transaction: a crash never leaves half a feed.  Dedup is
exact first (same feed and guid: already seen; same canonical link: same cluster),
then fuzzy against a bounded set of candidate clusters that share a blocking token and
lie within the dedup window (``cluster_keys``), so ingest cost stays flat as the
store grows.  Those keys are kept for two weeks of news (``_sweep_keys``), not for
as long as the stories: only a story that arrives on time needs them.

Full-text search covers titles and summaries; each story also carries its cluster's
conflicts as tokens in the same index (``conflict_tokens``, schema version 3), so a
search within one conflict is a single FTS query, not a walk over every match.

Every failure reaches callers as ``StoreError`` with one line naming the file.  A file
that is not a sitmon database, or is corrupt, is never written to.
"""

from __future__ import annotations

import gc
import json
import re
import sqlite3
import sys
import threading
import time
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache, wraps
from hashlib import sha1
from itertools import repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlite_utils

from sitmon import dedup
from sitmon.gcpause import gc_paused

if TYPE_CHECKING:  # imported for real only where used: `sitmon poll` starts faster
    from sitmon.model import StoredEvent
    from sitmon.parse import Story

__all__ = [
    "ClusterDetail",
    "ClusterRow",
    "Feed",
    "IngestResult",
    "SCHEMA_VERSION",
    "Store",
    "StoreError",
]

BUSY_TIMEOUT_S = 10.0
WRITE_PATIENCE_S = 120.0  # a writer waits this long for another before giving up
DEFAULT_DEDUP_WINDOW_HOURS = 72.0
MAX_CANDIDATES = 16  # clusters compared with one incoming story, at most
ROWS_PER_TOKEN = 64  # latest clusters per blocking token looked at
TITLES_PER_CLUSTER = 2  # outlet titles of a cluster compared with a new story
KEY_CACHE_SIZE = 20_000  # clusters whose title keys stay in memory
KEYS_KEPT_DAYS = 14.0  # blocking keys of clusters quiet this long before the newest story go
KEYS_SWEEP_DAYS = 1.0  # and are swept out once a day of news
CHUNK = 500  # ids per "IN (...)" query
CACHE_KIB = 64 * 1024  # SQLite page cache per connection
WAL_CHECKPOINT_PAGES = 4000  # WAL size (pages, 16 MiB) at which a commit checkpoints
SQLITE_HEADER = b"SQLite format 3\x00"


class StoreError(Exception):
    """The database cannot be used; the message is one line naming the file."""


# --- records -----------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    url: str
    title: str | None
    enabled: bool
    removed: bool
    etag: str | None
    last_modified: str | None
    last_attempt: datetime | None
    last_success: datetime | None
    status: int | None
    error: str | None
    items: int | None
    bozo: Any
    failures: int
    next_attempt: datetime | None
    added: datetime | None


@dataclass(frozen=True)
class IngestResult:
    new_stories: int  # stories stored (not seen before from this feed)
    new_clusters: int  # of which started a new cluster
    merged: int  # of which joined an existing cluster (another outlet's story)
    events: int  # events stored


@dataclass(frozen=True)
class ClusterRow:
    id: int
    title: str
    published: datetime  # earliest source
    updated: datetime  # latest source
    n_sources: int  # distinct feeds
    tags: tuple[str, ...]  # event types present: "casualty", "truce", "violation"
    conflicts: tuple[str, ...]


@dataclass(frozen=True)
class ClusterDetail:
    id: int
    title: str
    published: datetime
    updated: datetime
    n_sources: int
    tags: tuple[str, ...]
    conflicts: tuple[str, ...]
    # {"story": cluster id, "story_key", "feed", "feed_title", "url", "title",
    #  "summary", "published": datetime}, oldest first
    sources: list[dict]
    # the event dicts (type, conflict, evidence, ...) plus "story_key", "feed", "url",
    # "published": datetime of the outlet story it was read from
    events: list[dict]


# --- time --------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _ts(moment: datetime) -> str:
    """Fixed-width UTC text, so that SQL string order is time order."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- errors ------------------------------------------------------------------------

_REASONS = (
    ("readonly", "the file or its directory is read-only"),
    ("read-only", "the file or its directory is read-only"),
    ("disk is full", "the disk is full"),
    ("disk i/o error", "disk I/O error (disk full or gone?)"),
    ("unable to open", "cannot open the file (missing or read-only directory?)"),
    ("not a database", "the file is not a sitmon database or is corrupt"),
    ("malformed", "the file is corrupt (database disk image is malformed)"),
    ("locked", "another process kept the database busy for too long"),
    ("busy", "another process kept the database busy for too long"),
)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    low = text.lower()
    for needle, reason in _REASONS:
        if needle in low:
            return reason
    return text or type(exc).__name__


def _error(verb: str, path: Path, exc: BaseException) -> StoreError:
    return StoreError(f"cannot {verb} database {path}: {_reason(exc)}")


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(verb: str) -> Callable[[F], F]:
    """Serialise access to the connection and turn sqlite3 errors into StoreError."""

    def decorate(method: F) -> F:
        @wraps(method)
        def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
            with self._lock:
                if self._conn is None:
                    raise StoreError(f"cannot {verb} database {self.path}: store is closed")
                try:
                    return method(self, *args, **kwargs)
                except sqlite3.Error as exc:
                    raise _error(verb, self.path, exc) from exc

        return wrapper  # type: ignore[return-value]

    return decorate


# --- schema ------------------------------------------------------------------------

_SCHEMA_V1 = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE feeds (
        url TEXT PRIMARY KEY, title TEXT, enabled INTEGER NOT NULL DEFAULT 1,
        removed INTEGER NOT NULL DEFAULT 0, etag TEXT, last_modified TEXT,
        last_attempt TEXT, last_success TEXT, status INTEGER, error TEXT, items INTEGER,
        bozo, failures INTEGER NOT NULL DEFAULT 0, next_attempt TEXT, added TEXT)""",
    """CREATE TABLE clusters (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, published TEXT NOT NULL,
        updated TEXT NOT NULL, n_sources INTEGER NOT NULL DEFAULT 1,
        tags TEXT NOT NULL DEFAULT '', conflicts TEXT NOT NULL DEFAULT '[]')""",
    "CREATE INDEX clusters_updated ON clusters(updated DESC)",
    "CREATE INDEX clusters_published ON clusters(published)",
    """CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        feed_url TEXT NOT NULL REFERENCES feeds(url) ON UPDATE CASCADE,
        guid TEXT NOT NULL, link TEXT, title TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '',
        published TEXT NOT NULL, fetched TEXT NOT NULL,
        cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        UNIQUE (feed_url, guid))""",
    "CREATE INDEX stories_cluster ON stories(cluster_id, published)",
    "CREATE INDEX stories_link ON stories(link) WHERE link IS NOT NULL",
    "CREATE INDEX stories_published ON stories(published)",
    """CREATE TABLE cluster_keys (
        token TEXT NOT NULL, published TEXT NOT NULL,
        cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        PRIMARY KEY (token, published, cluster_id)) WITHOUT ROWID""",
    "CREATE INDEX cluster_keys_cluster ON cluster_keys(cluster_id)",
    """CREATE TABLE cluster_conflicts (
        conflict TEXT NOT NULL,
        cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        updated TEXT NOT NULL, PRIMARY KEY (conflict, cluster_id)) WITHOUT ROWID""",
    "CREATE INDEX cluster_conflicts_updated ON cluster_conflicts(conflict, updated DESC)",
    "CREATE INDEX cluster_conflicts_cluster ON cluster_conflicts(cluster_id)",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        story_key INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        type TEXT NOT NULL, conflict TEXT, published TEXT NOT NULL, data TEXT NOT NULL)""",
    "CREATE INDEX events_published ON events(published)",
    "CREATE INDEX events_type ON events(type, published)",
    "CREATE INDEX events_conflict ON events(conflict, published)",
    "CREATE INDEX events_cluster ON events(cluster_id)",
    "CREATE INDEX events_story ON events(story_key)",
    """CREATE VIRTUAL TABLE stories_fts USING fts5(
        title, summary, content='stories', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER stories_ai AFTER INSERT ON stories BEGIN
        INSERT INTO stories_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary);
    END""",
    """CREATE TRIGGER stories_ad AFTER DELETE ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
    END""",
    """CREATE TRIGGER stories_au AFTER UPDATE OF title, summary ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
        INSERT INTO stories_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary);
    END""",
]


def _migrate_v1(db: sqlite_utils.Database) -> None:
    for statement in _SCHEMA_V1:
        db.execute(statement)


_REKEY_DAYS = 7  # clusters this recent get their blocking tokens rebuilt


def _migrate_v2(db: sqlite_utils.Database) -> None:
    """Blocking tokens now carry the headline's numbers: rebuild them for the recent
    clusters (older ones are past any dedup window and keep theirs)."""
    conn = db.conn
    newest = conn.execute("SELECT MAX(updated) FROM clusters").fetchone()[0]
    if newest is None:
        return
    since = _ts(datetime.fromisoformat(newest) - timedelta(days=_REKEY_DAYS))
    recent = "SELECT id FROM clusters WHERE updated >= ?"
    conn.execute(f"DELETE FROM cluster_keys WHERE cluster_id IN ({recent})", (since,))
    rows = conn.execute(
        f"SELECT cluster_id, title, published FROM stories WHERE cluster_id IN ({recent})",
        (since,),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO cluster_keys(token, published, cluster_id) VALUES (?, ?, ?)",
        (
            (token, published, cluster_id)
            for cluster_id, title, published in rows.fetchall()
            for token in _keys_of(dedup.title_key(title))
        ),
    )


_FTS_V3 = [
    """CREATE VIRTUAL TABLE stories_fts USING fts5(
        title, summary, conflict_tokens, content='stories', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER stories_ai AFTER INSERT ON stories BEGIN
        INSERT INTO stories_fts(rowid, title, summary, conflict_tokens)
        VALUES (new.id, new.title, new.summary, new.conflict_tokens);
    END""",
    """CREATE TRIGGER stories_ad AFTER DELETE ON stories BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, title, summary, conflict_tokens)
        VALUES ('delete', old.id, old.title, old.summary, old.conflict_tokens);
    END""",
    """CREATE TRIGGER stories_au AFTER UPDATE OF title, summary, conflict_tokens ON stories
    BEGIN
        INSERT INTO stories_fts(stories_fts, rowid, title, summary, conflict_tokens)
        VALUES ('delete', old.id, old.title, old.summary, old.conflict_tokens);
        INSERT INTO stories_fts(rowid, title, summary, conflict_tokens)
        VALUES (new.id, new.title, new.summary, new.conflict_tokens);
    END""",
]


def _migrate_v3(db: sqlite_utils.Database) -> None:
    """Each story carries its cluster's conflicts as full-text tokens, so a search
    within one conflict is one FTS query instead of a walk over every match."""
    conn = db.conn
    for trigger in ("stories_ai", "stories_ad", "stories_au"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    conn.execute("DROP TABLE IF EXISTS stories_fts")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(stories)")}
    if "conflict_tokens" not in columns:
        conn.execute(
            "ALTER TABLE stories ADD COLUMN conflict_tokens TEXT NOT NULL DEFAULT ''"
        )
    by_cluster: dict[str, list[str]] = defaultdict(list)
    for conflict, cluster_id in conn.execute(
        "SELECT conflict, cluster_id FROM cluster_conflicts"
    ):
        by_cluster[cluster_id].append(conflict)
    conn.executemany(
        "UPDATE stories SET conflict_tokens = ? WHERE cluster_id = ?",
        ((conflict_tokens(conflicts), cluster_id) for cluster_id, conflicts in by_cluster.items()),
    )
    for statement in _FTS_V3:
        conn.execute(statement)
    conn.execute("INSERT INTO stories_fts(stories_fts) VALUES ('rebuild')")


def _migrate_v4(db: sqlite_utils.Database) -> None:
    """Drop the events indexes no query uses (events are read by id, cluster or story):
    every event written had to update all three, in pages scattered over the file."""
    for index in ("events_published", "events_type", "events_conflict"):
        db.conn.execute(f"DROP INDEX IF EXISTS {index}")


def _migrate_v5(db: sqlite_utils.Database) -> None:
    """Drop the stories index by publication time: stories are read by cluster, feed,
    link or full text, never by time alone, and every story written had to update it
    in a page of its own (a feed's stories span days of other feeds' stories)."""
    db.conn.execute("DROP INDEX IF EXISTS stories_published")


_BUMP_GENERATION = (
    "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) "
    "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
)

_NUMBERED_TABLES = [
    """CREATE TABLE clusters (
        id INTEGER PRIMARY KEY, title TEXT NOT NULL, published TEXT NOT NULL,
        updated TEXT NOT NULL, n_sources INTEGER NOT NULL DEFAULT 1,
        tags TEXT NOT NULL DEFAULT '', conflicts TEXT NOT NULL DEFAULT '[]')""",
    """CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        feed_url TEXT NOT NULL REFERENCES feeds(url) ON UPDATE CASCADE,
        guid TEXT NOT NULL, link TEXT, title TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '',
        published TEXT NOT NULL, fetched TEXT NOT NULL,
        cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        conflict_tokens TEXT NOT NULL DEFAULT '',
        UNIQUE (feed_url, guid))""",
    """CREATE TABLE cluster_keys (
        token TEXT NOT NULL, published TEXT NOT NULL,
        cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        PRIMARY KEY (token, published, cluster_id)) WITHOUT ROWID""",
    """CREATE TABLE cluster_conflicts (
        conflict TEXT NOT NULL,
        cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        updated TEXT NOT NULL, PRIMARY KEY (conflict, cluster_id)) WITHOUT ROWID""",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        story_key INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        type TEXT NOT NULL, conflict TEXT, published TEXT NOT NULL, data TEXT NOT NULL)""",
]
_NUMBERED_INDEXES = [
    "CREATE INDEX clusters_updated ON clusters(updated DESC)",
    "CREATE INDEX clusters_published ON clusters(published)",
    "CREATE INDEX stories_cluster ON stories(cluster_id, published)",
    "CREATE INDEX stories_link ON stories(link) WHERE link IS NOT NULL",
    "CREATE INDEX cluster_keys_cluster ON cluster_keys(cluster_id)",
    "CREATE INDEX cluster_conflicts_updated ON cluster_conflicts(conflict, updated DESC)",
    "CREATE INDEX cluster_conflicts_cluster ON cluster_conflicts(cluster_id)",
    "CREATE INDEX events_cluster ON events(cluster_id)",
    "CREATE INDEX events_story ON events(story_key)",
]
# each table, with the columns copied and the one holding a cluster id
_RENUMBERED = {
    "clusters": ("id, title, published, updated, n_sources, tags, conflicts", "id"),
    "stories": ("id, feed_url, guid, link, title, summary, published, fetched, cluster_id, "
                "conflict_tokens", "cluster_id"),
    "cluster_keys": ("token, published, cluster_id", "cluster_id"),
    "cluster_conflicts": ("conflict, cluster_id, updated", "cluster_id"),
    "events": ("id, cluster_id, story_key, type, conflict, published, data", "cluster_id"),
}


def _migrate_v6(db: sqlite_utils.Database) -> None:
    """Clusters are numbered instead of named by their first story's guid (often a
    URL).  A cluster id is in five tables and five indexes: as text they made those
    indexes several times bigger and, the guids being random, every commit wrote
    into pages all over them; numbers given in order keep a commit's new clusters
    together at the end.  Needs foreign keys off (``Store._migrate``): the tables
    are rebuilt, and dropping one would otherwise delete its children's rows."""
    conn = db.conn
    for trigger in ("stories_ai", "stories_ad", "stories_au"):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    old_indexes = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({_placeholders(len(_RENUMBERED))})", list(_RENUMBERED),
    )]
    for index in old_indexes:
        conn.execute(f"DROP INDEX {index}")
    for table in _RENUMBERED:
        conn.execute(f"ALTER TABLE {table} RENAME TO old_{table}")
    for statement in _NUMBERED_TABLES:
        conn.execute(statement)
    # numbered in order of first publication, as new clusters will be
    conn.execute(
        "CREATE TEMP TABLE cluster_numbers (old TEXT PRIMARY KEY, new INTEGER) WITHOUT ROWID"
    )
    conn.execute(
        "INSERT INTO cluster_numbers SELECT id, ROW_NUMBER() OVER (ORDER BY published, id) "
        "FROM old_clusters"
    )
    for table, (columns, numbered) in _RENUMBERED.items():
        picked = ", ".join("n.new" if c == numbered else f"o.{c}" for c in columns.split(", "))
        conn.execute(
            f"INSERT INTO {table}({columns}) SELECT {picked} FROM old_{table} o "
            f"JOIN cluster_numbers n ON n.old = o.{numbered}"
        )
    for table in reversed(_RENUMBERED):
        conn.execute(f"DROP TABLE old_{table}")
    conn.execute("DROP TABLE temp.cluster_numbers")
    for statement in (*_NUMBERED_INDEXES, *_FTS_V3[1:]):
        conn.execute(statement)
    # the stories kept their row ids, so the full-text index stays as it was; the
    # readers' event caches hold the old ids and must start over
    conn.execute(_BUMP_GENERATION)
    if conn.execute("PRAGMA foreign_key_check").fetchone():
        raise sqlite3.IntegrityError("renumbering the clusters broke a foreign key")


def _migrate_v7(db: sqlite_utils.Database) -> None:
    """Index each cluster's stories by feed: a story joining a cluster asks whether
    its feed is new to it (the cluster's source count), and without this index the
    answer read every story of the cluster, row by row, so a big story's hundredth
    report cost a hundred times its first."""
    db.conn.execute("CREATE INDEX stories_cluster_feed ON stories(cluster_id, feed_url)")


def _migrate_v8(db: sqlite_utils.Database) -> None:
    """New stories enter the full-text index in one statement per feed (``_index``),
    not by a trigger per story.  FTS5 keeps new entries in memory until something
    asks it to make them durable, and every statement that opens a statement journal
    (a trigger's insert among them) does: each story became a segment of its own, to
    be written and merged, 35 us a story against 9 us for a feed's stories at once."""
    db.conn.execute("DROP TRIGGER IF EXISTS stories_ai")


# Applied in order; MIGRATIONS[i] takes the schema from version i to i + 1.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _migrate_v1, _migrate_v2, _migrate_v3, _migrate_v4, _migrate_v5, _migrate_v6, _migrate_v7,
    _migrate_v8,
]
SCHEMA_VERSION = len(MIGRATIONS)

_FEED_FIELDS = frozenset(
    {"title", "enabled", "etag", "last_modified", "last_attempt", "last_success", "status",
     "error", "items", "bozo", "failures", "next_attempt"}
)


def _sql_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _ts(value)
    if isinstance(value, bool):
        return int(value)
    if value is None or isinstance(value, (int, float, str, bytes)):
        return value
    return str(value)


_PER_TOKEN = (
    "SELECT * FROM (SELECT cluster_id, published FROM cluster_keys WHERE token = ? "
    "AND published BETWEEN ? AND ? ORDER BY published DESC LIMIT ?)"
)
# the candidate query for 0..8 blocking tokens, built once
_PER_TOKEN_UNION = [" UNION ALL ".join([_PER_TOKEN] * n) for n in range(9)]


# whether a feed already has a story in a cluster (an index lookup: see _migrate_v7)
_FEED_IN_CLUSTER = "SELECT 1 FROM stories WHERE cluster_id = ? AND feed_url = ? LIMIT 1"


def _text_token(key: dedup.TitleKey) -> str:
    """The whole normalised headline as one short token."""
    return "=" + sha1(key.text.encode("utf-8")).hexdigest()[:16]


def _keys_of(key: dedup.TitleKey) -> list[str]:
    """Rows of ``cluster_keys`` for one outlet title: its blocking tokens and its text."""
    return [_text_token(key), *dedup.blocking_tokens(key)] if key.text else []


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# json.dumps(e, ensure_ascii=False, default=str), without building an encoder per event
_event_json = json.JSONEncoder(ensure_ascii=False, default=str).encode


def _event_dict(event: Any) -> dict:
    return event if isinstance(event, dict) else event.as_dict()


_FTS_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=4096)  # a few dozen conflicts, one token each, asked for per story
def _conflict_token(conflict: str) -> str:
    """One full-text token per conflict name: letters then digits, which no tokenizer
    splits or stems, and which two names never share ("Sudan" is not "South Sudan")."""
    return "zconflict" + str(int(sha1(conflict.encode("utf-8")).hexdigest()[:15], 16))


def conflict_tokens(conflicts: Iterable[str]) -> str:
    """``stories.conflict_tokens`` for a story whose cluster is in ``conflicts``."""
    return " ".join(sorted({_conflict_token(c) for c in conflicts if c}))


def _fts_query(text: str, conflict: str | None = None) -> str | None:
    """User text as a safe FTS5 query: every word required, the last one as a prefix,
    all in titles and summaries; with ``conflict``, only stories of its clusters."""
    words = _FTS_WORD.findall(text)
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    match = "{title summary} : (" + " ".join(quoted) + ")"
    if conflict:
        match += f' AND conflict_tokens : "{_conflict_token(conflict)}"'
    return match


# --- the store ---------------------------------------------------------------------


class Store:
    """sitmon's database.  Not for sharing between threads without care: calls are
    serialised by a lock, so one Store per thread is better for long operations."""

    def __init__(
        self, path: Path | str, *, dedup_window_hours: float = DEFAULT_DEDUP_WINDOW_HOURS
    ) -> None:
        self.path = Path(path).expanduser()
        self.dedup_window = timedelta(hours=dedup_window_hours)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._keys: OrderedDict[int, list[dedup.TitleKey]] = OrderedDict()
        self._writing = False  # a write transaction is open: nested writes are savepoints
        self._check_file()
        try:
            self._conn = self._connect()
            self.db = sqlite_utils.Database(self._conn, execute_plugins=False)
            self._setup()
        except StoreError:
            self._close_quietly()
            raise
        except sqlite3.Error as exc:
            self._close_quietly()
            raise _error("open", self.path, exc) from exc

    # -- opening --

    def _check_file(self) -> None:
        """Refuse anything that is not an SQLite file before SQLite touches it."""
        if self.path.is_dir():
            raise StoreError(f"cannot open database {self.path}: it is a directory")
        try:
            if self.path.exists() and self.path.stat().st_size > 0:
                with self.path.open("rb") as handle:
                    header = handle.read(len(SQLITE_HEADER))
                if header != SQLITE_HEADER:
                    raise StoreError(
                        f"cannot read database {self.path}: the file is not a sitmon "
                        "database or is corrupt"
                    )
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise StoreError(f"cannot open database {self.path}: {reason}") from exc

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            str(self.path),
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,  # we issue BEGIN IMMEDIATE / COMMIT ourselves
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        return conn

    def _setup(self) -> None:
        conn = self._conn
        assert conn is not None
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise _error("read", self.path, exc) from exc
        if tables and "meta" not in tables:
            raise StoreError(
                f"cannot read database {self.path}: it is an SQLite file but not a "
                "sitmon database"
            )
        if "meta" in tables:
            self._refuse_newer(self._schema_version())
        else:
            # must precede the first table; lets prune() hand pages back to the disk
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        self._pragma_retrying("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        # the indexes ingest and the panes walk stay in memory as the file grows
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        conn.execute("PRAGMA temp_store = MEMORY")
        # a feed's ingest dirties pages all over the indexes: checkpointing (copying
        # the WAL back, with an fsync) every ~8 feeds rather than every ~2 (SQLite's
        # default) saves a poll a tenth of its store time
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        conn.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    def _pragma_retrying(self, statement: str) -> None:
        """Switching to WAL can meet a lock the busy handler does not wait for."""
        assert self._conn is not None
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._conn.execute(statement)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _schema_version(self) -> int:
        assert self._conn is not None
        row = self._conn.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone()
        return int(row[0]) if row else 0

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"cannot read database {self.path}: schema version {version} is newer than "
                f"this sitmon supports ({SCHEMA_VERSION}); upgrade sitmon"
            )

    def _migrate(self) -> None:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master")}
        if "meta" in tables and self._schema_version() == SCHEMA_VERSION:
            return  # the usual case: no write lock needed just to open
        # migrations rebuild tables: dropping one must not delete its children's rows
        # (the pragma is ignored inside a transaction, so it is set around it)
        self.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            with self._write():
                tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master")}
                version = self._schema_version() if "meta" in tables else 0
                self._refuse_newer(version)
                for migration in MIGRATIONS[version:]:
                    migration(self.db)
                if version < SCHEMA_VERSION:
                    self._set_meta("schema_version", str(SCHEMA_VERSION))
        finally:
            self.conn.execute("PRAGMA foreign_keys = ON")
        if version:
            _hand_back_free_pages(self.conn)  # the rebuilt tables' old pages

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute("PRAGMA optimize")
                except sqlite3.Error:
                    pass  # advisory only
                self._close_quietly()

    def _close_quietly(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers --

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"cannot use database {self.path}: store is closed")
        return self._conn

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Run several writes (a poll's finished feeds) as one transaction.  A commit
        costs about as much for eight feeds as for one, and a crash still loses
        nothing: a feed whose write was lost was never recorded as fetched either,
        so the next poll fetches it again.  Each write inside stays all-or-nothing."""
        with self._lock:
            if self._conn is None:
                raise StoreError(f"cannot write database {self.path}: store is closed")
            try:
                with self._write():
                    yield
            except sqlite3.Error as exc:
                raise _error("write", self.path, exc) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; waits (busy_timeout) for another writer to finish.
        Inside a ``batch`` it is a savepoint of the batch's transaction instead."""
        conn = self.conn
        if self._writing:
            yield from self._savepoint(conn)
            return
        self._begin_immediate(conn)
        self._writing = True
        try:
            yield conn
            # a COMMIT that fails (a full disk, a deferred constraint) leaves the
            # transaction open: it is rolled back like any other failed write
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            self._writing = False

    @staticmethod
    def _savepoint(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        conn.execute("SAVEPOINT write")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK TO write")
                conn.execute("RELEASE write")
            raise
        conn.execute("RELEASE write")

    def _begin_immediate(self, conn: sqlite3.Connection) -> None:
        """Take the write lock, queueing behind other writers for up to WRITE_PATIENCE_S:
        SQLite's busy handler is not fair, so a busy machine can outlast one timeout."""
        deadline = time.monotonic() + WRITE_PATIENCE_S
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or time.monotonic() > deadline:
                    raise

    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _bump_generation(self) -> None:
        """Rows were deleted or rewritten: readers' caches must start over."""
        self.conn.execute(_BUMP_GENERATION)

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # --- feeds ---------------------------------------------------------------------

    @_guarded("read")
    def feeds(self, include_disabled: bool = True) -> list[Feed]:
        """Feeds the user has (removed ones never appear), in the order added."""
        sql = "SELECT * FROM feeds WHERE removed = 0"
        if not include_disabled:
            sql += " AND enabled = 1"
        return [_feed(row) for row in self.db.query(sql + " ORDER BY rowid")]

    @_guarded("write")
    def add_feed(self, url: str, title: str | None = None) -> bool:
        """Add a feed (or bring back a removed one); False if it is already there."""
        with self._write() as conn:
            row = conn.execute("SELECT removed FROM feeds WHERE url = ?", (url,)).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO feeds(url, title, added) VALUES (?, ?, ?)",
                    (url, title, _ts(_now())),
                )
                return True
            if not row[0]:
                return False
            conn.execute(
                "UPDATE feeds SET removed = 0, enabled = 1, title = COALESCE(?, title) "
                "WHERE url = ?",
                (title, url),
            )
            return True

    @_guarded("write")
    def remove_feed(self, url: str) -> bool:
        """Stop polling a feed; its stories stay.  False if there was no such feed."""
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE feeds SET removed = 1, enabled = 0 WHERE url = ? AND removed = 0",
                (url,),
            )
            return cursor.rowcount > 0

    @_guarded("write")
    def set_feed_enabled(self, url: str, enabled: bool) -> bool:
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE feeds SET enabled = ? WHERE url = ? AND removed = 0", (int(enabled), url)
            )
            return cursor.rowcount > 0

    @_guarded("write")
    def seed_feeds(self, feeds: Iterable[tuple[str, str | None]]) -> int:
        """Add feeds never seen before; a feed the user removed stays removed."""
        known = {row[0] for row in self.conn.execute("SELECT url FROM feeds")}
        new = [(url, title) for url, title in feeds if url not in known]
        if not new:  # every start seeds: without news, take no write lock at all
            return 0
        added = _ts(_now())
        with self._write() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO feeds(url, title, added) VALUES (?, ?, ?)",
                [(url, title, added) for url, title in new],
            )
            return conn.total_changes - before

    @_guarded("write")
    def record_fetch(self, url: str, **fields: Any) -> None:
        """Update a feed's health columns (datetimes welcome).  ``title`` only fills a
        missing title: the user's own name for a feed wins."""
        with self._write():
            self._record_fetch(url, fields)

    def _record_fetch(self, url: str, fields: dict[str, Any]) -> None:
        unknown = set(fields) - _FEED_FIELDS
        if unknown:
            raise ValueError(f"unknown feed field(s): {', '.join(sorted(unknown))}")
        self._ensure_feed(url)
        title = fields.pop("title", None)
        if title:
            self.conn.execute(
                "UPDATE feeds SET title = ? WHERE url = ? AND (title IS NULL OR title = '')",
                (str(title), url),
            )
        if fields:
            columns = ", ".join(f"{name} = ?" for name in fields)
            values = [_sql_value(v) for v in fields.values()]
            self.conn.execute(f"UPDATE feeds SET {columns} WHERE url = ?", (*values, url))

    def _ensure_feed(self, url: str) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO feeds(url, added) VALUES (?, ?)", (url, _ts(_now()))
        )

    @_guarded("write")
    def rename_feed(self, old_url: str, new_url: str) -> bool:
        """Follow a permanent redirect: the feed and its stories move to ``new_url``.

        False (nothing changed) when ``new_url`` is already another feed."""
        if old_url == new_url:
            return True
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM feeds WHERE url = ?", (new_url,)).fetchone():
                return False
            self._ensure_feed(old_url)
            # ON UPDATE CASCADE carries the stories along
            conn.execute("UPDATE feeds SET url = ? WHERE url = ?", (new_url, old_url))
            self._bump_generation()
            return True

    # --- ingest --------------------------------------------------------------------

    @_guarded("write")
    def ingest(
        self,
        feed_url: str,
        stories: Sequence[Story],
        events: dict[str, list[Any]] | None = None,
        feed_fields: dict[str, Any] | None = None,
        title_keys: dict[str, dedup.TitleKey] | None = None,
    ) -> IngestResult:
        """Store one feed's stories, their events and the feed's health in one
        transaction.  ``events`` maps Story.id to event dicts (or Event objects);
        ``title_keys`` may give ``dedup.title_key`` of stories' titles, made already."""
        events = events or {}
        title_keys = title_keys or {}
        counts = {"new": 0, "clusters": 0, "merged": 0, "events": 0}
        fetched = _ts(_now())
        with self._write():
            self._ensure_feed(feed_url)
            seen = self._known_guids(feed_url, [s.id for s in stories])
            fresh = [s for s in stories if s.id not in seen]
            links = self._clusters_by_link([s.link for s in fresh if s.link])
            tagged: dict[int, list[dict]] = {}  # clusters' new events, in order
            added: list[int] = []  # the new stories' row ids
            for story in fresh:
                if story.id in seen:
                    continue
                seen.add(story.id)
                found = [_event_dict(e) for e in events.get(story.id, ())]
                key = title_keys.get(story.id) or dedup.title_key(story.title or "")
                cluster_id, story_key = self._ingest_story(feed_url, story, key, found, fetched, counts, links)
                added.append(story_key)
                if found:
                    tagged.setdefault(cluster_id, []).extend(found)
            self._index(added)  # before _add_tags, whose updates re-index what it changes
            # once per feed, not per story: a feed's stories often share clusters
            self._add_tags(tagged)
            if counts["new"]:
                self._sweep_keys()
            if feed_fields:
                self._record_fetch(feed_url, dict(feed_fields))
        return IngestResult(counts["new"], counts["clusters"], counts["merged"], counts["events"])

    @_guarded("read")
    def story_ids(self, feed_url: str, among: Iterable[str] | None = None) -> frozenset[str]:
        """The ids of the stories stored from one feed (of those ``among``, if given)."""
        if among is None:
            rows = self.conn.execute("SELECT guid FROM stories WHERE feed_url = ?", (feed_url,))
            return frozenset(r[0] for r in rows)
        return frozenset(self._known_guids(feed_url, list(among)))

    def _known_guids(self, feed_url: str, guids: list[str]) -> set[str]:
        known: set[str] = set()
        for chunk in _chunks(guids):
            rows = self.conn.execute(
                f"SELECT guid FROM stories WHERE feed_url = ? AND guid IN ({_placeholders(len(chunk))})",
                (feed_url, *chunk),
            )
            known.update(r[0] for r in rows)
        return known

    def _clusters_by_link(self, links: list[str]) -> dict[str, int]:
        """The cluster of each canonical link already stored (exact dedup), in one
        query per feed rather than one per story."""
        found: dict[str, int] = {}
        for chunk in _chunks(list(dict.fromkeys(links))):
            found.update(self.conn.execute(
                f"SELECT link, cluster_id FROM stories WHERE link IN ({_placeholders(len(chunk))})",
                chunk,
            ).fetchall())
        return found

    def _ingest_story(
        self, feed_url: str, story: Story, key: dedup.TitleKey, found: list[dict], fetched: str,
        counts: dict, links: dict[str, int],
    ) -> tuple[int, int]:
        """Store one new story in its cluster; returns the cluster's id and the story's
        row id.  ``links`` maps canonical links to clusters and learns this story's."""
        published = _ts(story.published)
        title = story.title or ""
        rows = _keys_of(key)  # made once: the lookup and the insert both need them
        cluster_id = (links.get(story.link) if story.link else None) or self._fuzzy_cluster(
            key, rows, story.published
        )
        # the story is indexed once, already with its cluster's conflicts
        conflicts = [e.get("conflict") for e in found]
        if cluster_id is None:
            cluster_id = self._new_cluster(story, published)
            counts["clusters"] += 1
            self._keys_put(cluster_id, [key])
        else:
            conflicts += self._join_cluster(cluster_id, feed_url, published)
            counts["merged"] += 1
            cached = self._keys.get(cluster_id)
            if cached is not None and len(cached) < TITLES_PER_CLUSTER:
                cached.append(key)
        story_key = self.conn.execute(
            "INSERT INTO stories(feed_url, guid, link, title, summary, published, fetched, "
            "cluster_id, conflict_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (feed_url, story.id, story.link, title, story.summary or "", published, fetched,
             cluster_id, conflict_tokens(conflicts)),
        ).lastrowid
        self._add_keys(cluster_id, rows, published)
        if story.link:
            links.setdefault(story.link, cluster_id)
        if found:
            self._add_events(cluster_id, story_key, published, found)
            counts["events"] += len(found)
        counts["new"] += 1
        return cluster_id, story_key

    def _index(self, story_keys: list[int]) -> None:
        """Add new stories to the full-text index, all in one statement (see _migrate_v8).
        Row ids handed out in one write transaction follow each other."""
        if story_keys:
            self.conn.execute(
                "INSERT INTO stories_fts(rowid, title, summary, conflict_tokens) "
                "SELECT id, title, summary, conflict_tokens FROM stories WHERE id BETWEEN ? AND ?",
                (min(story_keys), max(story_keys)),
            )

    def _fuzzy_cluster(
        self, key: dedup.TitleKey, rows: list[str], published: datetime
    ) -> int | None:
        """The cluster ``key`` folds into; ``rows`` are its ``_keys_of``."""
        if len(rows) < 2:
            return None  # no blocking token: nothing to go on
        text_token, tokens = rows[0], rows[1:]
        low, high = _ts(published - self.dedup_window), _ts(published + self.dedup_window)
        # the same headline under another outlet's decoration: one index lookup
        row = self.conn.execute(
            "SELECT cluster_id FROM cluster_keys WHERE token = ? AND published BETWEEN ? AND ? "
            "ORDER BY published DESC LIMIT 1",
            (text_token, low, high),
        ).fetchone()
        if row:
            return row[0]
        # a retelling shares most distinctive words: with three or more to go on,
        # a cluster sharing just one is not worth comparing
        needed = 2 if len(tokens) >= 3 else 1
        # each token contributes only its latest rows in the window, so a common word
        # costs no more than a rare one however full the window is
        rows = self.conn.execute(
            f"SELECT cluster_id FROM ({_PER_TOKEN_UNION[len(tokens)]}) GROUP BY cluster_id "
            "HAVING COUNT(*) >= ? ORDER BY COUNT(*) DESC, MAX(published) DESC LIMIT ?",
            (*[v for t in tokens for v in (t, low, high, ROWS_PER_TOKEN)], needed,
             MAX_CANDIDATES),
        ).fetchall()
        candidates = [r[0] for r in rows]
        keys = self._cluster_keys(candidates)
        for cluster_id in candidates:
            if any(dedup.same_story(key, other) for other in keys.get(cluster_id, ())):
                return cluster_id
        return None

    def _cluster_keys(self, cluster_ids: list[int]) -> dict[int, list[dedup.TitleKey]]:
        """Title keys of each cluster's first outlet titles, cached (LRU)."""
        found: dict[str, list[dedup.TitleKey]] = {}
        missing = []
        for cluster_id in cluster_ids:
            cached = self._keys.get(cluster_id)
            if cached is None:
                missing.append(cluster_id)
            else:
                self._keys.move_to_end(cluster_id)
                found[cluster_id] = cached
        for chunk in _chunks(missing):
            loaded: dict[str, list[dedup.TitleKey]] = defaultdict(list)
            rows = self.conn.execute(
                f"SELECT cluster_id, title FROM stories WHERE cluster_id IN "
                f"({_placeholders(len(chunk))}) ORDER BY id",
                chunk,
            )
            for cluster_id, title in rows:
                titles = loaded[cluster_id]
                if len(titles) < TITLES_PER_CLUSTER:
                    titles.append(dedup.title_key(title))
            for cluster_id, keys in loaded.items():
                self._keys_put(cluster_id, keys)
                found[cluster_id] = keys
        return found

    def _keys_put(self, cluster_id: int, keys: list[dedup.TitleKey]) -> None:
        self._keys[cluster_id] = keys
        self._keys.move_to_end(cluster_id)
        while len(self._keys) > KEY_CACHE_SIZE:
            self._keys.popitem(last=False)

    def _new_cluster(self, story: Story, published: str) -> int:
        return self.conn.execute(
            "INSERT INTO clusters(title, published, updated, n_sources) VALUES (?, ?, ?, 1)",
            (dedup.clean_title(story.title or ""), published, published),
        ).lastrowid

    def _join_cluster(self, cluster_id: int, feed_url: str, published: str) -> list[str]:
        """Count a new source in the cluster; returns the cluster's conflicts."""
        new_feed = not self.conn.execute(_FEED_IN_CLUSTER, (cluster_id, feed_url)).fetchone()
        # the cluster's conflicts come back with the update: its ``conflicts`` column
        # names the same conflicts as its cluster_conflicts rows (_fold_tags and
        # _refresh_tags write both), sorted as that table's index returns them
        rows = self.conn.execute(
            "UPDATE clusters SET n_sources = n_sources + ?, published = MIN(published, ?), "
            "updated = MAX(updated, ?) WHERE id = ? RETURNING conflicts",
            (int(new_feed), published, published, cluster_id),
        ).fetchall()
        if not rows or rows[0][0] == "[]":
            return []  # most clusters name no conflict: no rows to bring up to date
        self.conn.execute(
            "UPDATE cluster_conflicts SET updated = MAX(updated, ?) WHERE cluster_id = ?",
            (published, cluster_id),
        )
        return json.loads(rows[0][0])

    def _sweep_keys(self) -> None:
        """Drop the blocking keys of clusters quiet for KEYS_KEPT_DAYS before the newest
        story.  No story that arrives on time can fold into them (the dedup window is
        days), and kept for as long as the stories (retention_days) they were a third of
        the database, and the pages every commit wrote into them grew with it."""
        newest = self.conn.execute("SELECT MAX(updated) FROM clusters").fetchone()[0]
        if newest is None:
            return
        cutoff = datetime.fromisoformat(newest) - timedelta(days=KEYS_KEPT_DAYS)
        swept = self._meta("keys_swept_to")
        if swept and cutoff < datetime.fromisoformat(swept) + timedelta(days=KEYS_SWEEP_DAYS):
            return
        self.conn.execute(
            "DELETE FROM cluster_keys WHERE cluster_id IN "
            "(SELECT id FROM clusters WHERE updated >= ? AND updated < ?)",
            (swept or "", _ts(cutoff)),
        )
        self._set_meta("keys_swept_to", _ts(cutoff))

    def _add_keys(self, cluster_id: int, rows: list[str], published: str) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO cluster_keys(token, published, cluster_id) VALUES (?, ?, ?)",
            [(token, published, cluster_id) for token in rows],
        )

    def _add_events(
        self, cluster_id: int, story_key: int, published: str, found: list[dict]
    ) -> None:
        self.conn.executemany(
            "INSERT INTO events(cluster_id, story_key, type, conflict, published, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (cluster_id, story_key, str(e.get("type")), e.get("conflict"), published,
                 _event_json(e))
                for e in found
            ],
        )

    def _add_tags(self, added: dict[str, list[dict]]) -> None:
        """Fold new events into their clusters' tags and conflicts.  Ingest only ever
        adds events, so a cluster's stored tags plus its new events' are all its
        events' tags: no need to read every event of a big cluster back
        (``_refresh_tags`` does, for rewritten events)."""
        for chunk in _chunks(list(added)):
            stored = self.conn.execute(
                f"SELECT id, tags, conflicts FROM clusters WHERE id IN ({_placeholders(len(chunk))})",
                chunk,
            ).fetchall()
            for cluster_id, tags, conflicts in stored:
                self._fold_tags(cluster_id, tags, conflicts, added[cluster_id])

    def _fold_tags(self, cluster_id: int, tags: str, conflicts: str, found: list[dict]) -> None:
        # rows of cluster_conflicts carry their cluster's ``updated``, as in _refresh_tags
        self.conn.executemany(
            "INSERT OR IGNORE INTO cluster_conflicts(conflict, cluster_id, updated) "
            "SELECT ?, id, updated FROM clusters WHERE id = ?",
            [(c, cluster_id) for c in {e.get("conflict") for e in found} if c is not None],
        )
        kinds = set(tags.split()) | {str(e.get("type")) for e in found}
        named = set(json.loads(conflicts)) | {e.get("conflict") for e in found if e.get("conflict")}
        new_tags, new_conflicts = " ".join(sorted(kinds)), json.dumps(sorted(named))
        if (new_tags, new_conflicts) == (tags, conflicts):
            # nothing new; every story of the cluster already carries these conflicts
            # (a joining story is given its cluster's conflicts and its own)
            return
        self.conn.execute(
            "UPDATE clusters SET tags = ?, conflicts = ? WHERE id = ?",
            (new_tags, new_conflicts, cluster_id),
        )
        tokens = conflict_tokens(named)
        # the stories' full-text conflict tokens follow (re-indexed by trigger)
        self.conn.execute(
            "UPDATE stories SET conflict_tokens = ? WHERE cluster_id = ? AND conflict_tokens <> ?",
            (tokens, cluster_id, tokens),
        )

    def _refresh_tags(self, cluster_ids: Sequence[int]) -> None:
        """Recompute clusters' event types and conflicts from their events."""
        for chunk in _chunks(list(cluster_ids)):
            marks = _placeholders(len(chunk))
            kinds: dict[int, set[str]] = {c: set() for c in chunk}
            conflicts: dict[int, set[str]] = {c: set() for c in chunk}
            for cluster_id, kind, conflict in self.conn.execute(
                f"SELECT DISTINCT cluster_id, type, conflict FROM events "
                f"WHERE cluster_id IN ({marks})",
                chunk,
            ):
                kinds[cluster_id].add(kind)
                if conflict:
                    conflicts[cluster_id].add(conflict)
            self.conn.executemany(
                "UPDATE clusters SET tags = ?, conflicts = ? WHERE id = ?",
                [
                    (" ".join(sorted(kinds[c])), json.dumps(sorted(conflicts[c])), c)
                    for c in chunk
                ],
            )
            # the stories' full-text conflict tokens follow (re-indexed by trigger)
            self.conn.executemany(
                "UPDATE stories SET conflict_tokens = ? WHERE cluster_id = ? "
                "AND conflict_tokens <> ?",
                [(tokens, c, tokens) for c in chunk for tokens in [conflict_tokens(conflicts[c])]],
            )
            self.conn.execute(f"DELETE FROM cluster_conflicts WHERE cluster_id IN ({marks})", chunk)
            self.conn.execute(
                "INSERT INTO cluster_conflicts(conflict, cluster_id, updated) "
                f"SELECT DISTINCT e.conflict, e.cluster_id, c.updated FROM events e "
                f"JOIN clusters c ON c.id = e.cluster_id "
                f"WHERE e.cluster_id IN ({marks}) AND e.conflict IS NOT NULL",
                chunk,
            )

    # --- reading -------------------------------------------------------------------

    @_guarded("read")
    def recent_clusters(
        self,
        limit: int = 200,
        conflict: str | None = None,
        query: str | None = None,
        until: datetime | None = None,
    ) -> list[ClusterRow]:
        """Clusters, most recently updated first; optionally one conflict's, matching
        a full-text ``query``, or first published no later than ``until``."""
        if query:
            return self._search(query, limit, conflict, until)
        params: list[Any] = []
        if conflict:
            sql = (
                "SELECT c.* FROM cluster_conflicts cc JOIN clusters c ON c.id = cc.cluster_id "
                "WHERE cc.conflict = ?"
            )
            params.append(conflict)
            order = "cc.updated"
        else:
            sql = "SELECT c.* FROM clusters c WHERE 1"
            order = "c.updated"
        if until is not None:
            sql += " AND c.published <= ?"
            params.append(_ts(until))
        sql += f" ORDER BY {order} DESC LIMIT ?"
        params.append(limit)
        return [_cluster_row(row) for row in self.conn.execute(sql, params)]

    @_guarded("read")
    def search(
        self, query: str, limit: int = 100, conflict: str | None = None
    ) -> list[ClusterRow]:
        """Clusters whose stories' title or summary match ``query`` (every word, the
        last as a prefix), newest matching story first."""
        return self._search(query, limit, conflict, None)

    def _search(
        self, query: str, limit: int, conflict: str | None, until: datetime | None
    ) -> list[ClusterRow]:
        match = _fts_query(query, conflict)
        if match is None:
            return []
        # newest matching story first, walking the FTS index by rowid: no ranking of
        # every match, so a common word costs no more than a rare one; the conflict is
        # a token in the same index, so FTS skips other conflicts' stories itself
        sql = (
            "SELECT stories_fts.rowid, s.cluster_id FROM stories_fts "
            "JOIN stories s ON s.id = stories_fts.rowid WHERE stories_fts MATCH ?"
        )
        params: list[Any] = [match]
        if until is not None:
            sql += " AND s.published <= ?"
            params.append(_ts(until))
        ids: list[int] = []
        seen: set[int] = set()
        batch = max(limit * 3, 60)
        below: list[Any] = []
        while len(ids) < limit:
            page = sql + (" AND stories_fts.rowid < ?" if below else "")
            rows = self.conn.execute(
                page + " ORDER BY stories_fts.rowid DESC LIMIT ?", (*params, *below, batch)
            ).fetchall()
            for _, cluster_id in rows:
                if cluster_id not in seen:
                    seen.add(cluster_id)
                    ids.append(cluster_id)
            if len(rows) < batch:
                break
            below = [rows[-1][0]]
        return self._clusters_by_id(ids[:limit])

    def _clusters_by_id(self, ids: list[int]) -> list[ClusterRow]:
        rows: dict[int, ClusterRow] = {}
        for chunk in _chunks(ids):
            for row in self.conn.execute(
                f"SELECT * FROM clusters WHERE id IN ({_placeholders(len(chunk))})", chunk
            ):
                rows[row[0]] = _cluster_row(row)
        return [rows[i] for i in ids if i in rows]

    @_guarded("read")
    def cluster_detail(self, cluster_id: int) -> ClusterDetail | None:
        row = self.conn.execute("SELECT * FROM clusters WHERE id = ?", (cluster_id,)).fetchone()
        if row is None:
            return None
        cluster = _cluster_row(row)
        sources = [
            {"story": cluster_id, "story_key": key, "feed": feed, "feed_title": feed_title,
             "url": link, "title": title, "summary": summary, "published": _dt(published)}
            for key, feed, feed_title, link, title, summary, published in self.conn.execute(
                "SELECT s.id, s.feed_url, f.title, s.link, s.title, s.summary, s.published "
                "FROM stories s LEFT JOIN feeds f ON f.url = s.feed_url "
                "WHERE s.cluster_id = ? ORDER BY s.published, s.id",
                (cluster_id,),
            )
        ]
        events = []
        for story_key, published, data, feed, link in self.conn.execute(
            "SELECT e.story_key, e.published, e.data, s.feed_url, s.link FROM events e "
            "JOIN stories s ON s.id = e.story_key WHERE e.cluster_id = ? "
            "ORDER BY e.published, e.id",
            (cluster_id,),
        ):
            event = json.loads(data)
            event.update(story_key=story_key, feed=feed, url=link, published=_dt(published))
            events.append(event)
        return ClusterDetail(
            id=cluster.id, title=cluster.title, published=cluster.published,
            updated=cluster.updated, n_sources=cluster.n_sources, tags=cluster.tags,
            conflicts=cluster.conflicts, sources=sources, events=events,
        )

    @_guarded("read")
    def stored_events(
        self,
        until: datetime | None = None,
        conflict: str | None = None,
        since: datetime | None = None,
    ) -> list[StoredEvent]:
        """Events from stories published in [since, until], oldest first, each with its
        cluster's sources (those published by ``until``).

        Served from a per-process cache of the decoded events that each call brings
        up to date with a few cheap queries (new events, new sources), so the panes
        can ask for the whole situation on every refresh.  While nothing changed, a
        call returns a new list of the very same ``StoredEvent`` objects (an event
        whose cluster gains a source is given out anew).  Treat the event dicts as
        read-only: they are shared between calls."""
        cache = _event_cache(self.path)
        with cache.lock, gc_paused():
            conn = self.conn
            conn.execute("BEGIN")  # one consistent snapshot for the refresh
            try:
                cache.refresh(conn)
            finally:
                conn.execute("COMMIT")
            return cache.select(
                None if since is None else _ts(since),
                None if until is None else _ts(until),
                conflict,
            )

    @_guarded("read")
    def export_stories(self, until: datetime | None = None) -> list[dict]:
        """DESIGN.md ``stories`` entries, newest first: clusters first published by
        ``until``, each with its sources published by then."""
        sql = (
            "SELECT c.id, c.title, c.published, s.feed_url, s.link, s.title "
            "FROM clusters c JOIN stories s ON s.cluster_id = c.id"
        )
        params: list[Any] = []
        if until is not None:
            sql += " WHERE c.published <= ? AND s.published <= ?"
            params += [_ts(until), _ts(until)]
        sql += " ORDER BY c.published DESC, c.id, s.published, s.id"
        stories: list[dict] = []
        for cluster_id, title, published, feed, link, source_title in self.conn.execute(
            sql, params
        ):
            if not stories or stories[-1]["id"] != cluster_id:
                stories.append(
                    {"id": cluster_id, "title": title,
                     "published": datetime.fromisoformat(published).isoformat(),
                     "sources": []}
                )
            stories[-1]["sources"].append({"feed": feed, "url": link, "title": source_title})
        return stories

    @_guarded("read")
    def last_poll(self) -> datetime | None:
        row = self.conn.execute(
            "SELECT MAX(last_attempt) FROM feeds WHERE removed = 0"
        ).fetchone()
        return _dt(row[0]) if row else None

    @_guarded("read")
    def counts(self) -> dict[str, int]:
        """Row counts, for status lines and tests."""
        return {
            table: self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("feeds", "stories", "clusters", "events")
        }

    # --- upkeep --------------------------------------------------------------------

    @_guarded("write")
    def prune(self, retention_days: float, now: datetime | None = None) -> int:
        """Delete clusters (with their stories and events) not updated within
        ``retention_days``; returns the number of stories deleted.  Works in small
        transactions and hands freed pages back with an incremental vacuum."""
        cutoff = _ts((now or _now()) - timedelta(days=retention_days))
        deleted = 0
        while True:
            with self._write() as conn:
                ids = [r[0] for r in conn.execute(
                    "SELECT id FROM clusters WHERE updated < ? LIMIT ?", (cutoff, CHUNK)
                )]
                if not ids:
                    break
                marks = _placeholders(len(ids))
                deleted += conn.execute(
                    f"SELECT COUNT(*) FROM stories WHERE cluster_id IN ({marks})", ids
                ).fetchone()[0]
                # stories, events, keys and conflict rows go with the cluster (CASCADE)
                conn.execute(f"DELETE FROM clusters WHERE id IN ({marks})", ids)
                self._bump_generation()
            for cluster_id in ids:
                self._keys.pop(cluster_id, None)
        if deleted:
            _hand_back_free_pages(self.conn)
        return deleted

    @property
    def rules_version(self) -> int:
        with self._lock:
            try:
                value = self._meta("rules_version")
            except sqlite3.Error as exc:
                raise _error("read", self.path, exc) from exc
        return int(value) if value else 0

    @_guarded("write")
    def set_rules_version(self, version: int) -> None:
        with self._write():
            self._set_meta("rules_version", str(int(version)))

    @_guarded("write")
    def reextract(
        self, extract_fn: Callable[[str, str, datetime], Iterable[Any]], batch: int = 2000
    ) -> int:
        """Read every story again with ``extract_fn(title, summary, published)`` and
        replace its events; one transaction per batch.  Returns the events stored."""
        stored = 0
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT id, cluster_id, title, summary, published FROM stories "
                "WHERE id > ? ORDER BY id LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return stored
            last = rows[-1][0]
            fresh = [
                (key, cluster_id, published,
                 [_event_dict(e) for e in extract_fn(title, summary, _dt(published))])
                for key, cluster_id, title, summary, published in rows
            ]
            with self._write() as conn:
                keys = [r[0] for r in rows]
                conn.execute(f"DELETE FROM events WHERE story_key IN ({_placeholders(len(keys))})", keys)
                self._bump_generation()
                for key, cluster_id, published, found in fresh:
                    if found:
                        self._add_events(cluster_id, key, published, found)
                        stored += len(found)
                self._refresh_tags(list(dict.fromkeys(r[1] for r in rows)))


def _hand_back_free_pages(conn: sqlite3.Connection) -> None:
    """Shrink the file by its free pages (the database is in incremental auto-vacuum
    mode).  ``execute`` would free just one: the pragma frees a page per step, and
    the sqlite3 module steps a statement without result columns only once."""
    if not conn.in_transaction:  # executescript would commit a caller's transaction
        conn.executescript("PRAGMA incremental_vacuum;")


# --- row conversion ----------------------------------------------------------------


def _cluster_row(row: Sequence[Any]) -> ClusterRow:
    cluster_id, title, published, updated, n_sources, tags, conflicts = row[:7]
    return ClusterRow(
        id=cluster_id,
        title=title,
        published=datetime.fromisoformat(published),
        updated=datetime.fromisoformat(updated),
        n_sources=n_sources,
        tags=tuple(tags.split()) if tags else (),
        conflicts=tuple(json.loads(conflicts)) if conflicts and conflicts != "[]" else (),
    )


def _feed(row: dict) -> Feed:
    return Feed(
        url=row["url"],
        title=row["title"],
        enabled=bool(row["enabled"]),
        removed=bool(row["removed"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_attempt=_dt(row["last_attempt"]),
        last_success=_dt(row["last_success"]),
        status=row["status"],
        error=row["error"],
        items=row["items"],
        bozo=row["bozo"],
        failures=row["failures"] or 0,
        next_attempt=_dt(row["next_attempt"]),
        added=_dt(row["added"]),
    )


# --- the event cache ---------------------------------------------------------------


_BULK_EVENTS = 10_000  # a load this big settles its objects out of the collector's way


class _EventCache:
    """Events, ready to give out, and their clusters' sources for one database file.

    Kept up to date incrementally: events and stories only ever get new, larger row
    ids, and every operation that deletes or rewrites rows (prune, reextract,
    rename_feed) bumps the ``generation`` in meta, which makes the cache start over.

    Events are held in (published, event id) order, each a ``StoredEvent`` with all
    its cluster's sources, so the usual call (no ``until``) is a slice: the same
    objects every time until a new source joins their cluster.  The first load reads
    every event, so it works in bulk: one query for the events, one per 500 clusters
    for their sources, one JSON document for all the events' data, one sort.

    The cache lives as long as the monitor runs and grows with every story, so it
    holds little per event: ids in an array of machine integers, one datetime per
    distinct publication time (shared by a story's events and its source entry), and
    per cluster just its source dicts and their times.
    """

    def __init__(self) -> None:
        from sitmon.model import StoredEvent

        self.make = StoredEvent
        self.lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.generation: str | None = "unset"
        self.max_event = 0
        self.max_story = 0
        self.ids = array("q")  # event ids, parallel to events
        self.conflicts: list[str | None] = []
        self.events: list[StoredEvent] = []  # by (published, id)
        self.newest_source = _EPOCH  # the latest time among cached sources
        # cluster -> its sources' publication times, oldest first, and the source
        # dicts in the same order (the tuple each of its events gives out); tuples,
        # as most clusters never change and a list would cost more for each
        self.times: dict[int, tuple[datetime, ...]] = {}
        self.given: dict[int, tuple[dict, ...]] = {}

    def refresh(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        generation = row[0] if row else None
        max_event = conn.execute("SELECT MAX(id) FROM events").fetchone()[0] or 0
        max_story = conn.execute("SELECT MAX(id) FROM stories").fetchone()[0] or 0
        if (
            generation != self.generation
            or max_event < self.max_event
            or max_story < self.max_story
        ):
            self._reset()
            self.generation = generation
        rows = self._new_events(conn, max_event)
        moments = _Moments(row[0] for row in rows)
        self._add_sources(conn, max_story, moments)
        if rows:
            self._add_events(conn, rows, moments)
        self.max_event, self.max_story = max_event, max_story

    def _new_events(self, conn: sqlite3.Connection, max_event: int) -> list[tuple]:
        if max_event <= self.max_event:
            return []
        rows = conn.execute(
            "SELECT published, id, cluster_id, story_key, conflict, data FROM events "
            "WHERE id > ? AND id <= ? ORDER BY id",
            (self.max_event, max_event),
        ).fetchall()
        rows.sort(key=itemgetter(0))  # stable: (published, id) order
        return rows

    def _add_sources(self, conn: sqlite3.Connection, max_story: int, moments: _Moments) -> None:
        """Stories that joined clusters already cached."""
        if max_story <= self.max_story or not self.given:
            return
        grown: set[int] = set()
        for cluster_id, feed, link, title, stamp in conn.execute(
            "SELECT cluster_id, feed_url, link, title, published FROM stories "
            "WHERE id > ? AND id <= ? ORDER BY id",
            (self.max_story, max_story),
        ):
            times = self.times.get(cluster_id)
            if times is None:
                continue
            given = self.given[cluster_id]
            cluster_id = given[0]["story"]  # the cached id: one object per cluster
            moment = moments(stamp)
            at = bisect_right(times, moment)  # after equal times: row id order
            self.times[cluster_id] = (*times[:at], moment, *times[at:])
            self.given[cluster_id] = (*given[:at], _source(cluster_id, feed, link, title), *given[at:])
            self.newest_source = max(self.newest_source, moment)
            grown.add(cluster_id)
        for chunk in _chunks(list(grown)):
            self._renew(conn, chunk)

    def _renew(self, conn: sqlite3.Connection, cluster_ids: Sequence[int]) -> None:
        """Give these clusters' cached events out again, with all their sources now."""
        for stamp, event_id in conn.execute(
            f"SELECT published, id FROM events WHERE cluster_id IN "
            f"({_placeholders(len(cluster_ids))}) AND id <= ?",
            (*cluster_ids, self.max_event),
        ):
            at = bisect_left(self.events, datetime.fromisoformat(stamp), key=_PUBLISHED)
            while self.ids[at] != event_id:
                at += 1
            old = self.events[at]
            self.events[at] = self.make(
                old.cluster_id, old.story_key, old.published, old.data,
                self.given[old.cluster_id],
            )

    def _add_events(self, conn: sqlite3.Connection, rows: list[tuple], moments: _Moments) -> None:
        # columns, and then every step, are worked through in C (zip, map, join):
        # a Python loop over 100k events would cost more than all the rest
        stamps, ids, cluster_ids, story_keys, conflicts, datas = zip(*rows)
        self._load_sources(conn, [c for c in set(cluster_ids) if c not in self.given], moments)
        # one document for the whole batch: far cheaper than a json.loads per event
        decoded = json.loads("[" + ",".join(datas) + "]")
        if len(decoded) != len(rows):
            raise ValueError("an event's stored data is not one JSON value")
        if len(rows) < _BULK_EVENTS:
            # every poll brings a small batch whose rows each hold their own copy of
            # every text: the cache would grow by those copies for as long as it runs,
            # so keep one object per value (a story's events share cluster and
            # key, every event of a war its name).  A first load pays no such Python pass.
            conflicts = _one_each(conflicts, sys.intern)
            cluster_ids = _one_each(cluster_ids, self._shared_cluster_id)
            story_keys = _one_each(story_keys)
            decoded = _shared_data(decoded)
        events = list(map(
            self.make, cluster_ids, story_keys, moments.each(stamps), decoded,
            map(self.given.get, cluster_ids, repeat(())),
        ))
        self._insert(ids, conflicts, events)
        _settle(len(events))

    def _insert(
        self, ids: Sequence[int], conflicts: Sequence[str | None], events: list[StoredEvent],
    ) -> None:
        """Put new events (in time order) among the cached ones: a story published
        early may arrive late."""
        if not self.events or events[0].published >= self.events[-1].published:
            self.ids.extend(ids)
            self.conflicts += conflicts
            self.events += events
            return
        for event_id, conflict, event in zip(ids, conflicts, events):
            at = bisect_right(self.events, event.published, key=_PUBLISHED)
            self.ids.insert(at, event_id)
            self.conflicts.insert(at, conflict)
            self.events.insert(at, event)

    def _shared_cluster_id(self, cluster_id: int) -> int:
        """The id object the cached sources already hold for this cluster."""
        given = self.given.get(cluster_id)
        return given[0]["story"] if given else cluster_id

    def _load_sources(
        self, conn: sqlite3.Connection, cluster_ids: list[int], moments: _Moments
    ) -> None:
        """Sources of clusters not cached yet."""
        cluster_ids.sort()  # the index's order: stories are read in file order
        fresh: dict[int, tuple[list[datetime], list[dict]]] = {}
        for chunk in _chunks(cluster_ids):
            current = None
            for cluster_id, stamp, feed, link, title in conn.execute(
                "SELECT cluster_id, published, feed_url, link, title FROM stories "
                f"WHERE cluster_id IN ({_placeholders(len(chunk))}) "
                "ORDER BY cluster_id, published, id",
                chunk,
            ):
                if cluster_id != current:  # rows come grouped by cluster, oldest first
                    current, times, sources = cluster_id, [], []
                    fresh[cluster_id] = times, sources
                times.append(moments(stamp))
                # the cluster's one id object, not each row's copy
                sources.append(_source(current, feed, link, title))
        for cluster_id, (times, sources) in fresh.items():
            self.times[cluster_id] = tuple(times)
            self.given[cluster_id] = tuple(sources)
        if fresh:
            newest = max(times[-1] for times, _ in fresh.values())
            self.newest_source = max(self.newest_source, newest)

    def select(
        self, since: str | None, until: str | None, conflict: str | None
    ) -> list[StoredEvent]:
        start = None if since is None else datetime.fromisoformat(since)
        stop = None if until is None else datetime.fromisoformat(until)
        low = 0 if start is None else bisect_left(self.events, start, key=_PUBLISHED)
        high = len(self.events) if stop is None else bisect_right(self.events, stop, key=_PUBLISHED)
        events = self.events[low:high]
        if conflict is not None:
            events = [e for e, c in zip(events, self.conflicts[low:high]) if c == conflict]
        if stop is None or stop >= self.newest_source:
            return events  # no source is later than until: nothing to leave out
        return [self._as_of(e, stop) for e in events]

    def _as_of(self, event: StoredEvent, until: datetime) -> StoredEvent:
        """The event with only the sources published by ``until``."""
        times = self.times.get(event.cluster_id)
        if not times or times[-1] <= until:
            return event
        return self.make(
            event.cluster_id, event.story_key, event.published, event.data,
            self.given[event.cluster_id][:bisect_right(times, until)],
        )


_PUBLISHED = attrgetter("published")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class _Moments:
    """Stored publication times (fixed-width UTC text) as datetimes, one object per
    distinct time of a refresh: a story's events and its source entry share it."""

    def __init__(self, stamps: Iterable[str]) -> None:
        distinct = set(stamps)
        self._known = dict(zip(distinct, map(datetime.fromisoformat, distinct)))

    def __call__(self, stamp: str) -> datetime:
        moment = self._known.get(stamp)
        if moment is None:
            moment = self._known[stamp] = datetime.fromisoformat(stamp)
        return moment

    def each(self, stamps: Iterable[str]) -> Iterator[datetime]:
        """The times of the stamps it was made from (a C loop, for bulk loads)."""
        return map(self._known.__getitem__, stamps)


def _settle(created: int) -> None:
    """After a bulk load, move what exists to the collector's permanent generation:
    the cache lives as long as the process and is freed by reference counting, so
    every later full collection (each ~0.1 s at 100k events) would scan it for
    nothing.  (A reference cycle that is garbage at this instant is kept, not freed.)"""
    if created >= _BULK_EVENTS:
        gc.freeze()


def _source(cluster_id: int, feed: str, link: str | None, title: str) -> dict:
    # a handful of feeds give every story: one string each, not one per story
    return {"story": cluster_id, "feed": sys.intern(feed), "url": link, "title": title}


_V = TypeVar("_V")


def _no_change(value: _V) -> _V:
    return value


def _one_each(
    values: Sequence[_V | None], canonical: Callable[[_V], _V] = _no_change
) -> list[_V | None]:
    """``values`` with one object per distinct value (``canonical`` picks it)."""
    chosen = {v: v if v is None else canonical(v) for v in set(values)}
    return list(map(chosen.__getitem__, values))


_NAME_CHARS = 40  # a string this short is a name (war, place, kind): shared process-wide


def _shared_data(decoded: list[Any]) -> list[Any]:
    """Event dicts rebuilt to hold shared strings: the keys and names that every
    event repeats (json shares keys only within one document), and a sentence
    quoted by several events of one story."""
    quoted: dict[str, str] = {}

    def share(value: Any) -> Any:
        if type(value) is not str:
            return value
        if len(value) <= _NAME_CHARS:
            return sys.intern(value)
        return quoted.setdefault(value, value)

    # A field that is null or false is left out: the model reads fields with .get and
    # tests flags for truth, to which the two are the same, and half of a casualty's
    # fields are usually null or false (its dict shrinks to a third).
    return [
        {sys.intern(k): share(v) for k, v in data.items() if v is not None and v is not False}
        if type(data) is dict else data
        for data in decoded
    ]


_EVENT_CACHES: dict[tuple[str, int], _EventCache] = {}
_EVENT_CACHES_LOCK = threading.Lock()


def _event_cache(path: Path) -> _EventCache:
    """The process-wide cache for this database file (Stores come and go)."""
    try:
        key = (str(path.resolve()), path.stat().st_ino)
    except OSError:
        key = (str(path), 0)
    with _EVENT_CACHES_LOCK:
        cache = _EVENT_CACHES.get(key)
        if cache is None:
            cache = _EVENT_CACHES[key] = _EventCache()
        return cache
