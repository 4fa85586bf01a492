"""Broken surroundings: a damaged database, a bad or unreadable config, a read-only
data directory, a full disk and a locked database.

Every case runs the real ``sitmon`` in a subprocess against a real SQLite file and
expects what a user would see: exit code 2, one ``sitmon: error:`` line naming the
problem, no traceback, and the database exactly as it was (byte for byte where
sitmon must not write at all; same stories and a clean integrity check where a
write was attempted and failed).

Read-only files mean nothing to root, so when the suite runs as root the
subprocess is started without the capabilities that let root ignore file
permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH). A full disk is simulated
with RLIMIT_FSIZE, which needs no privileges: a write past the limit fails with
EFBIG just as one on a full disk fails with ENOSPC.
"""

from __future__ import annotations

import ctypes
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import rss_document
from feedserver import FeedServer

from sitmon.opml import write_opml

NOW = datetime.now(UTC).replace(microsecond=0)
COMMANDS = [("poll", "--once"), ("export",), ("feeds", "list"),
            ("feeds", "add", "https://late.example/rss"), ("reextract",)]
# the writer that matters most, the reader, and a one-off write; the cases that
# need the most care run every command in COMMANDS
SOME_COMMANDS = [("poll", "--once"), ("export",), ("feeds", "add", "https://late.example/rss")]
PLACES = ["Ganja", "Stepanakert", "Tartar", "Barda", "Shusha", "Hadrut", "Fuzuli", "Jabrayil"]


def _story(i: int, place: str, words: int = 0) -> dict:
    detail = " ".join(f"Witnesses in {place} counted {i * 7 + n} craters on road {n}." for n in range(words))
    return {
        "title": f"{i + 3} killed as shelling hits {place}",
        "summary": f"Officials in {place} said shelling killed {i + 3} people overnight. {detail}",
        "link": f"https://{place.lower()}.example/story/{i}",
        "guid": f"{place.lower()}-{i}",
        "published": NOW - timedelta(hours=2, minutes=i),
    }


# The first feed is in the database before each test; the second brings enough
# new text (about 50 KB) that storing it cannot fit under the simulated full disk.
FIRST = rss_document([_story(i, PLACES[i % 4]) for i in range(12)], title="Eastwire")
SECOND = rss_document([_story(i, PLACES[4 + i % 4], words=12) for i in range(20)], title="Northdesk")


# --- running sitmon ----------------------------------------------------------------


def _env(home: Path, db: Path) -> dict[str, str]:
    env = os.environ.copy()
    env.update(SITMON_CONFIG=str(home / "config.toml"), SITMON_DB=str(db))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(home / name.lower())
    return env


def sitmon(home: Path, db: Path, *argv: str, preexec: Callable[[], None] | None = None,
           timeout: float = 60, config: Path | None = None) -> subprocess.CompletedProcess:
    options = ["--config", str(config)] if config is not None else []
    return subprocess.run([sys.executable, "-m", "sitmon", *options, *argv],
                          capture_output=True, text=True, timeout=timeout,
                          env=_env(home, db), preexec_fn=preexec, stdin=subprocess.DEVNULL)


def one_error_line(result: subprocess.CompletedProcess, *words: str) -> str:
    """The single error line of a failed command, checked for the words that name the problem."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sitmon: error: ")
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


def _write_config(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("default_feeds = false\ntimeout = 5\nconnect_timeout = 2\n")


# --- a database with stories in it ---------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as feeds:
        feeds.add("/eastwire.xml", FIRST)
        feeds.add("/northdesk.xml", SECOND)
        yield feeds


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory, server: FeedServer) -> Path:
    """A sitmon database holding the first feed's stories, closed and checkpointed."""
    home = tmp_path_factory.mktemp("golden")
    _write_config(home)
    db = home / "sitmon.db"
    opml = home / "feeds.opml"
    opml.write_bytes(write_opml([(server.url("/eastwire.xml"), "Eastwire")]))
    assert sitmon(home, db, "feeds", "import", str(opml)).returncode == 0
    polled = sitmon(home, db, "poll", "--once")
    assert polled.returncode == 0 and "12 new stories" in polled.stdout, polled.stdout + polled.stderr
    assert not Path(f"{db}-wal").exists()  # one self-contained file to copy and compare
    return db


@pytest.fixture
def home(tmp_path: Path) -> Path:
    _write_config(tmp_path)
    return tmp_path


@pytest.fixture
def db(home: Path, golden: Path) -> Path:
    copy = home / "data" / "sitmon.db"
    copy.parent.mkdir()
    shutil.copyfile(golden, copy)
    return copy


def stored_stories(home: Path, db: Path) -> list[dict]:
    result = sitmon(home, db, "export")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["stories"]


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


# --- a damaged database ----------------------------------------------------------


def _random_bytes(db: Path) -> None:
    db.write_bytes(random.Random(7).randbytes(64 * 1024))


