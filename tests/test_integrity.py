"""The integrity check before writing, and the clean mark that spares a start the
full read of a database sitmon itself left untouched (sitmon.integrity)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from terminal import quit_with_q, read_until, spawn

from sitmon.integrity import FULL_CHECK_EVERY_S, check_before_writing, mark_path
from sitmon.store import Store, StoreError

PADDING = 4 * 2**20  # a database big enough that reading it all shows in the byte count


def _bytes_read() -> int:
    """Bytes this process has read through system calls so far (Linux)."""
    with open("/proc/self/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("rchar:"))


needs_proc_io = pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux's /proc/self/io")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A sitmon database of a few megabytes, closed, with no clean mark yet."""
    path = tmp_path / "sitmon.db"
    with Store(path) as store:
        store.add_feed("https://eastwire.example/rss")
        store.conn.execute("CREATE TABLE padding (data BLOB)")
        store.conn.executemany("INSERT INTO padding VALUES (?)", [(os.urandom(8192),)] * (PADDING // 8192))
    return path


def _read_by_check(db: Path) -> int:
    """Bytes read from disk or cache by one start's check (which then exits cleanly)."""
    before = _bytes_read()
    checked = check_before_writing(db, lock_wait_s=1)
    read = _bytes_read() - before
    checked.clean_exit()
    return read


@needs_proc_io
def test_a_clean_exit_spares_the_next_start_reading_the_whole_file(db):
    assert _read_by_check(db) > PADDING  # no mark yet: every page is read
    assert mark_path(db).exists()
    assert _read_by_check(db) < PADDING / 50  # the mark vouches for the file: a few small reads
    assert _read_by_check(db) < PADDING / 50


@needs_proc_io
def test_a_start_removes_the_mark_so_a_crash_leaves_none(db):
    check_before_writing(db, lock_wait_s=1).clean_exit()
    check_before_writing(db, lock_wait_s=1)  # ... and the command dies without a clean exit
    assert not mark_path(db).exists()
    assert _read_by_check(db) > PADDING


@needs_proc_io
@pytest.mark.parametrize("change", ["a write keeping size and modification time", "a new copy of the file"])
def test_any_change_to_the_file_since_the_clean_exit_brings_the_full_check_back(db, change):
    check_before_writing(db, lock_wait_s=1).clean_exit()
    before = db.stat()
    if change == "a new copy of the file":
        copy = db.with_name("copy.db")
        copy.write_bytes(db.read_bytes())
        os.replace(copy, db)
    else:
        with db.open("r+b") as handle:
            handle.seek(PADDING // 2)
            handle.write(b"\0")
        os.utime(db, ns=(before.st_atime_ns, before.st_mtime_ns))  # only the change time tells
    assert db.stat().st_size == before.st_size
    assert _read_by_check(db) > PADDING


@needs_proc_io
def test_a_mark_no_later_than_the_files_last_change_vouches_for_nothing(db):
    """A write in the same clock tick as the file's last change would not change its
    times: only a mark written in a later tick proves the file was not written after it."""
    check_before_writing(db, lock_wait_s=1).clean_exit()
    changed = max(db.stat().st_mtime_ns, db.stat().st_ctime_ns)
    os.utime(mark_path(db), ns=(changed, changed))
    assert _read_by_check(db) > PADDING


@needs_proc_io
def test_a_file_time_ahead_of_the_clock_neither_stalls_the_exit_nor_is_vouched_for(db):
    """After the clock was set back an hour: the exit does not wait for the file's time."""
    ahead = time.time_ns() + 3600 * 10**9
    os.utime(db, ns=(ahead, ahead))
    exiting = threading.Thread(target=check_before_writing(db, lock_wait_s=1).clean_exit, daemon=True)
    exiting.start()
    exiting.join(timeout=5)
    assert not exiting.is_alive()
    assert _read_by_check(db) > PADDING  # the mark is older than the file's time


@needs_proc_io
def test_the_full_check_still_runs_once_a_week(db):
    check_before_writing(db, lock_wait_s=1).clean_exit()
    mark = json.loads(mark_path(db).read_text())
    mark["last_full_check"] -= FULL_CHECK_EVERY_S + 60
    mark_path(db).write_text(json.dumps(mark))
    assert _read_by_check(db) > PADDING
    assert json.loads(mark_path(db).read_text())["last_full_check"] > time.time() - 60


def test_no_mark_while_another_connection_has_written_and_is_still_open(db):
    checked = check_before_writing(db, lock_wait_s=1)
    other = Store(db)
    try:
        other.add_feed("https://northdesk.example/rss")  # in the write-ahead log, not yet the file
        checked.clean_exit()
        assert not mark_path(db).exists()
    finally:
        other.close()
    checked.clean_exit()
    assert mark_path(db).exists()


@needs_proc_io
def test_a_write_ahead_log_left_by_another_program_means_a_full_check(db):
    check_before_writing(db, lock_wait_s=1).clean_exit()
    other = sqlite3.connect(db)  # e.g. the sqlite3 shell, still open: its writes are in the log
    try:
        other.execute("INSERT INTO padding VALUES (x'00')")
        other.commit()
        assert _read_by_check(db) > PADDING
    finally:
        other.close()


def test_an_unreadable_or_garbled_mark_means_a_full_check(db):
    check_before_writing(db, lock_wait_s=1).clean_exit()
    mark_path(db).write_text("{not json")
    check_before_writing(db, lock_wait_s=1).clean_exit()  # checked, no error
    assert json.loads(mark_path(db).read_text())["stamp"]  # and a good mark again


def test_a_page_damaged_after_a_clean_exit_is_refused(db):
    check_before_writing(db, lock_wait_s=1).clean_exit()
    with Store(db) as store:
        page_size = store.conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = store.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'feeds'").fetchone()
    check_before_writing(db, lock_wait_s=1).clean_exit()  # that Store was opened after a check too
    with db.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * page_size)
    with pytest.raises(StoreError, match="corrupt"):
        check_before_writing(db, lock_wait_s=1)


def test_the_tui_leaves_the_mark_when_quit_with_q(tmp_path):
    """The real `sitmon` in a pseudo-terminal: started on a database with no mark, quit with q."""
    config, db = tmp_path / "config.toml", tmp_path / "sitmon.db"
    config.write_text("default_feeds = false\n")
    Store(db).close()
    pid, fd = spawn("--config", str(config), "--db", str(db), rows=30, columns=100)
    try:
        assert "Active truces" in read_until(fd, ("Active truces",), seconds=30)
        assert not mark_path(db).exists()  # removed at the start, before anything writes
    finally:
        code = quit_with_q(pid, fd)
    assert code == 0
    assert mark_path(db).exists()


def test_sitmon_poll_once_leaves_the_mark_and_the_next_command_uses_it(tmp_path):
    config, db = tmp_path / "config.toml", tmp_path / "sitmon.db"
    config.write_text("default_feeds = false\n")
    command = [sys.executable, "-m", "sitmon", "--config", str(config), "--db", str(db)]
    assert subprocess.run([*command, "poll", "--once"], capture_output=True).returncode == 0
    first = json.loads(mark_path(db).read_text())
    time.sleep(0.05)
    assert subprocess.run([*command, "feeds", "list"], capture_output=True).returncode == 0
    second = json.loads(mark_path(db).read_text())
    assert second["last_full_check"] == first["last_full_check"]  # vouched for, not checked again
