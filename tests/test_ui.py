"""The Textual app driven by a Pilot, on real databases filled through the real poll path.

Data comes from the demo feeds (served on loopback, polled with ``poll_once``)
or from a ``FeedServer`` in the test; the clock is fixed so what is on screen
does not depend on when the test runs.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import rss_document
from feedserver import FeedServer
from rich.console import Console
from rich.text import Text

from sitmon.config import load_config
from sitmon.demo import DemoSession, start_demo
from sitmon.poll import poll_once
from sitmon.store import Store
from sitmon.ui.app import SitmonApp, create_app, link_refusal
from sitmon.ui.sanitize import clean
from sitmon.ui.screens import ConflictPicker, DetailScreen, FeedHealthScreen, HelpScreen, MainScreen
from sitmon.ui.widgets import BREACH, RowCache, StoriesPane, TallyPane, TrucesPane, ViolationsPane

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)  # the demo's "now" when it starts
POLLED = START + timedelta(minutes=5)
NOW = START + timedelta(minutes=10)  # the app's fixed clock


class ManualClock:
    """A monotonic clock the test moves by hand (drives the demo's reveals)."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def poll(db_path: Path, config, now: datetime = POLLED, **kw) -> None:
    store = Store(db_path)
    try:
        poll_once(store, config, now=now, **kw)
    finally:
        store.close()


def start_polled_demo(directory: Path, clock: ManualClock) -> DemoSession:
    """The demo polled once at POLLED, one feed at a time in a fixed order.

    (A concurrent poll stores feeds in the order they answer, and which outlet's
    title names a cluster depends on that order; snapshots need one answer.)"""
    session = start_demo(interval=3600, start=START, clock=clock, directory=directory)
    for url, _ in sorted(session.config.feeds):
        poll(session.db_path, session.config, feeds=[url])
    return session


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSession]:
    """The demo after a few minutes (every item revealed), polled once; read-only for tests."""
    session = start_polled_demo(tmp_path_factory.mktemp("demo"), ManualClock(10_000))
    yield session
    session.stop()


def make_app(session_or_config, db_path: Path | None = None, **kw) -> SitmonApp:
    if isinstance(session_or_config, DemoSession):
        config, db_path = session_or_config.config, session_or_config.db_path
    else:
        config = session_or_config
    kw.setdefault("clock", lambda: NOW)
    kw.setdefault("autopoll", False)
    return create_app(config, db_path, **kw)


async def wait_for(pilot, ready: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.02)
    await pilot.pause()


async def loaded(pilot) -> MainScreen:
    app = pilot.app
    await wait_for(pilot, lambda: app.main.situation_data is not None and app.main.stories_data is not None)
    return app.main


