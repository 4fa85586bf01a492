"""Screens: the monitor itself, details, feed health, help and the conflict picker."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from sitmon.ui.messages import SituationLoaded, StoriesLoaded
from sitmon.ui.sanitize import clean, plain
from sitmon.ui.snapshot import (
    SituationData,
    StoriesData,
    StoryRow,
    load_situation,
    load_stories,
    parse_time,
)
from sitmon.ui.widgets import (
    BREACH,
    FittedTable,
    KeysFooter,
    Pane,
    StatusBar,
    StoriesPane,
    TallyPane,
    TrucesPane,
    ViolationsPane,
    ago,
    feed_cells,
    names,
    number,
    story_cells,
    tally_cells,
    truce_cells,
    unique_keys,
    violation_cells,
    when,
)

if TYPE_CHECKING:
    from sitmon.ui.app import SitmonApp


def open_store(db_path: Path) -> Any:
    """A Store for the calling thread (sqlite connections are per-thread)."""
    from sitmon.store import Store

    return Store(db_path)


def _fingerprint(item: dict) -> bytes:
    """A short digest of a row's data: the cache key for its rendered cells
    (the JSON itself runs to kilobytes for an incident with many sources)."""
    text = json.dumps(item, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def item_link(item: Any) -> str | None:
    """The link behind a row: a story's own link, else its first source's."""
    if isinstance(item, StoryRow):
        return item.link
    if isinstance(item, dict):
        for source in item.get("sources") or []:
            if isinstance(source, dict) and source.get("url"):
                return source["url"]
    return None


SITUATION_MAX_AGE = timedelta(minutes=30)
STORIES_FIRST_S = 2.0


class ForwardsWorkerEvents:
    """Screens' workers report to the app's one Worker.StateChanged handler.

    The message does not bubble, so without this a failing loader on a screen
    would fail silently."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.on_worker_state_changed(event)  # type: ignore[attr-defined]