def _truncated(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


def _header_only(db: Path) -> None:
    db.write_bytes(db.read_bytes()[:100])


def _text_file(db: Path) -> None:
    db.write_text("These are my notes about the October truce, not a database.\n" * 50)


def _damaged_page(db: Path) -> None:
    """Wipe the page holding the stories table: the header and schema still read fine."""
    with sqlite3.connect(db) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'stories'").fetchone()
    conn.close()
    with db.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * page_size)


def _other_application(db: Path) -> None:
    db.unlink()
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT, minutes INTEGER)")
        conn.execute("INSERT INTO recipes VALUES ('plov', 90)")
    conn.close()


DAMAGE = {
    "random bytes": (_random_bytes, "corrupt"),
    "truncated to half": (_truncated, "corrupt"),
    "truncated to its header": (_header_only, "corrupt"),
    "a text file": (_text_file, "not a sitmon database"),
    "a damaged page": (_damaged_page, "corrupt"),
    "another program's database": (_other_application, "not a sitmon database"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_database_is_refused_and_left_byte_for_byte(home, db, server, damage):
    spoil, problem = DAMAGE[damage]
    spoil(db)
    before = db.read_bytes()
    for command in COMMANDS if damage in ("random bytes", "a damaged page") else SOME_COMMANDS:
        result = sitmon(home, db, *command)
        one_error_line(result, str(db), problem)
        assert db.read_bytes() == before, f"`sitmon {' '.join(command)}` changed the file"


def test_the_tui_does_not_start_on_a_damaged_database(home, db):
    _damaged_page(db)
    before = db.read_bytes()
    one_error_line(sitmon(home, db, timeout=30), str(db), "corrupt")
    assert db.read_bytes() == before


def test_a_damaged_database_message_says_how_to_recover(home, db):
    _damaged_page(db)
    line = one_error_line(sitmon(home, db, "poll", "--once"))
    assert "untouched" in line and ".recover" in line


# --- a bad or unreadable config ------------------------------------------------------


CONFIGS = {
    "invalid TOML": (b"default_feeds = false\npoll_interval = = 3\n", ["line 2", "invalid TOML"]),
    "a wrong value": (b"default_feeds = false\ntimeout = -4\n", ["line 2", "timeout"]),
    "not UTF-8": (bytes(range(128, 256)) * 4, ["not UTF-8"]),
    "a non-http feed": (b'[[feeds]]\nurl = "file:///etc/passwd"\n', ["line 2", "http"]),
}


@pytest.mark.parametrize("case", CONFIGS)
def test_an_invalid_config_is_one_line_and_the_database_is_untouched(home, db, case):
    text, words = CONFIGS[case]
    config = home / "broken.toml"
    config.write_bytes(text)
    before = db.read_bytes()
    for command in [("poll", "--once"), ("feeds", "list")]:
        one_error_line(sitmon(home, db, *command, config=config), str(config), *words)
    assert db.read_bytes() == before
    assert config.read_bytes() == text  # never "fixed" behind the user's back


def test_a_directory_where_the_config_should_be_is_one_line(home, db):
    config = home / "config.d"
    config.mkdir()
    one_error_line(sitmon(home, db, "poll", "--once", config=config), str(config), "directory")


def test_a_database_directory_that_cannot_be_made_is_one_line(home):
    blocker = home / "data"
    blocker.write_text("a file where the data directory should be\n")
    db = blocker / "sitmon" / "sitmon.db"
    one_error_line(sitmon(home, db, "poll", "--once"), str(db), "cannot create the directory")
    assert blocker.read_text() == "a file where the data directory should be\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_named_pipe_instead_of_a_file_is_refused_rather_than_waited_on(home, db):
    pipe = home / "pipe"
    os.mkfifo(pipe)
    one_error_line(sitmon(home, pipe, "feeds", "list", timeout=30), str(pipe), "regular file")
    one_error_line(sitmon(home, db, "feeds", "list", config=pipe, timeout=30),
                   str(pipe), "regular file")


# --- permissions (as root, without the capabilities that bypass them) --------------


def _without_root_powers() -> None:
    """preexec_fn: as root, drop the capabilities that ignore file permissions.

    Dropping them from the bounding set before exec removes them from the new
    program's permitted and effective sets.
    """
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            os._exit(99)


@pytest.fixture
def permissions_apply(tmp_path: Path) -> None:
    """Skip when even a subprocess without root powers could write a read-only directory."""
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    probe_dir.chmod(0o555)
    try:
        probe = subprocess.run([sys.executable, "-c", f"open({str(probe_dir / 'x')!r}, 'w')"],
                               capture_output=True, preexec_fn=_without_root_powers)
    finally:
        probe_dir.chmod(0o755)
    if probe.returncode == 0 or probe.returncode == 99:
        pytest.skip("file permissions cannot be enforced for this user here")


def _read_only(path: Path) -> None:
    path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)


@pytest.fixture
def restore_permissions(tmp_path: Path) -> Iterator[None]:
    yield
    for path in [tmp_path, *tmp_path.rglob("*")]:  # so pytest can clean up
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_an_unreadable_config_is_one_line(home, db, permissions_apply, restore_permissions):
    config = home / "config.toml"
    config.chmod(0)
    before = db.read_bytes()
    for command in [("poll", "--once"), ("feeds", "list")]:
        result = sitmon(home, db, *command, preexec=_without_root_powers, config=config)
        one_error_line(result, str(config), "permission denied")
    assert db.read_bytes() == before


def test_a_read_only_data_directory_without_a_database(home, permissions_apply, restore_permissions):
    data = home / "data"
    data.mkdir()
    _read_only(data)
    db = data / "sitmon.db"
    for command in SOME_COMMANDS:
        result = sitmon(home, db, *command, preexec=_without_root_powers)
        one_error_line(result, str(db), "read-only")
    assert list(data.iterdir()) == []


def test_a_read_only_data_directory_with_a_database(home, db, server, permissions_apply,
                                                    restore_permissions):
    _read_only(db.parent)
    before = db.read_bytes()
    for command in SOME_COMMANDS:
        result = sitmon(home, db, *command, preexec=_without_root_powers)
        one_error_line(result, str(db), "read-only")
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["sitmon.db"]


def test_a_read_only_database_file_can_still_be_exported(home, db, server, permissions_apply,
                                                         restore_permissions):
    _read_only(db)
    before = db.read_bytes()
    stories = json.loads(sitmon(home, db, "export", preexec=_without_root_powers).stdout)["stories"]
    assert len(stories) == 12
    polled = sitmon(home, db, "poll", "--once", preexec=_without_root_powers)
    one_error_line(polled, str(db), "read-only")
    assert db.read_bytes() == before


def test_a_missing_config_in_a_read_only_directory_means_defaults(home, db, permissions_apply,
                                                                  restore_permissions):
    config_dir = home / "etc"
    config_dir.mkdir()
    _read_only(config_dir)
    result = sitmon(home, db, "feeds", "list", config=config_dir / "config.toml",
                    preexec=_without_root_powers)
    assert result.returncode == 0, result.stderr
    assert "bbci.co.uk" in result.stdout  # the default feed list, though none could be saved


# --- a full disk --------------------------------------------------------------------


def _disk_full_at(limit: int) -> Callable[[], None]:
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def test_a_poll_that_fills_the_disk_stops_with_one_line_and_loses_nothing(home, db, server):
    assert sitmon(home, db, "feeds", "add", server.url("/northdesk.xml")).returncode == 0
    before = stored_stories(home, db)
    # room for SQLite's 32 KiB shared-memory index, not for the new stories
    result = sitmon(home, db, "poll", "--once", preexec=_disk_full_at(32 * 1024))
    one_error_line(result, str(db), "disk")
    assert integrity(db) == "ok"
    assert stored_stories(home, db) == before
    # once there is room again the same poll completes, storing each story once
    again = sitmon(home, db, "poll", "--once")
    assert again.returncode == 0, again.stderr
    after = stored_stories(home, db)
    assert len(after) == len(before) + 20
    assert len({story["id"] for story in after}) == len(after)


def test_a_full_disk_on_first_run_leaves_no_half_written_files(home):
    config, db = home / "new" / "config.toml", home / "new" / "sitmon.db"
    result = sitmon(home, db, "poll", "--once", config=config, preexec=_disk_full_at(1024))
    one_error_line(result, str(db), "disk")
    # a config cut short could silently change a setting: none is better
    assert not config.exists() or "dedup_window_hours = 72" in config.read_text()
    ok = sitmon(home, db, "feeds", "list", config=config)
    assert ok.returncode == 0, ok.stderr


# --- a locked database ----------------------------------------------------------


def test_a_database_locked_by_another_process_is_one_line(home, db):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         f"conn = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
         "conn.execute('PRAGMA locking_mode = EXCLUSIVE')\n"
         "conn.execute('BEGIN EXCLUSIVE')\n"
         "conn.execute(\"UPDATE meta SET value = value\")\n"
         "conn.execute('COMMIT')\n"
         "print('locked', flush=True)\n"
         "sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = sitmon(home, db, "feeds", "list", timeout=90)
        one_error_line(result, str(db), "lock")
        assert time.monotonic() - started < 60
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert integrity(db) == "ok"
    assert len(stored_stories(home, db)) == 12


def test_reading_commands_work_while_another_process_writes(home, db):
    """A poller in the middle of a long write must not stall `feeds list` or `export`:
    in WAL mode readers go on, so a command that has nothing to write takes no lock."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys\n"
         f"conn = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
         "conn.execute('BEGIN IMMEDIATE')\n"
         "conn.execute(\"UPDATE meta SET value = value\")\n"
         "print('writing', flush=True)\n"
         "sys.stdin.read()\n"
         "conn.execute('COMMIT')\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "writing"
        started = time.monotonic()
        listed = sitmon(home, db, "feeds", "list", timeout=90)
        exported = sitmon(home, db, "export", timeout=90)
        assert time.monotonic() - started < 8, "a reader waited for the writer's lock"
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    assert exported.returncode == 0, exported.stderr
    assert len(json.loads(exported.stdout)["stories"]) == 12