def screen_text(app) -> str:
    """What the terminal shows, as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def pane_texts(pane) -> list[str]:
    return [" ".join(cell.plain for cell in pane.get_row_at(i)) for i in range(pane.row_count)]


# --- what the panes show ----------------------------------------------------------


async def test_demo_fills_every_pane(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        main = await loaded(pilot)
        truces = main.query_one(TrucesPane)
        violations = main.query_one(ViolationsPane)
        tally = main.query_one(TallyPane)
        stories = main.query_one(StoriesPane)
        assert truces.row_count and violations.row_count and tally.row_count and stories.row_count
        assert any("Armenia-Azerbaijan" in row for row in pane_texts(truces))
        assert any(BREACH in row for row in pane_texts(violations)), pane_texts(violations)
        # Four outlets report the Ganja strike: folded into fewer stories, one violation,
        # and the tally is the war-to-date figure (not 600 + 14 per outlet, not 20,000).
        ganja = [s for s in stories.items.values() if "Ganja" in s.title]
        assert sum(s.sources for s in ganja) == 4 and len(ganja) < 4
        strike = [v for v in violations.items.values() if v.get("location") == "Ganja"]
        assert len(strike) == 1 and len(strike[0]["sources"]) == 4
        assert any(row.startswith("Armenia-Azerbaijan ≥600 ") for row in pane_texts(tally))
        text = screen_text(app)
        assert "feeds 5/6 ok" in text  # the demo's offline feed is counted as failing
        assert "09:10 UTC" in text  # the fixed clock


async def test_narrow_terminal_still_shows_all_four_panes(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        text = screen_text(app)
        for title in ("1 Active truces", "2 Recent violations", "3 Casualty tally", "4 Stories"):
            assert title in text
        focused_height = app.main.query_one(StoriesPane).size.height
        assert focused_height > app.main.query_one(TrucesPane).size.height


# --- keys ---------------------------------------------------------------------------


async def test_number_keys_and_tab_move_between_panes(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        for key, pane in (("1", TrucesPane), ("2", ViolationsPane), ("3", TallyPane), ("4", StoriesPane)):
            await pilot.press(key)
            assert isinstance(app.focused, pane)
        await pilot.press("1", "tab")
        assert isinstance(app.focused, ViolationsPane)
        await pilot.press("shift+tab", "shift+tab")
        assert isinstance(app.focused, StoriesPane)


async def test_j_k_and_arrows_move_the_cursor(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("4")
        stories = app.main.query_one(StoriesPane)
        assert stories.cursor_row == 0
        await pilot.press("j", "j", "down")
        assert stories.cursor_row == 3
        await pilot.press("k", "up")
        assert stories.cursor_row == 1


async def test_refresh_keeps_the_cursor_on_the_same_story(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        main = await loaded(pilot)
        await pilot.press("4", "j", "j", "j")
        stories = main.query_one(StoriesPane)
        before = stories.current
        main.stories_data = None
        main.reload("poll")
        await wait_for(pilot, lambda: main.stories_data is not None)
        assert stories.current == before and stories.cursor_row == 3


async def test_enter_opens_story_detail_with_sources_and_evidence(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        main = await loaded(pilot)
        stories = main.query_one(StoriesPane)
        await pilot.press("4")
        rows = list(stories.items.values())
        ganja = max((i for i, s in enumerate(rows) if "Ganja" in s.title), key=lambda i: rows[i].sources)
        stories.move_cursor(row=ganja)
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        await wait_for(pilot, lambda: len(app.screen.links) == rows[ganja].sources >= 2)
        text = screen_text(app)
        assert "evidence" in text and "Ganja" in text
        assert all(link.startswith("https://") for link in app.screen.links.values())
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_enter_on_a_violation_shows_its_sources(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("2", "enter")
        assert isinstance(app.screen, DetailScreen) and app.screen.kind == "violation"
        await wait_for(pilot, lambda: bool(app.screen.links))
        assert "Sources" in screen_text(app)


async def test_f_shows_feed_health_with_errors_in_words(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("f")
        assert isinstance(app.screen, FeedHealthScreen)
        text = screen_text(app)
        assert "503" in text and "failing" in text
        assert "Meridian Wire" in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_question_mark_shows_help_listing_every_key(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for key in ("Tab", "1 2 3 4", "Enter", "/", "Ctrl+P", "q"):
            assert key in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_c_filters_every_pane_to_one_conflict(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        main = await loaded(pilot)
        assert len(app.known_conflicts) >= 2
        await pilot.press("c")
        assert isinstance(app.screen, ConflictPicker)
        target = "Armenia-Azerbaijan"
        index = app.screen.conflicts.index(target) + 1
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        assert app.conflict == target
        await wait_for(pilot, lambda: main.situation_data.conflict == target)
        for pane in (main.query_one(TrucesPane), main.query_one(ViolationsPane), main.query_one(TallyPane)):
            assert all(item.get("conflict") == target for item in pane.items.values())
        assert "conflict: Armenia-Azerbaijan" in screen_text(app)
        await pilot.press("escape")  # clears the filter
        await wait_for(pilot, lambda: main.situation_data.conflict is None)


async def test_slash_searches_stored_stories(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        main = await loaded(pilot)
        total = main.query_one(StoriesPane).row_count
        await pilot.press("slash")
        await pilot.press(*"Odesa", "enter")
        await wait_for(pilot, lambda: main.stories_data.query == "Odesa")
        titles = [s.title for s in main.query_one(StoriesPane).items.values()]
        assert titles and all("Odesa" in t for t in titles) and len(titles) < total
        assert isinstance(app.focused, StoriesPane)


async def test_q_quits(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_command_palette_offers_the_app_commands(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Poll now", "Feed health", "Pick conflict", "Search stories", "Keys"):
            assert title in titles
        await pilot.press("ctrl+p")
        await pilot.press(*"Feed health")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FeedHealthScreen))


# --- polling --------------------------------------------------------------------------


async def test_r_polls_now_and_new_stories_appear(tmp_path: Path) -> None:
    with FeedServer() as server:
        url = server.add("/world", rss_document([{
            "title": "Shelling reported near Kharkiv overnight", "link": "https://news.example/kharkiv",
            "guid": "k1", "published": NOW - timedelta(hours=1)}]))
        config, db_path = _config_with(tmp_path, [url])
        app = make_app(config, db_path)
        async with app.run_test(size=(120, 36)) as pilot:
            main = await loaded(pilot)
            assert main.query_one(StoriesPane).row_count == 0
            await pilot.press("r")
            await wait_for(pilot, lambda: main.query_one(StoriesPane).row_count == 1)
            assert server.hits("/world") == 1
            assert "Kharkiv" in screen_text(app)


async def test_a_hanging_feed_never_blocks_input(tmp_path: Path) -> None:
    with FeedServer() as server:
        dead = server.add("/dead", hang=True)
        config, db_path = _config_with(tmp_path, [dead])
        app = make_app(config, db_path, autopoll=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await loaded(pilot)
            await wait_for(pilot, lambda: server.hits("/dead") == 1)
            assert app.polling
            started = time.monotonic()
            await pilot.press("1")
            assert isinstance(app.focused, TrucesPane)
            await pilot.press("f")
            assert isinstance(app.screen, FeedHealthScreen)
            await pilot.press("escape", "r")  # a second poll is refused while one runs
            # The feed hangs for its 30 s timeout: input blocked behind it would take
            # that long. 10 s leaves room for a loaded CI machine.
            assert time.monotonic() - started < 10
            assert app.polling and server.hits("/dead") == 1
            await pilot.press("q")
            await pilot.pause()
            assert not app.is_running


async def test_a_new_violation_of_an_active_truce_is_announced(tmp_path: Path) -> None:
    clock = ManualClock(0)  # nothing revealed yet
    session = start_polled_demo(tmp_path / "demo", clock)
    try:
        app = make_app(session)
        async with app.run_test(size=(120, 36)) as pilot:
            await loaded(pilot)
            assert not _breach_notes(app)
            clock.t = 50  # the Hadrut breach accusation is published
            await pilot.press("r")
            await wait_for(pilot, lambda: bool(_breach_notes(app)), timeout=15)
    finally:
        session.stop()


def _breach_notes(app: SitmonApp) -> list:
    return [n for n in app._notifications if "truce violation" in (n.title or "")]


def _config_with(tmp_path: Path, urls: list[str]):
    path = tmp_path / "config.toml"
    feeds = "".join(f'[[feeds]]\nurl = "{u}"\n' for u in urls)
    path.write_text(f"default_feeds = false\ntimeout = 30\nconnect_timeout = 2\n{feeds}", "utf-8")
    config = load_config(path)
    db_path = tmp_path / "sitmon.db"
    store = Store(db_path)
    store.seed_feeds(config.feeds)
    store.close()
    return config, db_path


# --- hostile text and links ---------------------------------------------------------

HOSTILE = [
    "[bold red]x[/] Markup in a title",
    "A lone [/ closing tag",
    "OSC \x1b]0;pwned\x07 title change and \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "CSI \x1b[2J\x1b[31mred\x1b[0m clear screen",
    "Bidi \u202egnp.exe\u202c override and \u2066isolate\u2069",
    "NUL \x00 byte and \x07 bell",
    "Huge " + "x" * 100_000,
]


def test_clean_removes_controls_escapes_and_bidi() -> None:
    for title in HOSTILE:
        cleaned = clean(title)
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in cleaned), repr(cleaned)
        assert not any(c in cleaned for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
        assert len(cleaned) <= 400
    assert clean("[bold red]x[/]") == "[bold red]x[/]"
    assert clean("CSI \x1b[2J\x1b[31mred\x1b[0m") == "CSI red"
    assert clean("OSC \x1b]0;pwned\x07 after") == "OSC after"


async def test_hostile_feed_text_renders_literally(tmp_path: Path) -> None:
    with FeedServer() as server:
        items = [{"title": t, "summary": t, "link": f"https://news.example/{i}", "guid": f"h{i}",
                  "published": NOW - timedelta(minutes=i + 1)} for i, t in enumerate(HOSTILE)]
        # XML 1.0 cannot carry every control character; send what a broken feed would send.
        body = rss_document(items).replace(b"&#0;", b"")
        url = server.add("/hostile", body)
        config, db_path = _config_with(tmp_path, [url])
        poll(db_path, config, now=NOW)
        app = make_app(config, db_path)
        async with app.run_test(size=(160, 40)) as pilot:
            main = await loaded(pilot)
            stories = main.query_one(StoriesPane)
            assert stories.row_count >= 5
            text = screen_text(app)
            assert "[bold red]x[/] Markup in a title" in text
            assert "A lone [/ closing tag" in text
            assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text
            for row in (0, 2, 3):  # the detail screen renders them literally too
                stories.move_cursor(row=row)
                await pilot.press("enter")
                await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and bool(app.screen.links))
                shown = screen_text(app)
                assert "\x1b" not in shown and "\u202e" not in shown
                await pilot.press("escape")
            assert app.is_running


async def test_o_opens_only_http_links(demo: DemoSession) -> None:
    opened: list[str] = []
    app = make_app(demo, opener=opened.append)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("4", "o")  # the story's link is its first outlet's
        await wait_for(pilot, lambda: bool(opened))
        assert opened[0].startswith("https://") and len(opened) == 1
        for bad in ("javascript:alert(1)", "file:///etc/passwd", "ftp://example.org/x", "", None,
                    "https://example.org/\x1b]0;x\x07"):
            app.open_link(bad)
        assert len(opened) == 1
        await pilot.pause()
        refusals = [n for n in app._notifications if n.message.startswith("Not opening")]
        assert len(refusals) == 6
        assert "javascript" in refusals[0].message


def test_link_refusal_explains_why() -> None:
    assert link_refusal("https://example.org/a") is None
    assert link_refusal("http://example.org/a") is None
    assert "only http and https" in link_refusal("javascript:alert(1)")
    assert "no link" in link_refusal(None)


# --- every column the contract lists ---------------------------------------------------


def headers(pane) -> list[str]:
    return [column.label.plain for column in pane.columns.values()]


def row_with(pane, text: str) -> list[str]:
    return next(cells for cells in ([c.plain for c in pane.get_row_at(i)] for i in range(pane.row_count))
                if any(text in c for c in cells))


async def test_header_shows_clock_last_poll_and_feed_health(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        header = screen_text(app).splitlines()[0]
        assert "Fri 20 Nov 09:10 UTC" in header
        assert "last poll 09:05 (5m ago)" in header
        assert "feeds 5/6 ok" in header


async def test_truce_pane_columns(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(200, 50)) as pilot:
        await loaded(pilot)
        truces = app.main.query_one(TrucesPane)
        assert headers(truces) == ["Conflict", "Status", "In effect since", "Viol", "Kind", "Mediators", "Parties"]
        row = row_with(truces, "humanitarian")
        assert row[0] == "Armenia-Azerbaijan"
        assert row[2] == "19 Nov 20:00 · 13h"  # since midnight local (UTC+4), and for how long
        assert int(row[3]) >= 2  # Ganja and Stepanakert were reported after it began
        assert row[5] == "France, Russia, United States" and row[6] == "Armenia, Azerbaijan"
        assert "2 active / 4" in screen_text(app)


async def test_violation_pane_columns(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(200, 50)) as pilot:
        await loaded(pilot)
        violations = app.main.query_one(ViolationsPane)
        assert headers(violations) == ["When", "Conflict", "Place", "Truce", "K/W", "Actor (per source)", "Src"]
        assert row_with(violations, "Ganja") == [
            "04:00", "Armenia-Azerbaijan", "Ganja", BREACH, "14/—", "Armenia per Azerbaijan", "4"]
        odesa = row_with(violations, "Odesa")
        assert odesa[3] == "" and odesa[4] == "2/8"  # no truce covered Odesa: no breach mark


async def test_tally_pane_columns_and_trend(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(200, 50)) as pilot:
        await loaded(pilot)
        tally = app.main.query_one(TallyPane)
        assert headers(tally) == ["Conflict", "Killed", "Deaths 7d", "Wounded", "As of", "Src"]
        conflict, killed, trend, wounded, as_of, sources = row_with(tally, "Russia-Ukraine")
        assert killed == "≥12,100" and wounded == "≥29" and as_of == "07:30" and int(sources) >= 2
        # Killed per day in reported incidents, oldest first: Kharkiv's seven (five days
        # ago) is the week's highest bar, Odesa's two (today) a low one.
        assert trend == "▁█▁▁▁▁▃", trend


def test_daily_killed_counts_each_incident_once_per_day() -> None:
    from sitmon.ui.snapshot import daily_killed

    violations = [{"conflict": "X", "time": (NOW - timedelta(days=d)).isoformat(), "killed": k}
                  for d, k in ((0, 2), (0, 3), (2, 10), (9, 50))] + [{"conflict": "X", "time": None, "killed": 9}]
    assert daily_killed(violations, NOW) == {"X": (0, 0, 0, 0, 10, 0, 5)}


def test_tally_shows_conflicting_figures_as_a_range() -> None:
    from sitmon.ui.widgets import tally_cells

    cells = tally_cells({"conflict": "X", "killed": 40, "killed_high": 55, "wounded": None,
                         "as_of": NOW.isoformat(), "sources": [{}, {}]}, (1, 2, 2), NOW)
    assert [c.plain for c in cells] == ["X", "40–55", "▅██", "—", "09:10", "2"]


async def test_stories_pane_shows_source_counts_and_event_tags(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        stories = app.main.query_one(StoriesPane)
        assert headers(stories) == ["Age", "Src", "Events", "Title"]
        age, sources, tags, title = row_with(stories, "Drone attack on Odesa")
        assert (age, sources, tags) == ("8h", "3", "[violation][casualty]")
        published = [s.published for s in stories.items.values()]
        assert published == sorted(published, reverse=True)  # newest first


async def test_story_detail_lists_every_source_and_every_fact_with_its_evidence(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        main = await loaded(pilot)
        stories = main.query_one(StoriesPane)
        row = next(i for i, s in enumerate(stories.items.values()) if s.title.startswith("Drone attack on Odesa"))
        story = list(stories.items.values())[row]
        stories.move_cursor(row=row)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.screen.links) == story.sources)
        sources = app.screen.query_one("#sources")
        assert sources.row_count == 3
        assert all(link.startswith("https://") for link in app.screen.links.values())
        store = Store(demo.db_path)
        try:
            detail = store.cluster_detail(story.id)
        finally:
            store.close()
        console = Console(width=500, file=io.StringIO(), record=True)
        console.print(app.screen.query_one("#facts").content)
        facts = console.export_text()
        assert detail.events
        for event in detail.events:
            assert clean(event["evidence"], 1000) in facts
        assert "evidence" in facts and "reported by" in facts


async def test_feed_health_lists_every_column(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        await pilot.press("f")
        table = app.screen.query_one("#feeds")
        assert headers(table) == ["Status", "Feed", "Last fetch", "HTTP", "Error", "Items", "Next poll"]
        assert row_with(table, "Meridian Wire") == ["ok", "Meridian Wire", "5m ago", "200", "", "8", "in 55m"]
        status, _, last, http, error, items, next_poll = row_with(table, "offline")
        assert (status, last, http, items) == ("failing", "5m ago", "503", "—")
        assert "503" in error and "Unavailable" in error and next_poll.startswith("in ")


# --- focus, layout, colour -----------------------------------------------------------


async def test_focus_is_visible_in_the_border_shape(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        text = screen_text(app)
        assert "┏━ 4 Stories" in text and "╭─ 1 Active truces" in text
        await pilot.press("1")
        text = screen_text(app)
        assert "┏━ 1 Active truces" in text and "╭─ 4 Stories" in text


async def test_refresh_keeps_the_scroll_position(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await loaded(pilot)
        await pilot.press("4", *["j"] * 20)
        stories = main.query_one(StoriesPane)
        assert stories.scroll_y > 0
        before = (stories.cursor_row, stories.scroll_y, stories.current)
        main.stories_data = None
        main.reload("poll")
        await wait_for(pilot, lambda: main.stories_data is not None)
        assert (stories.cursor_row, stories.scroll_y, stories.current) == before


async def test_80x24_footer_shows_every_main_key(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        footer = screen_text(app).splitlines()[-1]
        for key in ("⏎ Details", "o Link", "/ Search", "c Conflict", "r Poll", "f Feeds", "? Help", "q Quit"):
            assert key in footer, footer


def _colours(app) -> set[tuple[int, int, int]]:
    console = Console(width=app.size.width, file=io.StringIO(), force_terminal=True, color_system="truecolor")
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    found = set()
    for segment in console.render(update):
        style = segment.style
        for colour in (style.color, style.bgcolor) if style else ():
            if colour is not None and colour.triplet is not None:
                found.add(tuple(colour.triplet))
    return found


async def test_no_color_renders_in_greys_only(demo: DemoSession, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        colours = _colours(app)
        assert colours and all(r == g == b for r, g, b in colours)
        assert BREACH in screen_text(app)  # the breach mark is words, not just red


async def test_themes_change_the_colours(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        dark = _colours(app)
        assert any("theme" in c.title.lower() for c in app.get_system_commands(app.screen))
        app.theme = "textual-light"
        await pilot.pause()
        assert _colours(app) != dark
        assert "Armenia-Azerbaijan" in screen_text(app)


# --- polling cadence and failures -------------------------------------------------------


async def test_polls_repeat_on_a_timer_and_never_overlap(tmp_path: Path) -> None:
    with FeedServer() as server:
        url = server.add("/slow", rss_document([{"title": "Talks continue", "guid": "t1",
                                                "published": NOW - timedelta(hours=1)}]), delay=0.4)
        config, db_path = _config_with(tmp_path, [url])
        app = make_app(config, db_path, autopoll=True, interval=0.05)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.polls_done >= 3, timeout=15)
            assert server.peak_in_flight == 1  # each poll waited for the one before
            assert server.hits("/slow") >= 3


async def test_worker_failures_become_a_visible_message(tmp_path: Path) -> None:
    config, db_path = _config_with(tmp_path, [])
    db_path.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    app = make_app(config, db_path, autopoll=True)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_for(pilot, lambda: len([n for n in app._notifications if "failed" in (n.title or "")]) >= 2)
        titles = {n.title for n in app._notifications}
        assert {"Poll failed", "Loading the store failed"} <= titles
        await wait_for(pilot, lambda: "Poll failed" in screen_text(app))  # on screen, not only in a list
        await pilot.press("f")  # and the app still answers keys
        assert isinstance(app.screen, FeedHealthScreen)


async def test_closing_a_detail_screen_before_it_loads_is_harmless(demo: DemoSession) -> None:
    app = make_app(demo)
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot)
        for _ in range(5):
            await pilot.press("4", "enter", "escape", "2", "enter", "escape")
        await pilot.pause(0.5)
        assert isinstance(app.screen, MainScreen) and app.is_running


async def test_a_poll_with_nothing_new_does_not_rerun_the_model(tmp_path: Path) -> None:
    items = [{"title": "Shelling kills three in Kharkiv", "link": "https://news.example/k1", "guid": "k1",
              "summary": "Russian shelling killed three people in Kharkiv, officials said.",
              "published": NOW - timedelta(hours=2)}]
    with FeedServer() as server:
        url = server.add("/world", rss_document(items), etag='"v1"')
        config, db_path = _config_with(tmp_path, [url])
        app = make_app(config, db_path)
        async with app.run_test(size=(120, 36)) as pilot:
            main = await loaded(pilot)
            await pilot.press("r")
            await wait_for(pilot, lambda: main.query_one(ViolationsPane).row_count == 1 and not app.polling)
            first = main.situation_data
            stories_before = main.stories_data
            await pilot.press("r")  # answered 304: stories and feed health reload, the model does not
            await wait_for(pilot, lambda: app.polls_done == 2 and main.stories_data is not stories_before)
            await pilot.pause(0.3)
            assert main.situation_data is first
            items.append({"title": "Drone strike on Odesa kills two", "link": "https://news.example/o1",
                          "guid": "o1", "summary": "A Russian drone strike killed two people in Odesa.",
                          "published": NOW - timedelta(hours=1)})
            server.add("/world", rss_document(items), etag='"v2"')
            await pilot.press("r")
            await wait_for(pilot, lambda: main.query_one(ViolationsPane).row_count == 2)
            assert main.situation_data is not first


def test_a_pane_keeps_rendered_rows_for_what_it_shows_not_for_all_it_ever_showed():
    """A monitor open for days renders new rows every poll: the cache of rendered rows
    follows the rows on screen (and a few more) instead of keeping hundreds of stale ones."""
    cache, renders = RowCache(), []

    def render(key):
        renders.append(key)
        return (Text(key),)

    for poll in range(40):  # each poll shows 5 rows, one of them new
        shown = [f"row {i}" for i in range(poll, poll + 5)]
        for key in shown:
            cache.get(key, lambda k=key: render(k))
        cache.fit(len(shown))
    assert len(cache) == 5 + RowCache.SPARE
    assert len(renders) == 44  # every row rendered once: the shown ones were never dropped
    for key in shown:  # the rows on screen are still there
        cache.get(key, lambda k=key: render(k))
    assert len(renders) == 44
