"""The TOML configuration file: defaults, first-run file, validation.

Every key is optional; a missing key keeps its default. A mistake in the file
(TOML syntax, a wrong type, an unknown key, a negative number, a feed URL that
is not http/https) raises ``ConfigError`` with one line naming the file, the
line and the problem, so the CLI can print it and exit 2.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sitmon import paths

FeedSpec = tuple[str, str | None]  # (url, title)

CONFLICT_LIST_KEYS = ("parties", "aliases", "places")


class ConfigError(ValueError):
    """A config file that cannot be used; the message is one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


@lru_cache(maxsize=1)
def _bundled_feeds() -> tuple[FeedSpec, ...]:
    text = resources.files("sitmon").joinpath("data/feeds.toml").read_text("utf-8")
    return tuple((f["url"], f.get("title")) for f in tomllib.loads(text)["feeds"])


def default_feeds() -> list[FeedSpec]:
    """The curated feed list shipped in ``sitmon/data/feeds.toml``."""
    return list(_bundled_feeds())


@dataclass
class Config:
    poll_interval: float = 300.0  # seconds between polls
    timeout: float = 20.0  # whole-feed limit, seconds
    connect_timeout: float = 5.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 8
    per_host: int = 2
    retention_days: int = 180
    dedup_window_hours: float = 72.0
    feeds: list[FeedSpec] = field(default_factory=default_feeds)
    conflicts: list[dict] = field(default_factory=list)
    path: Path | None = None


DEFAULT_TOML = """\
# sitmon configuration.
#
# Written with the defaults on first run; edit freely. Every key is optional:
# delete a line to go back to its default. A mistake is reported with the file,
# the line and the problem (try `sitmon feeds list` after editing).

# Seconds between two polls of every feed. `--interval` overrides it per run.
poll_interval = 300

# Whole-feed time limit in seconds: a feed that takes longer is abandoned.
timeout = 20

# Seconds allowed to open a connection.
connect_timeout = 5

# Largest feed body read, in bytes (10 MiB); reading stops at the cap.
max_bytes = 10_485_760

# Redirects followed before a fetch fails.
max_redirects = 5

# Feeds fetched at the same time, and at most this many from one host.
concurrency = 8
per_host = 2

# Stories older than this many days are deleted from the database.
retention_days = 180

# Reports of one story published this many hours apart can still be folded
# into one cluster.
dedup_window_hours = 72

# Seed the database with sitmon's built-in list of world-news feeds (listed in
# the README). Feeds you remove with `sitmon feeds remove` stay removed.
default_feeds = true

# Extra feeds, one [[feeds]] table each (http or https URLs only):
#
# [[feeds]]
# url = "https://example.org/world/rss.xml"
# title = "Example World News"

# Extra conflicts for the gazetteer, one [[conflicts]] table each. `name` is
# how the conflict is shown; the other keys help sitmon tell which conflict a
# story is about and who the sides are. `demonyms` maps an adjective to the
# party it stands for; `utc` is the local offset used to read "at midnight", and
# `zone` the local time zone where clocks change for summer (it wins over `utc`).
#
# [[conflicts]]
# name = "Ruritania-Borduria"
# parties = ["Ruritania", "Borduria"]
# aliases = ["Ruritanian border war"]
# places = ["Strelsau", "Zenda"]
# demonyms = { "Ruritanian" = "Ruritania", "Bordurian" = "Borduria" }
# utc = "+01:00"
# zone = "Europe/Paris"
"""


def _positive(v: float) -> bool:
    return v > 0


def _not_negative(v: float) -> bool:
    return v >= 0


