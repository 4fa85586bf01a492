"""The ``sitmon`` command line: the TUI, headless polling, feeds, extract, export.

``main(argv) -> int`` never lets a traceback reach the user for bad input:
config, store, file and usage problems become one ``sitmon: error: ...`` line
and exit code 2; Ctrl+C exits 130 quietly (0 for ``poll`` without ``--once``,
whose normal way to stop is Ctrl+C). A bug in sitmon itself becomes one
``sitmon: internal error: ...`` line and exit code 1, its traceback kept in
``crash.log`` in the log directory for the bug report.

The pipeline modules (store, poll, extract, model) are imported inside the
commands that need them, so ``sitmon --version`` or ``sitmon extract`` do not
pay for (or depend on) the database layer.
"""

from __future__ import annotations

import argparse
import csv
import email.utils
import importlib
import io
import json
import logging
import os
import re
import signal
import sqlite3
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, NoReturn

from sitmon import __version__, paths
from sitmon.config import Config, ConfigError, is_http_url, load_config
from sitmon.opml import OpmlError, read_opml_file, write_opml

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141
_LOCK_WAIT_S = 10.0  # how long a command waits for another process's exclusive lock

# C0/C1 control characters (ESC above all): feed text printed to a terminal
# must never be able to move the cursor or change colours.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class UsageError(Exception):
    """A mistake on the command line or in its input; one line, exit 2."""


# ----------------------------------------------------------------------------
# entry point


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.demo and args.run is not cmd_tui:
            parser.error("--demo only applies to the TUI (run `sitmon --demo`)")
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()  # `sitmon extract big.jsonl | head` is not an error
        return EXIT_BROKEN_PIPE
    except _expected_errors() as exc:
        print(f"sitmon: error: {_describe(exc, args)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - a bug in sitmon still gets one line, not a traceback
        print(f"sitmon: internal error: {type(exc).__name__}: {' '.join(str(exc).split())}"
              f"{_crash_report(exc)}", file=sys.stderr)
        return EXIT_INTERNAL


def _crash_report(exc: Exception) -> str:
    """Append the traceback to crash.log in the log directory; say where it went."""
    log = paths.log_dir() / "crash.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {_now().isoformat()} sitmon {__version__} {sys.argv[1:]}\n")
            handle.write("".join(traceback.format_exception(exc)))
    except OSError:
        return ""  # nowhere to keep the details; the one line must do
    return f" (details in {log}; please report it)"


def _expected_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [
        UsageError, ConfigError, OpmlError, OSError, sqlite3.Error, UnicodeError,
    ]
    store = sys.modules.get("sitmon.store")  # only raised once it is imported
    if store is not None:
        errors.append(store.StoreError)
    return tuple(errors)


def _describe(exc: BaseException, args: argparse.Namespace) -> str:
    if isinstance(exc, sqlite3.Error):
        return f"database {_db_path(args)}: {exc}"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    return " ".join(str(exc).split()) or type(exc).__name__


def _silence_stdout() -> None:
    # Python flushes stdout at exit; point it at /dev/null so that flush
    # does not raise a second BrokenPipeError.
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # stdout is not a real file (tests): nothing will flush to a pipe


# ----------------------------------------------------------------------------
# argument parsing


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"sitmon: error: {message} (see `{self.prog} --help`)\n")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds greater than 0: {text!r}")
    return value


