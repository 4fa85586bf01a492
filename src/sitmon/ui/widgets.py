"""The four panes, the status bar and the cell renderers behind them.

Every cell that shows feed text goes through ``sanitize.plain`` (a ``Text``,
never markup). Rendered rows are kept in a bounded cache keyed on the row's data,
so a refresh that changes nothing costs a dictionary lookup per row.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from rich.text import Text
from textual.binding import Binding
from textual import events
from textual.widgets import DataTable, Footer, Static

from sitmon.ui.sanitize import clean, plain
from sitmon.ui.snapshot import TREND_DAYS, FeedRow, StoryRow, parse_time

BREACH = "⚠ BREACH"
SPARK = "▁▂▃▄▅▆▇█"
TAG_STYLE = {"truce": "bold green", "violation": "bold red", "casualty": "bold yellow"}
STATUS_STYLE = {
    "in_effect": "bold green",
    "agreed": "green",
    "extended": "green",
    "proposed": "cyan",
    "violated": "bold red",
    "collapsed": "red",
    "ended": "dim",
    "ok": "green",
    "failing": "bold red",
    "disabled": "dim",
    "new": "cyan",
}


# --- small formatters ------------------------------------------------------


def ago(moment: datetime | None, now: datetime) -> str:
    """'5m', '3h', '2d' — how long before ``now``."""
    if moment is None:
        return "—"
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400 * 2:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def since(moment: datetime, now: datetime) -> str:
    """'just now' or '5m ago', to the minute."""
    if now - moment < timedelta(minutes=1):
        return "just now"
    return ago(moment, now) + " ago"


def until(moment: datetime | None, now: datetime) -> str:
    """'in 5m' or 'due' for a future instant."""
    if moment is None:
        return "—"
    if moment <= now:
        return "due"
    return "in " + ago(now, moment)


def when(value: Any, now: datetime) -> str:
    """A short UTC timestamp: '14:05' today, '23 Nov 14:05' before."""
    moment = parse_time(value)
    if moment is None:
        return "—"
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    return moment.strftime("%d %b %H:%M")


def day_or_time(value: Any, now: datetime) -> str:
    """'14:05' today, '23 Nov' before: what fits a narrow column."""
    moment = parse_time(value)
    if moment is None:
        return "—"
    return moment.strftime("%H:%M" if moment.date() == now.date() else "%d %b")


def names(values: Iterable[Any] | None) -> str:
    return ", ".join(clean(v, 60) for v in values or () if v) or "—"


def number(low: Any, high: Any = None, lower_bound: bool = True) -> str:
    """'>=600', '600–800' or '—'."""
    if low is None:
        return "—"
    if high is not None and high != low:
        return f"{low:,}–{high:,}"
    return f"≥{low:,}" if lower_bound else f"{low:,}"


def sparkline(points: Iterable[int]) -> str:
    """A one-line bar chart of ``points`` from zero: '▁' is none, '█' the largest."""
    values = list(points)
    high = max(values, default=0)
    if high <= 0:
        return SPARK[0] * len(values)
    top = len(SPARK) - 1
    return "".join(SPARK[0] if v <= 0 else SPARK[min(top, 1 + int(v / high * (top - 1)))] for v in values)


def source_count(item: dict) -> str:
    sources = item.get("sources") or []
    return str(len(sources) if isinstance(sources, list | tuple) else sources)


# --- row renderers (pure: data in, cells out) --------------------------------


def truce_cells(truce: dict, now: datetime) -> tuple[Text, ...]:
    since = parse_time(truce.get("since") or truce.get("effective"))
    status = str(truce.get("status") or "")
    dim = "" if truce.get("active") else "dim"
    violations = truce.get("violations") or 0
    return (
        plain(truce.get("conflict") or "?", f"bold {dim}", 40),
        Text(status.replace("_", " "), style=STATUS_STYLE.get(status, "")),
        Text(f"{when(since, now)} · {ago(since, now)}" if since else "—", style=dim),
        Text(str(violations), style="bold red" if violations else "dim", justify="right"),
        plain(truce.get("kind") or "—", dim, 20),
        plain(names(truce.get("mediators")), dim, 60),
        plain(names(truce.get("parties")), dim, 60),
    )


def violation_cells(violation: dict, now: datetime) -> tuple[Text, ...]:
    actor = clean(violation.get("actor"), 40) or "?"
    claimed = clean(violation.get("claimed_by"), 40)
    killed, wounded = violation.get("killed"), violation.get("wounded")
    toll = f"{killed if killed is not None else '—'}/{wounded if wounded is not None else '—'}"
    breach = Text(BREACH, style="bold reverse red") if violation.get("during_truce") else Text("")
    return (
        Text(day_or_time(violation.get("time"), now)),
        plain(violation.get("conflict") or "?", "bold", 40),
        plain(violation.get("location") or "—", "", 40),
        breach,
        Text(toll, style="red" if killed else "", justify="right"),
        Text.assemble(Text(actor), Text(f" per {claimed}" if claimed and claimed != actor else "", "dim")),
        Text(source_count(violation), justify="right"),
    )


def tally_cells(tally: dict, trend: Iterable[int], now: datetime) -> tuple[Text, ...]:
    wounded = tally.get("wounded")
    return (
        plain(tally.get("conflict") or "?", "bold", 40),
        Text(number(tally.get("killed"), tally.get("killed_high")), style="bold red", justify="right"),
        Text(sparkline(tuple(trend) or (0,) * TREND_DAYS), style="yellow"),
        Text(number(wounded, tally.get("wounded_high")) if wounded is not None else "—", justify="right"),
        Text(day_or_time(tally.get("as_of"), now)),
        Text(source_count(tally), justify="right"),
    )


def story_cells(story: StoryRow, now: datetime) -> tuple[Text, ...]:
    tags = Text()
    for tag in story.tags:
        tags.append(f"[{tag}]", style=TAG_STYLE.get(tag, ""))
    return (
        Text(ago(story.published, now), justify="right"),
        Text(str(story.sources), style="bold" if story.sources > 1 else "dim", justify="right"),
        tags,
        plain(story.title, "", 300),
    )


def feed_cells(feed: FeedRow, now: datetime) -> tuple[Text, ...]:
    return (
        Text(feed.status, style=STATUS_STYLE.get(feed.status, "")),
        plain(feed.title or feed.url, "bold", 50),
        Text(ago(feed.last_fetch, now) + (" ago" if feed.last_fetch else "")),
        Text(str(feed.http_status) if feed.http_status is not None else "—"),
        plain(feed.error or "", "red", 120),
        Text(str(feed.items) if feed.items is not None else "—"),
        Text(until(feed.next_poll, now)),
    )


# --- widgets ----------------------------------------------------------------


class RowCache:
    """Bounded LRU of rendered rows: the same data at the same minute renders once.

    A pane sizes it to the rows it shows (see ``fit``): the rows on screen are asked
    for at every refresh, so anything beyond them is stale, and a monitor left open
    would otherwise keep a few hundred stale rows per pane."""

    SPARE = 16  # rows beyond those shown: a refresh that adds a few renders only those

    def __init__(self, size: int = 300) -> None:
        self.size = size
        self._rows: OrderedDict[Any, tuple[Text, ...]] = OrderedDict()

    def get(self, key: Any, render: Callable[[], tuple[Text, ...]]) -> tuple[Text, ...]:
        if key in self._rows:
            self._rows.move_to_end(key)
            return self._rows[key]
        row = self._rows[key] = render()
        self._trim()
        return row

    def fit(self, shown: int) -> None:
        """Keep room for ``shown`` rows and a few more, the least recently used going first."""
        self.size = shown + self.SPARE
        self._trim()

    def _trim(self) -> None:
        while len(self._rows) > self.size:
            self._rows.popitem(last=False)

    def __len__(self) -> int:
        return len(self._rows)


class FittedTable(DataTable):
    """A DataTable whose header line follows its columns when rows widen them."""

    def _update_dimensions(self, new_rows: Iterable[Any]) -> None:
        # Textual re-measures the columns here but keeps the header line it drew
        # for the old widths when a frame was painted between add_row and this
        # (idle-time) update: the header stays misaligned until the next change.
        super()._update_dimensions(new_rows)
        self._clear_caches()


class Pane(FittedTable):
    """A focusable table whose refreshes keep the cursor on the same row and the scroll."""

    COLUMNS: tuple[str, ...] = ()
    TITLE = ""
    NUMBER = 0

    BINDINGS = [
        Binding("enter", "select_cursor", "Details"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.items: dict[str, Any] = {}  # row key -> the data behind the row
        self._shown: tuple = ()  # (key, cells) pairs currently displayed
        self.cache = RowCache()
        self.border_title = f"{self.NUMBER} {self.TITLE}"

    def on_mount(self) -> None:
        self.add_columns(*self.COLUMNS)

    @property
    def current(self) -> Any | None:
        """The data behind the highlighted row, if any."""
        if not self.row_count:
            return None
        key = self._row_key_at(self.cursor_row)
        return self.items.get(key) if key else None

    def _row_key_at(self, index: int) -> str | None:
        try:
            return self.coordinate_to_cell_key((index, 0)).row_key.value
        except Exception:  # cursor outside the table while it is being rebuilt
            return None

    def show(self, rows: list[tuple[str, Any, tuple[Text, ...]]], empty: str = "") -> bool:
        """Replace the rows, keeping the highlighted row and scroll; False when unchanged."""
        shown = tuple((key, cells) for key, _, cells in rows)
        self.items = {key: item for key, item, _ in rows}
        self.cache.fit(len(rows))
        self.border_subtitle = f"{len(rows)}" if rows else empty
        if shown == self._shown:
            return False
        keep = self._row_key_at(self.cursor_row) if self.row_count else None
        scroll_y = self.scroll_y
        self._shown = shown
        with self.app.batch_update():
            self.clear()
            for key, _, cells in rows:
                self.add_row(*cells, key=key)
            index = next((i for i, (key, _) in enumerate(shown) if key == keep), None)
            if index is not None:
                self.move_cursor(row=index, animate=False, scroll=False)
            self.scroll_to(y=scroll_y, animate=False, immediate=True)
        return True


def unique_keys(keys: Iterable[str]) -> list[str]:
    """Row keys made unique (DataTable refuses duplicates) while staying stable."""
    seen: dict[str, int] = {}
    out = []
    for key in keys:
        count = seen.get(key, 0)
        seen[key] = count + 1
        out.append(key if count == 0 else f"{key}#{count}")
    return out


class TrucesPane(Pane):
    TITLE = "Active truces"
    NUMBER = 1
    COLUMNS = ("Conflict", "Status", "In effect since", "Viol", "Kind", "Mediators", "Parties")


class ViolationsPane(Pane):
    TITLE = "Recent violations"
    NUMBER = 2
    COLUMNS = ("When", "Conflict", "Place", "Truce", "K/W", "Actor (per source)", "Src")


class TallyPane(Pane):
    TITLE = "Casualty tally"
    NUMBER = 3
    COLUMNS = ("Conflict", "Killed", "Deaths 7d", "Wounded", "As of", "Src")


class StoriesPane(Pane):
    TITLE = "Stories"
    NUMBER = 4
    COLUMNS = ("Age", "Src", "Events", "Title")


class KeysFooter(Footer):
    """The footer; packed tighter on a narrow terminal so every key still fits."""

    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < 110


class StatusBar(Static):
    """One line: clock, last poll, feed health, active filters, polling state."""

    _shown: Text | None = None  # the line on screen, so an unchanged one is not redrawn

    def render_status(
        self,
        now: datetime,
        last_poll: datetime | None,
        feeds: tuple[FeedRow, ...],
        polling: bool,
        conflict: str | None,
        query: str | None,
        demo: bool,
    ) -> None:
        enabled = [f for f in feeds if f.status != "disabled"]
        ok = sum(1 for f in enabled if f.status == "ok")
        health_style = "green" if ok == len(enabled) else ("yellow" if ok else "red")
        line = Text.assemble(
            (" sitmon ", "bold reverse"),
            (" DEMO " if demo else "", "bold black on yellow"),
            # Minutes, not seconds: the line then changes about once a minute, so an
            # idle monitor repaints next to nothing.
            (f" {now:%a %d %b %H:%M} UTC ", "bold"),
            " │ last poll ",
            (f"{when(last_poll, now)} ({since(last_poll, now)})" if last_poll else "never", "bold"),
            (" ⟳ polling…" if polling else "", "cyan"),
            " │ ",
            (f"feeds {ok}/{len(enabled)} ok", health_style),
        )
        if conflict:
            line.append(" │ conflict: ")
            line.append(clean(conflict, 40), style="bold magenta")
        if query:
            line.append(" │ search: ")
            line.append(clean(query, 40), style="bold magenta")
        if line != self._shown:
            self._shown = line
            self.update(line, layout=False)  # one fixed-height line: no re-layout of the screen