# key -> (integers only?, accepts the value?, what the rule is, in words)
_NUMBERS: dict[str, tuple[bool, Callable[[float], bool], str]] = {
    "poll_interval": (False, _positive, "a number of seconds greater than 0"),
    "timeout": (False, _positive, "a number of seconds greater than 0"),
    "connect_timeout": (False, _positive, "a number of seconds greater than 0"),
    "max_bytes": (True, _positive, "a whole number of bytes greater than 0"),
    "max_redirects": (True, _not_negative, "a whole number, 0 or more"),
    "concurrency": (True, _positive, "a whole number, 1 or more"),
    "per_host": (True, _positive, "a whole number, 1 or more"),
    "retention_days": (True, _positive, "a whole number of days, 1 or more"),
    "dedup_window_hours": (False, _positive, "a number of hours greater than 0"),
}
_TOP_KEYS = set(_NUMBERS) | {"default_feeds", "feeds", "conflicts"}
_FEED_KEYS = {"url", "title", "region"}
_CONFLICT_KEYS = {"name", "demonyms", "utc", "zone", *CONFLICT_LIST_KEYS}
_UTC_OFFSET = re.compile(r"[+-]\d{1,2}:?\d{2}")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def load_config(path: Path | None = None) -> Config:
    """Read the config at ``path`` (default: ``paths.config_path()``).

    A missing file is created with commented defaults; if that is impossible
    (read-only disk, no home directory) the defaults are used all the same.
    """
    path = Path(path).expanduser() if path is not None else paths.config_path()
    if not path.exists():
        _write_defaults(path)
        return Config(path=path)
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_syntax_message(path, exc, text)) from None
    return _build(data, _Locator(path, text))


def is_http_url(url: str) -> bool:
    """True for an absolute http or https URL with a host.

    Control characters (a newline, ESC) are refused anywhere: the URL is
    printed to terminals and written to OPML, and no real feed needs one.
    """
    if _CONTROL.search(url.strip()):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme.lower() in ("http", "https") and bool(host) and " " not in host