def _locations(default: Any) -> argparse.ArgumentParser:
    """--config/--db, accepted before or after the subcommand.

    Subcommands get ``default=SUPPRESS`` so that leaving the option out after
    the subcommand does not undo it given before (``sitmon --db x feeds list``).
    """
    parser = _Parser(add_help=False)
    parser.add_argument("--config", type=Path, metavar="PATH", default=default,
                        help="config file (default: $SITMON_CONFIG or the platform config dir)")
    parser.add_argument("--db", type=Path, metavar="PATH", default=default,
                        help="database file (default: $SITMON_DB or the platform data dir)")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sitmon", parents=[_locations(None)],
        description="Terminal situation monitor for armed conflicts: truces, violations "
                    "and casualty tallies read from news feeds. Without a command, opens the TUI.",
        epilog="Environment: SITMON_CONFIG and SITMON_DB locate the config file and the "
               "database (--config and --db win over them).",
    )
    parser.add_argument("--version", action="version", version=f"sitmon {__version__}")
    parser.add_argument("--interval", type=_seconds, metavar="SECONDS", default=None,
                        help="poll every SECONDS instead of the configured poll_interval")
    parser.add_argument("--demo", action="store_true",
                        help="run the TUI on bundled sample feeds in a throwaway database")
    parser.set_defaults(run=cmd_tui)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    located = [_locations(argparse.SUPPRESS)]

    poll = commands.add_parser("poll", parents=located, help="poll feeds without the TUI")
    poll.add_argument("--once", action="store_true",
                      help="poll every enabled feed once, print a report and exit")
    poll.add_argument("--interval", type=_seconds, metavar="SECONDS", default=argparse.SUPPRESS,
                      help="poll every SECONDS instead of the configured poll_interval")
    poll.set_defaults(run=cmd_poll)

    feeds = commands.add_parser("feeds", parents=located, help="list and manage feeds")
    actions = feeds.add_subparsers(title="actions", metavar="ACTION", dest="action", required=True)
    actions.add_parser("list", parents=located, help="show feeds and their health") \
        .set_defaults(run=cmd_feeds_list)
    add = actions.add_parser("add", parents=located, help="add an http(s) feed")
    add.add_argument("url")
    add.add_argument("--title", help="name shown for the feed")
    add.set_defaults(run=cmd_feeds_add)
    remove = actions.add_parser("remove", parents=located, help="remove a feed")
    remove.add_argument("url")
    remove.set_defaults(run=cmd_feeds_remove)
    opml_in = actions.add_parser("import", parents=located, help="add the feeds of an OPML file")
    opml_in.add_argument("file", type=Path, metavar="FILE.opml")
    opml_in.set_defaults(run=cmd_feeds_import)
    opml_out = actions.add_parser("export", parents=located, help="write the feeds as OPML 2.0")
    opml_out.add_argument("-o", "--output", type=Path, metavar="FILE",
                          help="write to FILE instead of standard output")
    opml_out.set_defaults(run=cmd_feeds_export)

    extract = commands.add_parser(
        "extract", parents=located, help="read stories for truces, violations and casualties",
        description="Reads JSON Lines {\"id\",\"title\",\"summary\",\"published\"} or plain "
                    "text (one story per line) and writes one JSON line per story: "
                    "{\"id\": ..., \"events\": [...]}.")
    extract.add_argument("file", nargs="?", default="-", metavar="FILE",
                         help="input file, or - for standard input (the default)")
    extract.set_defaults(run=cmd_extract)

    export = commands.add_parser("export", parents=located,
                                 help="the situation as of an instant, as JSON or CSV")
    export.add_argument("--as-of", metavar="ISO-8601",
                        help="instant to report (default: now; naive times are UTC)")
    export.add_argument("--format", choices=("json", "csv"), default="json")
    export.set_defaults(run=cmd_export)

    reextract = commands.add_parser("reextract", parents=located,
                                    help="re-read every stored story with the current rules")
    reextract.set_defaults(run=cmd_reextract)
    return parser


# ----------------------------------------------------------------------------
# shared plumbing