class MainScreen(ForwardsWorkerEvents, Screen):
    """The four panes, the status bar, the search box and the footer."""

    app: "SitmonApp"

    BINDINGS = [
        Binding("1", "focus_pane(1)", "Truces", show=False),
        Binding("2", "focus_pane(2)", "Violations", show=False),
        Binding("3", "focus_pane(3)", "Tally", show=False),
        Binding("4", "focus_pane(4)", "Stories", show=False),
        Binding("o", "open_link", "Link"),
        Binding("slash", "search", "Search"),
        Binding("escape", "clear_filters", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.stories_data: StoriesData | None = None
        self.situation_data: SituationData | None = None
        self._pending: list = []  # loads that arrived while another screen was on top
        self._seen_breaches: set[tuple] = set()
        self._breach_baseline = False
        self._stories_shown = threading.Event()  # set once a stories load is on screen
        self._situation_stale = True  # new data arrived that the panes do not show yet

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Grid(id="panes"):
            yield TrucesPane(id="truces")
            yield ViolationsPane(id="violations")
            yield TallyPane(id="tally")
            yield StoriesPane(id="stories")
        yield Input(placeholder="Search stored stories (Enter to apply, Esc to cancel)", id="search")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#search").display = False
        self.query_one(StoriesPane).focus()
        self.refresh_status()
        self.reload("start")

    def on_descendant_focus(self) -> None:
        self._mark_focused_pane()

    def on_resize(self) -> None:
        self._mark_focused_pane()

    def _mark_focused_pane(self) -> None:
        """The narrow layout gives the focused pane most of the height.

        Only there: a class change restyles every table under the grid, which
        costs a full repaint of all four panes on each focus change."""
        pane = self.focused_pane()
        if not self.has_class("-narrow") or pane is None:
            return
        grid = self.query_one("#panes")
        for n in range(1, 5):
            grid.set_class(pane.NUMBER == n, f"focus-{n}")

    # --- loading -----------------------------------------------------------

    def reload(self, reason: str = "") -> None:
        """Read the store again in a worker; the panes update when messages arrive."""
        if reason != "quiet":
            self._situation_stale = True  # until a model run started after now is shown
        self._load(reason, self.app.conflict, self.app.query_text)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self, reason: str, conflict: str | None, query: str | None) -> None:
        app = self.app
        store = open_store(app.db_path)
        try:
            now = app.clock()
            stories = load_stories(
                store, now, conflict=conflict, query=query, interval=app.poll_interval
            )
            self._stories_shown.clear()
            self.post_message(StoriesLoaded(stories))
            if get_current_worker().is_cancelled or self._situation_is_current(reason, now):
                return
            # The model run holds the GIL for long stretches on a big store: let the
            # UI thread draw the stories first so they appear without waiting for it.
            self._stories_shown.wait(STORIES_FIRST_S)
            situation = load_situation(store, now, conflict=conflict)
            if not get_current_worker().is_cancelled:  # a newer load (filter, poll) replaced this one
                self.post_message(SituationLoaded(situation, reason))
        finally:
            store.close()

    def _situation_is_current(self, reason: str, now: datetime) -> bool:
        """After a poll that brought nothing, the model's answer stands (for a while:
        truces reach their planned end and figures age even without news)."""
        shown = self.situation_data
        return (reason == "quiet" and not self._situation_stale and shown is not None
                and shown.conflict == self.app.conflict and now - shown.now < SITUATION_MAX_AGE)

    def on_stories_loaded(self, message: StoriesLoaded) -> None:
        self.stories_data = message.data
        self.app.feeds = message.data.feeds
        self.app.last_poll = message.data.last_poll
        self.refresh_status()
        self._paint_or_defer(self.paint_stories)
        self.call_after_refresh(self._stories_shown.set)

    def on_situation_loaded(self, message: SituationLoaded) -> None:
        self.situation_data = message.data
        self._situation_stale = False
        self.app.remember_conflicts(message.data.conflicts)
        self.announce_breaches(message.data, message.reason == "poll")
        self._paint_or_defer(self.paint_situation)

    def _paint_or_defer(self, paint: Any) -> None:
        """Skip painting while another screen covers this one; catch up on resume."""
        if self.is_current:
            paint()
        elif paint not in self._pending:
            self._pending.append(paint)

    def on_screen_resume(self) -> None:
        pending, self._pending = self._pending, []
        for paint in pending:
            paint()
        self.refresh_status()

    def repaint_clock(self) -> None:
        """Once a minute: durations ('in effect for 3h') move on even without new data."""
        if self.is_current:
            self.paint_stories()
            self.paint_situation()

    def announce_breaches(self, data: SituationData, announce: bool) -> None:
        """A notification for each violation of an active truce that just arrived.

        The first load with any data is the baseline: a backlog (the demo's first
        poll, a monitor started after a night off) is not news arriving."""
        breaches = {
            (v.get("conflict"), v.get("time"), v.get("location")): v
            for v in data.violations if v.get("during_truce")
        }
        new = [v for key, v in breaches.items() if key not in self._seen_breaches]
        self._seen_breaches.update(breaches)
        if not self._breach_baseline:
            self._breach_baseline = bool(data.truces or data.violations)
            return
        if not announce:
            return
        for violation in new[:3]:
            place = clean(violation.get("location") or "unknown place", 60)
            conflict = clean(violation.get("conflict") or "a conflict", 60)
            self.notify(
                f"{place} ({conflict}) — reported during an active truce",
                title=f"{BREACH}: new truce violation",
                severity="warning",
                timeout=15,
                markup=False,
            )
        if new:
            self.app.bell()

    # --- painting ----------------------------------------------------------

    def paint_stories(self) -> None:
        data = self.stories_data
        if data is None:
            return
        now = self.app.clock()
        pane = self.query_one(StoriesPane)
        day = now.date()
        rows = [
            (key, story, pane.cache.get((story, day), lambda s=story: story_cells(s, now)))
            for key, story in zip(unique_keys(str(s.id) for s in data.stories), data.stories)
        ]
        empty = "no match" if data.query else "waiting for the first poll…"
        pane.show(rows, empty)
        pane.border_title = "4 Stories" + (f" matching “{clean(data.query, 30)}”" if data.query else "")

    def paint_situation(self) -> None:
        data = self.situation_data
        if data is None:
            return
        now = self.app.clock()
        minute = now.replace(second=0, microsecond=0)
        self._paint_dicts(self.query_one(TrucesPane), data.truces, minute,
                          lambda t: truce_cells(t, now), ("conflict", "effective", "kind"))
        self._paint_dicts(self.query_one(ViolationsPane), data.violations, minute.date(),
                          lambda v: violation_cells(v, now), ("conflict", "time", "location"))
        self._paint_dicts(self.query_one(TallyPane), data.tally, minute.date(),
                          lambda t: tally_cells(t, data.trends.get(t.get("conflict"), ()), now),
                          ("conflict",))
        active = sum(1 for t in data.truces if t.get("active"))
        self.query_one(TrucesPane).border_subtitle = f"{active} active / {len(data.truces)}"

    def _paint_dicts(self, pane: Pane, items: tuple[dict, ...], stamp: Any, render: Any,
                     key_fields: tuple[str, ...]) -> None:
        keys = unique_keys("|".join(str(i.get(f)) for f in key_fields) for i in items)
        rows = []
        for key, item in zip(keys, items):
            extra = self.situation_data.trends.get(item.get("conflict")) if isinstance(pane, TallyPane) else None
            cache_key = (_fingerprint(item), extra, stamp)
            rows.append((key, item, pane.cache.get(cache_key, lambda i=item: render(i))))
        pane.show(rows, "none")

    def refresh_status(self) -> None:
        bars = self.query(StatusBar)
        if not bars:  # a poll can start (and tick) before this screen has composed
            return
        app = self.app
        bars.first().render_status(
            app.clock(), app.last_poll, app.feeds, app.polling, app.conflict, app.query_text, app.demo
        )

    # --- actions -----------------------------------------------------------

    def focused_pane(self) -> Pane | None:
        return self.focused if isinstance(self.focused, Pane) else None

    def action_focus_pane(self, number: int) -> None:
        for pane in self.query(Pane):
            if pane.NUMBER == number:
                pane.focus()

    def action_details(self) -> None:
        pane = self.focused_pane()
        item = pane.current if pane else None
        if item is None:
            self.notify("Nothing selected", severity="information")
            return
        kind = {TrucesPane: "truce", ViolationsPane: "violation", TallyPane: "tally"}.get(type(pane), "story")
        self.app.push_screen(DetailScreen(kind, item))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        # Enter on a DataTable selects the row; treat it as "open details".
        event.stop()
        self.action_details()

    def action_open_link(self) -> None:
        pane = self.focused_pane()
        item = pane.current if pane else None
        if isinstance(item, StoryRow):
            self._open_story_link(item.id)
        else:
            self.app.open_link(item_link(item) if item is not None else None)

    @work(thread=True, exclusive=True, group="link", exit_on_error=False)
    def _open_story_link(self, cluster_id: int) -> None:
        """A story's link is its first outlet's; read it from the store off the UI thread."""
        store = open_store(self.app.db_path)
        try:
            detail = store.cluster_detail(cluster_id)
        finally:
            store.close()
        links = [s.get("url") for s in (detail.sources if detail else []) if s.get("url")]
        self.app.call_from_thread(self.app.open_link, links[0] if links else None)

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = True
        box.value = self.app.query_text or ""
        box.focus()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.app.set_filters(query=event.value.strip() or None)
        self._close_search()

    def _close_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = False
        self.query_one(StoriesPane).focus()

    def action_clear_filters(self) -> None:
        box = self.query_one("#search", Input)
        if box.display:
            self._close_search()
        elif self.app.conflict or self.app.query_text:
            self.app.set_filters(conflict=None, query=None)
            self.notify("Filters cleared", timeout=3)


MAX_DETAIL_STORIES = 30  # a tally can cite hundreds of stories; their evidence is capped


class DetailScreen(ForwardsWorkerEvents, Screen):
    """Everything behind one row: its facts, each with the sentence it came from, and sources."""

    app: "SitmonApp"

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("o", "open_link", "Open link"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]

    def __init__(self, kind: str, item: Any) -> None:
        super().__init__()
        self.kind = kind
        self.item = item
        self.links: dict[str, str | None] = {}
        self.feed_titles: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield StatusBar(id="detail-title")
        with VerticalScroll(id="facts-box"):
            yield Static(id="facts")
        table = FittedTable(id="sources", cursor_type="row", zebra_stripes=True)
        table.border_title = "Sources (o opens the highlighted link)"
        yield table
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#detail-title", StatusBar).update(self.heading())
        table = self.query_one("#sources", DataTable)
        table.add_columns("Outlet", "Link", "Title as the outlet wrote it")
        self.query_one("#facts", Static).update(Text("Loading…", style="dim"))
        table.focus()
        self._load()

    def heading(self) -> Text:
        label = {"truce": "Truce", "violation": "Violation", "tally": "Casualty tally", "story": "Story"}[self.kind]
        if isinstance(self.item, StoryRow):
            title = self.item.title
        else:
            title = self.item.get("conflict") or "unknown conflict"
        return Text.assemble((f" {label} ", "bold reverse"), " ", plain(title, "bold", 200))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load(self) -> None:
        store = open_store(self.app.db_path)
        try:
            # Outlets are shown by feed title (a URL would also show the demo's random port).
            titles = {f.url: f.title for f in store.feeds(include_disabled=True) if f.title}
            if isinstance(self.item, StoryRow):
                details = [store.cluster_detail(self.item.id)]
            else:
                ids = dict.fromkeys(s.get("story") for s in self.item.get("sources") or [])
                details = [store.cluster_detail(i) for i in list(ids)[:MAX_DETAIL_STORIES] if i]
        finally:
            store.close()
        self.app.call_from_thread(self.paint, [d for d in details if d is not None], titles)

    def paint(self, details: list[Any], titles: dict[str, str]) -> None:
        if not self.is_attached:  # closed (Esc) before its details were read
            return
        self.feed_titles = titles
        self.query_one("#facts", Static).update(self.facts(details))
        if isinstance(self.item, StoryRow):
            sources = [s for d in details for s in d.sources]
        else:  # exactly the reports the model counted for this row
            sources = list(self.item.get("sources") or [])
        table = self.query_one("#sources", DataTable)
        for key, source in zip(unique_keys(str(s.get("url") or s.get("title")) for s in sources), sources):
            self.links[key] = source.get("url")
            table.add_row(
                plain(self.outlet(source.get("feed")), "bold", 40),
                plain(source.get("url") or "—", "underline", 200),
                plain(source.get("title") or "", "", 200),
                key=key,
            )

    def outlet(self, feed_url: str | None) -> str:
        return self.feed_titles.get(feed_url or "") or feed_url or "?"

    def facts(self, details: list[Any]) -> Table:
        """The summary of this row, then every matching fact with its evidence sentence."""
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        now = self.app.clock()
        for label, value in self.summary_lines(now):
            grid.add_row(Text(label), value)
        shown: set[tuple] = set()
        for detail in details:
            for event in detail.events:
                # Syndicated copies repeat a sentence word for word: show it once.
                seen_key = (event.get("type"), event.get("evidence"))
                if not self.relevant(event) or seen_key in shown:
                    continue
                shown.add(seen_key)
                grid.add_row(Text(""), Text(""))
                grid.add_row(Text(f"[{event.get('type')}]", style="yellow"), event_summary(event))
                grid.add_row(Text("evidence"), Text.assemble(
                    ("“", "dim"), plain(event.get("evidence"), "italic", 1000), ("”", "dim")))
                grid.add_row(Text("reported by"), Text.assemble(
                    plain(self.outlet(event.get("feed")), "dim", 60),
                    (f"  {when(event.get('published'), now)}", "dim"),
                    ("" if isinstance(self.item, StoryRow) else "  · ", "dim"),
                    plain("" if isinstance(self.item, StoryRow) else detail.title, "dim", 120)))
        return grid

    def relevant(self, data: dict) -> bool:
        """Which of a source story's facts belong on this detail screen."""
        if self.kind == "story":
            return True
        wanted = {"truce": "truce", "violation": "violation", "tally": "casualty"}[self.kind]
        return data.get("type") == wanted and data.get("conflict") in (None, self.item.get("conflict"))

    def summary_lines(self, now: datetime) -> list[tuple[str, Text]]:
        item = self.item
        if isinstance(item, StoryRow):
            return [
                ("published", Text(f"{when(item.published, now)} ({ago(item.published, now)} ago)")),
                ("sources", Text(str(item.sources))),
                ("events", Text(" ".join(f"[{t}]" for t in item.tags) or "none")),
                ("conflict", plain(item.conflict or "—")),
            ]
        if self.kind == "truce":
            since = parse_time(item.get("since") or item.get("effective"))
            ends = parse_time(item.get("ends"))
            return [
                ("status", Text(str(item.get("status") or "").replace("_", " ")
                                + (" (active)" if item.get("active") else " (not active)"))),
                ("parties", plain(names(item.get("parties")))),
                ("mediators", plain(names(item.get("mediators")))),
                ("kind", plain(item.get("kind") or "—")),
                ("in effect since", Text(f"{when(since, now)} ({ago(since, now)})" if since else "—")),
                ("planned end", Text(when(ends, now) if ends else "—")),
                ("violations", Text(str(item.get("violations") or 0))),
                ("history", Text(" → ".join(
                    f"{str(h.get('status', '')).replace('_', ' ')} {when(h.get('time'), now)}"
                    for h in item.get("history") or []) or "—")),
            ]
        if self.kind == "violation":
            return [
                ("time", Text(when(item.get("time"), now))),
                ("place", plain(item.get("location") or "—")),
                ("actor", plain(item.get("actor") or "—")),
                ("claimed by", plain(item.get("claimed_by") or "—")),
                ("killed / wounded", Text(f"{item.get('killed') or '—'} / {item.get('wounded') or '—'}")),
                ("truce", Text(BREACH + " of an active truce", style="bold red")
                 if item.get("during_truce") else Text("no active truce")),
            ]
        by_side = item.get("by_side") or {}
        return [
            ("killed", Text(number(item.get("killed"), item.get("killed_high")), style="bold red")),
            ("wounded", Text(number(item.get("wounded"), item.get("wounded_high")))),
            ("as of", Text(when(item.get("as_of"), now))),
            ("by side", plain(", ".join(f"{k}: {_side(v)}" for k, v in by_side.items()) or "—")),
        ]

    def action_open_link(self) -> None:
        table = self.query_one("#sources", DataTable)
        if not table.row_count:
            self.app.open_link(item_link(self.item))
            return
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        self.app.open_link(self.links.get(key))

    @on(DataTable.RowSelected, "#sources")
    def _source_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_link()

    def action_move(self, step: int) -> None:
        table = self.query_one("#sources", DataTable)
        table.move_cursor(row=table.cursor_row + step)


def _side(value: Any) -> str:
    if isinstance(value, dict):
        return number(value.get("killed"), value.get("killed_high"))
    return str(value)


def event_summary(data: dict) -> Text:
    """One line naming an extracted fact's fields (all feed text sanitised)."""
    kind = data.get("type")
    if kind == "truce":
        parts = [str(data.get("status") or "").replace("_", " "), data.get("kind"),
                 "parties: " + names(data.get("parties")), "mediators: " + names(data.get("mediators")),
                 f"effective {data['effective']}" if data.get("effective") else None]
    elif kind == "violation":
        parts = [data.get("weapon"), f"at {data['location']}" if data.get("location") else None,
                 f"by {data['actor']}" if data.get("actor") else None,
                 f"per {data['claimed_by']}" if data.get("claimed_by") else None,
                 "breach accusation" if data.get("breach") else None]
    else:
        parts = [f"killed {number(data.get('killed'), data.get('killed_high'), False)}",
                 f"wounded {number(data.get('wounded'), data.get('wounded_high'), False)}",
                 data.get("victims"), data.get("side"), data.get("scope"),
                 "historical (not tallied)" if data.get("historical") else None]
    text = " · ".join(clean(p, 80) for p in parts if p)
    conflict = clean(data.get("conflict") or "no conflict", 60)
    return Text.assemble((conflict, "bold"), " — ", text)


class FeedHealthScreen(Screen):
    """Every feed: status, last fetch, HTTP status, error in words, items, next poll."""

    app: "SitmonApp"

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("o", "open_link", "Open feed URL"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._shown: list = []  # the rows on screen, to skip repainting identical ones

    def compose(self) -> ComposeResult:
        yield StatusBar(id="feeds-title")
        table = FittedTable(id="feeds", cursor_type="row", zebra_stripes=True)
        table.border_title = "Feed health"
        yield table
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#feeds", DataTable)
        table.add_columns("Status", "Feed", "Last fetch", "HTTP", "Error", "Items", "Next poll")
        table.focus()
        self.paint()
        self.set_interval(5, self.paint)

    def paint(self) -> None:
        feeds = self.app.feeds
        now = self.app.clock()
        ok = sum(1 for f in feeds if f.status == "ok")
        self.query_one("#feeds-title", StatusBar).update(Text.assemble(
            (" Feed health ", "bold reverse"), f"  {ok}/{len(feeds)} ok · last poll ",
            (when(self.app.last_poll, now) if self.app.last_poll else "never", "bold")))
        rows = [(key, feed_cells(feed, now)) for key, feed in zip(unique_keys(f.url for f in feeds), feeds)]
        if rows == self._shown:  # every 5 s; most of the time nothing has changed
            return
        self._shown = rows
        table = self.query_one("#feeds", DataTable)
        row = table.cursor_row
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)

    def action_open_link(self) -> None:
        table = self.query_one("#feeds", DataTable)
        if table.row_count:
            self.app.open_link(self.app.feeds[table.cursor_row].url)

    def action_move(self, step: int) -> None:
        table = self.query_one("#feeds", DataTable)
        table.move_cursor(row=table.cursor_row + step)


HELP_KEYS = [
    ("Tab / Shift+Tab", "next / previous pane"),
    ("1 2 3 4", "truces, violations, tally, stories"),
    ("↑ ↓  j k", "move in a pane"),
    ("Enter", "details: sources, links, facts with evidence"),
    ("o", "open the link in a browser (http/https only)"),
    ("/", "search stored stories (Esc cancels)"),
    ("c", "pick a conflict (filters every pane)"),
    ("Esc", "back / clear filters"),
    ("r", "poll all feeds now"),
    ("f", "feed health"),
    ("Ctrl+P", "command palette (also: change theme)"),
    ("?", "this help"),
    ("q", "quit"),
]


HELP_SIGNS = [
    (BREACH, "reported while a truce covering that conflict was in effect"),
    ("≥600", "at least 600 (the conservative figure); 40–55 when outlets disagree"),
    ("Deaths 7d", "killed per day in reported incidents, oldest day first"),
    ("K/W", "killed / wounded in that incident; — when not reported"),
    ("Src", "how many outlets reported it"),
]


class HelpScreen(ModalScreen):
    """The keys, in one box."""

    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", no_wrap=True)
        grid.add_column()
        for key, what in HELP_KEYS:
            grid.add_row(key, what)
        grid.add_row("", "")
        for sign, what in HELP_SIGNS:
            grid.add_row(Text(sign, style="bold yellow"), what)
        with VerticalScroll(id="help-box") as box:
            box.border_title = "sitmon keys"
            box.border_subtitle = "↑↓ scroll · Esc closes"
            yield Static(grid)


class ConflictPicker(ModalScreen[str | None]):
    """Choose one conflict (or all); every pane then shows only that conflict."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]
    ALL = "\x00all"  # an option id no conflict name can have (names are sanitised)

    def __init__(self, conflicts: list[str], current: str | None) -> None:
        super().__init__()
        self.conflicts = conflicts
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text("All conflicts", style="bold"), id=self.ALL)]
        options += [Option(plain(c, "", 80), id=f"c:{c}") for c in self.conflicts]
        with Vertical(id="picker-box") as box:
            box.border_title = "Pick a conflict"
            box.border_subtitle = "Enter picks · Esc cancels"
            yield OptionList(*options, id="conflicts")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.conflicts:
            options.highlighted = self.conflicts.index(self.current) + 1
        else:
            options.highlighted = 0

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or self.ALL
        self.dismiss(None if option_id == self.ALL else option_id[2:])

    def action_dismiss_none(self) -> None:
        self.dismiss(self.current)