def _write_defaults(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("x", encoding="utf-8")
    except OSError:
        return  # a config we cannot write is not a reason to refuse to start
    try:
        with handle:
            handle.write(DEFAULT_TOML)
    except OSError:
        # a full disk can cut the file anywhere, even inside a value: a half
        # config read next time would silently change a setting, so drop it
        path.unlink(missing_ok=True)


def _read(path: Path) -> str:
    if path.is_fifo() or path.is_socket():  # reading would wait for a writer forever
        raise ConfigError(f"{path}: cannot read the config file: not a regular file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from None


def _syntax_message(path: Path, exc: tomllib.TOMLDecodeError, text: str) -> str:
    message = str(exc)
    where = re.search(r"\s*\(at line (\d+), column (\d+)\)", message)
    if where:
        problem = message[: where.start()] + message[where.end():]
        return f"{path}, line {where[1]}, column {where[2]}: invalid TOML: {problem}"
    end = re.search(r"\s*\(at end of document\)", message)
    if end:
        last = max(1, len(text.splitlines()))
        return f"{path}, line {last}: invalid TOML: {message[: end.start()]} at the end of the file"
    return f"{path}: invalid TOML: {message}"


class _Locator:
    """Finds the line a key is written on, to name it in an error message.

    tomllib reports positions only for syntax errors, so for a wrong value we
    look for ``key =`` in the right table ourselves.
    """

    _HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def error(
        self, problem: str, key: str, table: str | None = None, index: int = 0
    ) -> ConfigError:
        line = self._find(key, table, index)
        where = f"{self.path}, line {line}" if line else str(self.path)
        return ConfigError(f"{where}: {problem}")

    def _find(self, key: str, table: str | None, index: int) -> int | None:
        assignment = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        section, seen, header_line = None, -1, None
        for number, line in enumerate(self.lines, start=1):
            header = self._HEADER.match(line)
            if header:
                section = header[1]
                seen += section == table
                if header_line is None and (
                    (section == table and seen == index) or (table is None and section == key)
                ):
                    header_line = number
                continue
            if section == table and (table is None or seen == index) and assignment.match(line):
                return number
        if header_line is not None:
            return header_line  # the key is missing from, or is, that table
        if table is not None:
            return self._find(table, None, 0)  # an inline `feeds = [{...}]`
        return None


def _build(data: dict[str, Any], where: _Locator) -> Config:
    for key in data:
        if key not in _TOP_KEYS:
            raise where.error(f"unknown setting {key!r}", key)
    numbers = {key: _number(data[key], key, where) for key in _NUMBERS if key in data}
    use_defaults = data.get("default_feeds", True)
    if not isinstance(use_defaults, bool):
        raise where.error("default_feeds must be true or false", "default_feeds")
    feeds = _feeds(data.get("feeds", []), where)
    if use_defaults:
        feeds = _merge(default_feeds(), feeds)
    conflicts = _conflicts(data.get("conflicts", []), where)
    return Config(**numbers, feeds=feeds, conflicts=conflicts, path=where.path)


def _number(value: Any, key: str, where: _Locator) -> float | int:
    integer_only, accepts, rule = _NUMBERS[key]
    kinds = (int,) if integer_only else (int, float)
    # bool is an int in Python, but `timeout = true` is a mistake
    if isinstance(value, bool) or not isinstance(value, kinds) or not accepts(value):
        raise where.error(f"{key} must be {rule}, not {_show(value)}", key)
    return value if integer_only else float(value)


def _tables(value: Any, key: str, where: _Locator) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise where.error(f"{key} must be a list of [[{key}]] tables", key)
    return value


def _feeds(value: Any, where: _Locator) -> list[FeedSpec]:
    feeds = []
    for i, table in enumerate(_tables(value, "feeds", where)):
        _only_keys(table, _FEED_KEYS, "feeds", i, where)
        url, title = table.get("url"), table.get("title")
        if not isinstance(url, str):
            raise where.error("each [[feeds]] needs url = \"http(s)://...\"", "url", "feeds", i)
        if not is_http_url(url.strip()):
            raise where.error(f"feed URL must be http or https: {url!r}", "url", "feeds", i)
        if title is not None and not isinstance(title, str):
            problem = f"feed title must be a string, not {_show(title)}"
            raise where.error(problem, "title", "feeds", i)
        feeds.append((url.strip(), title))
    return feeds


def _conflicts(value: Any, where: _Locator) -> list[dict]:
    """Extra gazetteer entries, in the shape sitmon.extract's gazetteer reads."""
    conflicts = []
    for i, table in enumerate(_tables(value, "conflicts", where)):
        _only_keys(table, _CONFLICT_KEYS, "conflicts", i, where)
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise where.error("each [[conflicts]] needs a name", "name", "conflicts", i)
        entry: dict[str, Any] = {"name": name.strip()}
        for key in CONFLICT_LIST_KEYS:
            entry[key] = _strings(table.get(key, []), key, i, where)
        entry["demonyms"] = _demonyms(table.get("demonyms", []), i, where)
        utc = table.get("utc")
        if utc is not None:
            if not isinstance(utc, str) or not _UTC_OFFSET.fullmatch(utc.strip()):
                problem = 'conflict utc must be an offset like "+04:00"'
                raise where.error(problem, "utc", "conflicts", i)
            entry["utc"] = utc.strip()
        zone = table.get("zone")
        if zone is not None:
            if not _known_zone(zone):
                problem = 'conflict zone must be a time zone like "Europe/Kyiv"'
                raise where.error(problem, "zone", "conflicts", i)
            entry["zone"] = zone.strip()
        conflicts.append(entry)
    return conflicts


def _known_zone(zone: Any) -> bool:
    if not isinstance(zone, str) or not zone.strip():
        return False
    try:
        ZoneInfo(zone.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _strings(items: Any, key: str, index: int, where: _Locator) -> list[str]:
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise where.error(f"conflict {key} must be a list of strings", key, "conflicts", index)
    return [s.strip() for s in items if s.strip()]


def _demonyms(value: Any, index: int, where: _Locator) -> list[str] | dict[str, str]:
    # a list ("Ruritanian") names the conflict; a table ({"Ruritanian" =
    # "Ruritania"}) also says which party the word stands for
    if isinstance(value, dict):
        if all(isinstance(v, str) for v in value.values()):
            return {k.strip(): v.strip() for k, v in value.items() if k.strip()}
    elif isinstance(value, list) and all(isinstance(s, str) for s in value):
        return [s.strip() for s in value if s.strip()]
    raise where.error("conflict demonyms must be a list of strings or a table of "
                      "demonym = party", "demonyms", "conflicts", index)


def _only_keys(table: dict, allowed: set[str], name: str, index: int, where: _Locator) -> None:
    for key in table:
        if key not in allowed:
            raise where.error(f"unknown key {key!r} in [[{name}]]", key, name, index)


def _merge(first: list[FeedSpec], second: list[FeedSpec]) -> list[FeedSpec]:
    """One entry per URL, in order; a user's own title wins over the default."""
    merged: dict[str, str | None] = {}
    for url, title in first + second:
        merged[url] = title if title is not None else merged.get(url)
    return list(merged.items())


def _show(value: Any) -> str:
    kind = {bool: "a boolean", str: "a string", list: "a list", dict: "a table"}.get(type(value))
    return kind or repr(value)