def _config(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    if args.interval is not None:
        config = replace(config, poll_interval=args.interval)
    return config


def _db_path(args: argparse.Namespace) -> Path:
    return args.db.expanduser() if args.db is not None else paths.db_path()


@contextmanager
def _store(args: argparse.Namespace, config: Config | None = None, checked: Any = None) -> Iterator[Any]:
    """The open store; with a config, its feeds are seeded first.  The database is
    checked first, unless *checked* says the caller did (and leaves the clean mark:
    see ``sitmon.integrity``); otherwise the mark is left here when the command ends well."""
    from sitmon.store import Store

    path = _db_path(args)
    mark_on_exit = checked is None
    if checked is None:
        checked = _checked(path)
    _announce_upgrade(path)
    store = Store(path) if config is None else Store(
        path, dedup_window_hours=config.dedup_window_hours)
    try:
        if config is not None:
            store.seed_feeds(config.feeds)
        yield store
    finally:
        store.close()
    if mark_on_exit:
        checked.clean_exit()


def _checked(path: Path) -> Any:
    """The database at *path* checked whole (``integrity.Checked``), its directory made."""
    from sitmon.integrity import check_before_writing

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the directory for database {path}: "
                         f"{exc.strerror or exc}") from None
    return check_before_writing(path, _LOCK_WAIT_S)


