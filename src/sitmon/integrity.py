"""Whether a database is whole, checked before anything writes to it.

Opening a database only reads its first pages, so a file with a damaged page
further in would otherwise take new writes on top of the damage.  SQLite's
``quick_check`` reads every page: 0.15 s for 110,000 stories while the file
is in the operating system's cache, 0.3 s after a reboot (the file read in
order first), and it runs before the TUI can paint anything.

So a command that ends cleanly leaves a *clean mark* beside the database (the
file's device, inode, size, modification and change times, and when the last
full check passed), and the next command that finds the file exactly so, with
no write-ahead log, skips the check: nothing has written the file since sitmon
closed it, and sitmon writes only through SQLite transactions.  No user tool
can set a file's change time, so a file edited, copied over or restored since
fails the match.  A command removes the mark before anything writes, so a
crash leaves none, and the full check still runs at least once a week.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sitmon.store import SQLITE_HEADER, StoreError

FULL_CHECK_EVERY_S = 7 * 24 * 3600
# File times come from a clock that ticks every few milliseconds (a second on some
# file systems): a write in the same tick as sitmon's last one would leave the times
# unchanged.  So a mark vouches only if it was written in a later tick than the
# file's last change (a later write then lands in a later tick still), and it is
# written once this much has passed since that change, which on most file
# systems makes it so.
_SAME_TICK_GUARD_NS = 30_000_000
_STAMP_FIELDS = ("st_dev", "st_ino", "st_size", "st_mtime_ns", "st_ctime_ns")


def mark_path(db: Path) -> Path:
    """The clean mark of database *db*, beside it as SQLite's ``-wal`` file is."""
    return db.with_name(db.name + "-clean")


@dataclass(frozen=True)
class Checked:
    """A database found whole (by a full check, or by its clean mark) at the start of a command."""

    path: Path
    last_full_check: float  # seconds since the epoch

    def clean_exit(self) -> None:
        """Leave the clean mark, once every connection of this command is closed.

        Left out (so the next start checks) when another process still has the
        database open (its write-ahead log is there) or when the mark cannot be
        written; it never fails the command."""
        try:
            stamp = _stamp_after_last_tick(self.path)
            if stamp is None:
                return
            mark = mark_path(self.path)
            partial = mark.with_name(mark.name + ".tmp")
            partial.write_text(json.dumps({"stamp": stamp, "last_full_check": self.last_full_check}))
            os.replace(partial, mark)
        except OSError:
            pass


def check_before_writing(path: Path, lock_wait_s: float) -> Checked:
    """Refuse, with a one-line StoreError, a database SQLite cannot fully read;
    skip the full read when the clean mark vouches for the file.

    ``quick_check`` runs on a read-only connection, so the check itself can never
    change the file.  Anything it cannot decide (no file, not SQLite at all,
    unreadable) is left to ``Store``, which names those problems itself."""
    if path.is_fifo() or path.is_socket():  # opening one would wait forever
        raise StoreError(f"cannot open database {path}: not a regular file")
    vouched = _vouched_full_check(path)
    _forget_mark(path)  # before anything writes: a crash from here on leaves no mark
    if vouched is not None:
        return Checked(path, vouched)
    _full_check(path, lock_wait_s)
    return Checked(path, time.time())


def _full_check(path: Path, lock_wait_s: float) -> None:
    try:
        with path.open("rb", buffering=0) as handle:
            if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return
            _read_through(handle)
    except OSError:
        return
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=lock_wait_s)
        try:
            problem = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreError(f"cannot read database {path}: another process holds a lock on "
                             f"it (waited {lock_wait_s:g} s); try again when it is done") from None
        return  # read-only or gone: Store reports it in its own words
    except sqlite3.DatabaseError as exc:
        problem = str(exc)
    if problem != "ok":
        problem = " ".join(problem.replace("*** in database main ***", "").split())
        raise StoreError(
            f"cannot use database {path}: the file is corrupt ({problem}); sitmon left it "
            "untouched: move it away to start a new one, or salvage it with "
            f"`sqlite3 {path} .recover`")


def _read_through(handle) -> None:
    """Read the whole file in order first.  ``quick_check`` reads the pages in the
    order of its trees, which on a file not yet in the operating system's cache is
    a seek per page: for 160 MB, 1.1 s against 0.25 s read in order plus 0.14 s to
    check the pages then in memory (942 MB: 10.4 s against 2.5 s).  On a file in
    the cache it costs a copy: 0.01 s for 160 MB."""
    chunk = memoryview(bytearray(16 << 20))
    try:
        while handle.readinto(chunk):
            pass
    except OSError:
        pass  # a page that cannot be read: quick_check meets it too, and says so


def _vouched_full_check(path: Path) -> float | None:
    """When the last full check passed, if the clean mark matches the file as it is
    now and that check is less than a week old; else None."""
    try:
        mark = mark_path(path)
        content = json.loads(mark.read_text())
        stamp, checked = content["stamp"], float(content["last_full_check"])
        if _has_log(path) or stamp != _stamp(path) or max(stamp[-2:]) >= mark.stat().st_mtime_ns:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return checked if 0 <= time.time() - checked < FULL_CHECK_EVERY_S else None


def _forget_mark(path: Path) -> None:
    try:
        mark_path(path).unlink(missing_ok=True)
    except OSError:
        pass  # a directory sitmon cannot write to: nor can SQLite create the database's log there


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [getattr(stat, field) for field in _STAMP_FIELDS]


def _stamp_after_last_tick(path: Path) -> list[int] | None:
    """The file's stamp, taken once its last change is a few clock ticks old; None
    while another connection has the database open."""
    stat = path.stat()
    age_ns = time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns)
    # (a file time ahead of the clock, after the clock was set back, is not waited
    # for: the mark, older than the file, then vouches for nothing)
    if 0 <= age_ns < _SAME_TICK_GUARD_NS:
        time.sleep((_SAME_TICK_GUARD_NS - age_ns) / 1e9)
    return None if _has_log(path) else _stamp(path)


def _has_log(path: Path) -> bool:
    """A write-ahead log with frames in it: another connection is open, or one ended in a crash."""
    try:
        return path.with_name(path.name + "-wal").stat().st_size > 0
    except FileNotFoundError:
        return False