def _announce_upgrade(path: Path) -> None:
    """Say why the first start after an upgrade may take a while: the store
    migrates an older schema in place (about 13 s for a million stories)."""
    from sitmon.store import SCHEMA_VERSION

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=_LOCK_WAIT_S)
        try:
            version = int(conn.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
        finally:
            conn.close()
    except (sqlite3.Error, TypeError, ValueError, OSError):
        return  # no database yet, or one that Store will name the problem of
    if 0 < version < SCHEMA_VERSION:
        print(f"sitmon: upgrading database {path} for this version (once; about 15 s "
              "per million stories)", file=sys.stderr, flush=True)


def _extractor(config: Config) -> Any:
    """extract(title, summary, published) with the user's extra conflicts."""
    from sitmon.extract import load_extractor

    extract = load_extractor(config.conflicts).extract
    # importing it is the warm-up: the rules compiled now, their programs saved for the
    # next process and the cache's copies let go (the TUI re-reads stories for days)
    importlib.import_module("sitmon.extract.warm")
    return extract


def _refresh_rules(store: Any, config: Config) -> None:
    """Re-read stored stories when the extraction rules changed since they were read."""
    from sitmon.rules import RULES_VERSION

    if store.rules_version == RULES_VERSION:
        return
    if store.counts()["stories"]:  # a new database has nothing to re-read
        print(f"sitmon: re-reading stored stories with extraction rules v{RULES_VERSION}",
              file=sys.stderr)
        store.reextract(_extractor(config))
    store.set_rules_version(RULES_VERSION)


def _plain(text: Any) -> str:
    return _CONTROL.sub(" ", "" if text is None else str(text))


def parse_instant(text: str) -> datetime:
    """An ISO-8601 (or RFC 822) time as an aware UTC datetime; naive means UTC."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise UsageError(f"not an ISO-8601 time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        raise UsageError(f"time out of range: {text!r}") from None


def _now() -> datetime:
    return datetime.now(UTC)


# ----------------------------------------------------------------------------
# the TUI


def _preload(module: str) -> None:
    """Import *module* ahead of its use; a failure is left for that use to report."""
    try:
        importlib.import_module(module)
    except Exception:  # noqa: BLE001 -- the import where it is used raises it again
        pass


def cmd_tui(args: argparse.Namespace) -> int:
    # the demo brings its own config and database: the user's are not touched
    config = Config() if args.demo else _config(args)
    if not args.demo:
        # Textual and the UI load in another thread meanwhile: the database check reads
        # the whole file with the GIL released (0.15 s for 110,000 stories), and the
        # imports take about as long
        ui = threading.Thread(target=_preload, args=("sitmon.ui.app",), daemon=True)
        ui.start()
        checked = _checked(_db_path(args))
        # seed feeds and refresh rules here, so the UI starts on a ready store
        with _store(args, config, checked) as store:
            _refresh_rules(store, config)
        ui.join()
    from sitmon.ui.app import run_app

    code = run_app(config=config, db_path=_db_path(args), demo=args.demo, interval=args.interval)
    code = code if isinstance(code, int) else EXIT_OK
    if code == EXIT_OK and not args.demo:
        checked.clean_exit()
    return code


# ----------------------------------------------------------------------------
# poll


class _OneLine(logging.Handler):
    """Warnings from the pipeline as one stderr line each, never a traceback.

    Resolves ``sys.stderr`` when it writes, not when it is made, so it follows
    whatever stream is current.
    """

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message += f": {type(error).__name__}: {error}"
        try:
            print(f"sitmon: {record.levelname.lower()}: {' '.join(message.split())}",
                  file=sys.stderr)
        except (OSError, ValueError):
            self.handleError(record)


def _warnings_to_stderr() -> None:
    logger = logging.getLogger("sitmon")
    if not any(isinstance(handler, _OneLine) for handler in logger.handlers):
        logger.addHandler(_OneLine(logging.WARNING))


def cmd_poll(args: argparse.Namespace) -> int:
    _warnings_to_stderr()
    config = _config(args)
    from sitmon.poll import poll_forever, poll_once

    with _store(args, config) as store:
        _refresh_rules(store, config)
        if args.once:
            # an explicit one-off poll includes feeds still backing off
            _print_report(poll_once(store, config, force=True), already_failing=set())
            store.prune(config.retention_days)
            return EXIT_OK
        return _poll_forever(store, config, poll_forever)


def _poll_forever(store: Any, config: Config, poll_forever: Any) -> int:
    from sitmon.heap import limit_heap_arenas, release_free_memory

    print(f"sitmon: polling every {config.poll_interval:g} s; Ctrl+C stops", file=sys.stderr)
    limit_heap_arenas()  # a poller left running for days keeps its memory as the app does
    failing: set[str] = set()

    def on_report(report: Any) -> None:
        nonlocal failing
        print(_now().strftime("%Y-%m-%d %H:%M:%S UTC"), end="  ")
        failing = _print_report(report, already_failing=failing)
        store.prune(config.retention_days)
        release_free_memory()

    try:
        with _sigterm_as_ctrl_c():
            poll_forever(store, config, on_report=on_report)
    except KeyboardInterrupt:
        print("sitmon: polling stopped", file=sys.stderr)
    return EXIT_OK


@contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """`kill`, systemd and `docker stop` end a poller with SIGTERM: stop as on Ctrl+C,
    between two SQLite transactions rather than wherever the signal lands."""
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_report(report: Any, already_failing: set[str]) -> set[str]:
    """Print a FAIL line per feed not already known to fail, then the totals.

    Returns the URLs failing now, so a long-running poll reports a broken feed
    when it breaks rather than every few minutes.
    """
    failed = list(report.feeds_failed)
    for url, error in failed:
        if url not in already_failing:
            print(f"FAIL {_plain(url)}: {_plain(error)}")
    total = report.feeds_ok + report.feeds_not_modified + len(failed)
    skipped = getattr(report, "feeds_skipped", 0)
    print(f"polled {total} feeds: {report.feeds_ok} ok, {report.feeds_not_modified} not modified, "
          f"{len(failed)} failed; {report.new_stories} new stories in {report.new_clusters} "
          f"clusters, in {report.seconds:.1f} s"
          + (f" ({skipped} feeds backing off after failures)" if skipped else ""), flush=True)
    return {url for url, _ in failed}


# ----------------------------------------------------------------------------
# feeds


def cmd_feeds_list(args: argparse.Namespace) -> int:
    with _store(args, _config(args)) as store:
        feeds = store.feeds(include_disabled=True)
    rows = [("URL", "TITLE", "ENABLED", "LAST STATUS")]
    rows += [(_plain(f.url), _plain(f.title or ""), "yes" if f.enabled else "no", _status(f))
             for f in feeds]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    if not feeds:
        print("sitmon: no feeds; add one with `sitmon feeds add URL`", file=sys.stderr)
    return EXIT_OK


def _status(feed: Any) -> str:
    """A feed's last fetch in a few words: never / ok 200 / failed: reason."""
    if feed.last_attempt is None:
        return "never polled"
    if feed.error:
        return _plain(f"failed: {feed.error}")
    ok = f"ok ({feed.status})" if feed.status else "ok"
    # A feed that delivers stories despite broken markup is still worth a word:
    # feedparser's bozo warning says what is wrong with it.
    return _plain(f"{ok}, warning: {feed.bozo}") if feed.bozo else ok


def _checked_url(url: str) -> str:
    url = url.strip()
    if not is_http_url(url):
        raise UsageError(f"not an http or https URL: {url!r}")
    return url


def cmd_feeds_add(args: argparse.Namespace) -> int:
    url = _checked_url(args.url)
    with _store(args, _config(args)) as store:
        added = store.add_feed(url, title=args.title)
    print(f"added {url}" if added else f"already in the feed list: {url}")
    return EXIT_OK


def cmd_feeds_remove(args: argparse.Namespace) -> int:
    url = args.url.strip()
    with _store(args, _config(args)) as store:
        if not store.remove_feed(url):
            raise UsageError(f"not in the feed list: {url!r} (see `sitmon feeds list`)")
    print(f"removed {url}")
    return EXIT_OK


def cmd_feeds_import(args: argparse.Namespace) -> int:
    feeds = read_opml_file(args.file)
    added = present = skipped = 0
    with _store(args, _config(args)) as store:
        for url, title in feeds:
            if not is_http_url(url):
                print(f"sitmon: skipped {_plain(url)!r}: not an http or https URL", file=sys.stderr)
                skipped += 1
            elif store.add_feed(url, title=title):
                added += 1
            else:
                present += 1
    print(f"imported {added} feeds from {args.file} "
          f"({present} already in the list, {skipped} skipped)")
    return EXIT_OK


def cmd_feeds_export(args: argparse.Namespace) -> int:
    with _store(args, _config(args)) as store:
        document = write_opml((f.url, f.title) for f in store.feeds(include_disabled=True))
    if args.output is None:
        sys.stdout.write(document.decode("utf-8"))
        sys.stdout.flush()
    else:
        args.output.write_bytes(document)
    return EXIT_OK


# ----------------------------------------------------------------------------
# extract


@dataclass(frozen=True)
class _InputStory:
    id: Any
    title: str
    summary: str
    published: datetime


def cmd_extract(args: argparse.Namespace) -> int:
    extract = _extractor(_config(args))
    read = failed = 0
    with _input(args.file) as lines:
        for number, line in lines:
            try:
                story = _story(line, number)
                events = extract(story.title, story.summary, story.published)
            except UsageError as exc:
                print(f"sitmon: error: line {number}: {exc}", file=sys.stderr)
                failed += 1
                continue
            except Exception as exc:  # noqa: BLE001 - one unreadable story must not end the stream
                print(f"sitmon: error: line {number}: could not read this story "
                      f"({type(exc).__name__}: {exc})", file=sys.stderr)
                failed += 1
                continue
            record = {"id": story.id, "events": [event.as_dict() for event in events]}
            sys.stdout.write(json.dumps(record, default=str) + "\n")
            sys.stdout.flush()  # stream: a reader sees each story as it is read
            read += 1
    return EXIT_USAGE if failed and not read else EXIT_OK


@contextmanager
def _input(name: str) -> Iterator[Iterator[tuple[int, str]]]:
    """Numbered, decoded, non-blank lines of a file or stdin, read lazily."""
    stream: IO[bytes] = sys.stdin.buffer if name == "-" else open(name, "rb")
    try:
        yield _numbered(stream)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _numbered(stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(stream, start=1):
        # a stray bad byte costs one character, not the story
        line = raw.decode("utf-8", errors="replace").strip()
        if number == 1:
            line = line.lstrip("\ufeff")
        if line:
            yield number, line


def _story(line: str, number: int) -> _InputStory:
    if not line.startswith("{"):
        return _InputStory(number, line, "", _now())
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UsageError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(item, dict):
        raise UsageError("expected a JSON object")
    story_id = item.get("id")
    return _InputStory(
        id=number if story_id is None else story_id,
        title=_text_field(item, "title"),
        summary=_text_field(item, "summary"),
        published=_published(item.get("published"), number),
    )


def _text_field(item: dict, key: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UsageError(f"{key} must be a string")
    return value


def _published(value: Any, number: int) -> datetime:
    if value in (None, ""):
        return _now()
    try:
        if not isinstance(value, str):
            raise UsageError(f"not an ISO-8601 time: {value!r}")
        return parse_instant(value)
    except UsageError as exc:
        # the story is still worth reading; only its date is unknown
        print(f"sitmon: warning: line {number}: published: {exc}; using the current time",
              file=sys.stderr)
        return _now()


# ----------------------------------------------------------------------------
# export and reextract

# The columns DESIGN.md fixes for each section, in order; keys a section has
# beyond these follow them, and `sources` always comes last as count + URLs.
_SECTIONS = {
    "truces": ("conflict", "parties", "mediators", "kind", "status", "active", "effective",
               "violations"),
    "violations": ("conflict", "time", "location", "actor", "killed", "wounded",
                   "during_truce"),
    "tally": ("conflict", "killed", "killed_high", "wounded", "by_side", "as_of"),
    "stories": ("id", "title", "published"),
}


def cmd_export(args: argparse.Namespace) -> int:
    as_of = _now() if args.as_of is None else parse_instant(args.as_of)
    config = _config(args)
    from sitmon.model import situation

    with _store(args) as store:
        _refresh_rules(store, config)
        state = situation(store.stored_events(until=as_of), as_of).as_dict()
        stories = store.export_stories(until=as_of)
    report = {"as_of": state.get("as_of", as_of.isoformat())}
    report.update({key: state.get(key, []) for key in ("truces", "violations", "tally")})
    report["stories"] = stories
    report.update({k: v for k, v in state.items() if k not in report})
    if args.format == "csv":
        sys.stdout.write(_csv(report))
    else:
        sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")
    sys.stdout.flush()
    return EXIT_OK


def _csv(report: dict) -> str:
    out = io.StringIO()
    out.write(f"# as_of {report['as_of']}\n")
    for section, known in _SECTIONS.items():
        rows = report[section]
        extra = [k for k in dict.fromkeys(k for row in rows for k in row)
                 if k not in known and k != "sources"]
        columns = [*known, *extra]
        out.write(f"\n# {section}\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*columns, "sources", "source_urls"])
        for row in rows:
            sources = row.get("sources") or []
            urls = [s.get("url") or s.get("feed") or "" for s in sources]
            writer.writerow([*(_cell(row.get(c)) for c in columns), len(sources), "; ".join(urls)])
    return out.getvalue()


def _cell(value: Any) -> str:
    """One CSV cell: lists joined with "; ", mappings as "key: value; ..."."""
    if isinstance(value, (list, tuple)):
        return "; ".join(_part(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_part(v)}" for k, v in value.items())
    return _scalar(value)


def _part(value: Any) -> str:
    # one element of a list or mapping: a status change in a truce's history,
    # one side's figures in by_side
    if isinstance(value, dict):
        return " ".join(f"{k}={_scalar(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, (list, tuple)):
        return ", ".join(_scalar(v) for v in value)
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cmd_reextract(args: argparse.Namespace) -> int:
    from sitmon.rules import RULES_VERSION

    extract = _extractor(_config(args))
    with _store(args) as store:
        events = store.reextract(extract)
        store.set_rules_version(RULES_VERSION)
        stories = store.counts().get("stories", 0)
    print(f"re-read {stories} stories with extraction rules v{RULES_VERSION}: {events} events")
    return EXIT_OK
