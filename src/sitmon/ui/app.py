"""The sitmon Textual app: polling in the background, panes fed by loader workers.

Polling never overlaps itself: one poll runs at a time and the next is armed
only when it finishes. The blocking poll runs on a daemon thread awaited by an
async worker, so a feed that hangs can neither freeze input nor stop `q` from
quitting. Every worker failure arrives in ``on_worker_state_changed`` and becomes
a notification, never a crash.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from sitmon.heap import limit_heap_arenas, release_free_memory
from sitmon.ui.sanitize import clean
from sitmon.ui.screens import (
    ConflictPicker,
    FeedHealthScreen,
    HelpScreen,
    MainScreen,
    open_store,
)
from sitmon.ui.snapshot import FeedRow

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def link_refusal(url: str | None) -> str | None:
    """Why a link must not be opened (None when it is a plain http/https URL)."""
    if not url:
        return "this row has no link"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the link is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return f"only http and https links are opened, not “{clean(parts.scheme, 20) or 'no scheme'}:”"
    if not parts.netloc or clean(url, None) != url:
        return "the link has no host or contains control characters"
    return None


class SitmonApp(App):
    """The monitor. Build it with ``create_app``; run it with ``run_app``."""

    CSS_PATH = "sitmon.tcss"
    TITLE = "sitmon"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-medium"), (160, "-wide")]

    BINDINGS = [
        Binding("c", "pick_conflict", "Conflict"),
        Binding("r", "poll", "Poll"),
        Binding("f", "feeds", "Feeds"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        config: Any,
        db_path: Path,
        *,
        demo: bool = False,
        interval: float | None = None,
        clock: Clock | None = None,
        autopoll: bool = True,
        opener: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.db_path = Path(db_path)
        self.demo = demo
        self.clock: Clock = clock or utc_now
        self.poll_interval = float(interval or getattr(config, "poll_interval", 600) or 600)
        self.autopoll = autopoll
        self.opener = opener
        self.polling = False
        self.polls_done = 0
        self.conflict: str | None = None
        self.query_text: str | None = None
        self.feeds: tuple[FeedRow, ...] = ()
        self.last_poll: datetime | None = None
        self.known_conflicts: set[str] = set()
        self._poll_timer: Any = None
        self._poll_thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(MainScreen())
        self.set_interval(1, self._tick)
        self.set_interval(60, self._minute)
        if self.autopoll:
            self.call_after_refresh(self.start_poll)

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    @property
    def main_if_shown(self) -> MainScreen | None:
        """The main screen, or None while starting up or shutting down (timers and
        workers can fire then, and must not crash the app)."""
        return next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)

    def _tick(self) -> None:
        top = self.screen_stack[-1] if self.screen_stack else None
        if isinstance(top, MainScreen):
            top.refresh_status()

    def _minute(self) -> None:
        if self.main_if_shown:
            self.main_if_shown.repaint_clock()

    # --- polling -------------------------------------------------------------

    def action_poll(self) -> None:
        """`r`: poll every feed now, even those backing off after failures."""
        self.start_poll(force=True)

    def start_poll(self, force: bool = False) -> None:
        """Start a poll unless one is already running (polls never overlap)."""
        if not self.is_running or not self.screen_stack:
            return  # a timer that fired while the app shuts down
        if self.polling:
            self.notify("A poll is already running", timeout=3)
            return
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        self.polling = True
        self._tick()
        self.run_worker(self._poll_in_thread(force), group="poll", name="poll", exit_on_error=False)

    async def _poll_in_thread(self, force: bool) -> Any:
        """Await a blocking poll on a daemon thread (quitting never waits for a hung feed)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()

        def settle(setter: Callable[[Any], None], value: Any) -> None:
            if not done.done():
                setter(value)

        def run() -> None:
            try:
                result = self._poll_blocking(force)
            except BaseException as error:  # reported by on_worker_state_changed
                outcome = (done.set_exception, error)
            else:
                outcome = (done.set_result, result)
            try:
                loop.call_soon_threadsafe(settle, *outcome)
            except RuntimeError:  # the app has already closed its loop
                pass

        self._poll_thread = threading.Thread(target=run, name="sitmon-poll", daemon=True)
        self._poll_thread.start()
        return await done

    def _poll_blocking(self, force: bool) -> Any:
        """One poll with this thread's own Store."""
        from sitmon.poll import poll_once

        store = open_store(self.db_path)
        try:
            return poll_once(store, self.config, force=force)
        finally:
            store.close()
            release_free_memory()  # parsed documents and fetch buffers are freed by now

    def _arm_next_poll(self) -> None:
        if self.autopoll and self._poll_timer is None:
            self._poll_timer = self.set_timer(self.poll_interval, self.start_poll)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker outcomes land: errors become notifications."""
        worker, state = event.worker, event.state
        if worker.group == "poll" and state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self.polling = False
            self.polls_done += 1
            self._arm_next_poll()
            self._tick()
            if state == WorkerState.SUCCESS:
                # A poll that stored nothing new (every feed 304) need not re-run the model.
                fresh = getattr(worker.result, "new_stories", 1) > 0
                if self.main_if_shown:
                    self.main_if_shown.reload("poll" if fresh else "quiet")
        if state == WorkerState.ERROR:
            error = worker.error
            what = {"poll": "Poll", "load": "Loading the store", "detail": "Loading the details",
                    "link": "Finding the link"}.get(worker.group, "A background task")
            self.notify(
                clean(f"{type(error).__name__}: {error}", 300),
                title=f"{what} failed",
                severity="error",
                timeout=12,
                markup=False,
            )

    # --- filters, links, screens ---------------------------------------------

    def set_filters(self, **changes: str | None) -> None:
        """Change the conflict and/or search filter and reload the panes."""
        conflict = changes.get("conflict", self.conflict)
        query = changes.get("query", self.query_text)
        if (conflict, query) == (self.conflict, self.query_text):
            return
        self.conflict, self.query_text = conflict, query
        if self.main_if_shown:
            self.main_if_shown.refresh_status()
            self.main_if_shown.reload("filter")

    def remember_conflicts(self, conflicts: Iterable[str]) -> None:
        self.known_conflicts.update(conflicts)

    def action_pick_conflict(self) -> None:
        conflicts = sorted(self.known_conflicts)
        if not conflicts:
            self.notify("No conflicts found yet; wait for a poll", timeout=4)
            return
        self.push_screen(ConflictPicker(conflicts, self.conflict),
                         lambda choice: self.set_filters(conflict=choice))

    def action_feeds(self) -> None:
        if not isinstance(self.screen, FeedHealthScreen):
            self.push_screen(FeedHealthScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_search(self) -> None:
        self._to_main()
        self.main.action_search()

    def action_focus_pane(self, number: int) -> None:
        self._to_main()
        self.main.action_focus_pane(number)

    def _to_main(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen_stack[-1], MainScreen):
            self.pop_screen()

    def open_link(self, url: str | None) -> None:
        """Open an http/https link in the browser; say why not otherwise."""
        refusal = link_refusal(url)
        if refusal:
            self.notify(f"Not opening: {refusal}", severity="warning", timeout=6, markup=False)
            return
        (self.opener or self.open_url)(url)
        self.notify(clean(url, 120), title="Opened in browser", timeout=4, markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Poll now", "Fetch every feed now", self.action_poll)
        yield SystemCommand("Feed health", "Status, errors and next poll of every feed", self.action_feeds)
        yield SystemCommand("Pick conflict", "Show only one conflict in every pane", self.action_pick_conflict)
        yield SystemCommand("Search stories", "Full-text search over stored stories", self.action_search)
        yield SystemCommand("Clear filters", "Show every conflict and story",
                            lambda: self.set_filters(conflict=None, query=None))
        for number, name in enumerate(("Active truces", "Recent violations", "Casualty tally", "Stories"), 1):
            yield SystemCommand(f"Go to {name}", f"Focus pane {number}",
                                lambda n=number: self.action_focus_pane(n))
        yield SystemCommand("Keys", "Show every key", self.action_help)


def create_app(
    config: Any,
    db_path: Path,
    *,
    demo: bool = False,
    interval: float | None = None,
    clock: Clock | None = None,
    autopoll: bool = True,
    opener: Callable[[str], None] | None = None,
) -> SitmonApp:
    """The app, configured; used by the CLI, the tests and the screenshot script."""
    limit_heap_arenas()  # before the poll threads start: they take their arenas then
    if interval:
        try:
            config = replace(config, poll_interval=interval)
        except TypeError:  # not a dataclass (tests may pass a simple namespace)
            pass
    return SitmonApp(config, db_path, demo=demo, interval=interval, clock=clock,
                     autopoll=autopoll, opener=opener)


def run_app(config: Any, db_path: Path, demo: bool = False, interval: float | None = None) -> int:
    """Run the monitor (or the demo, on its own loopback feeds and throwaway database)."""
    session = None
    limit_heap_arenas()  # before the demo's feed server starts its threads
    if demo:
        from sitmon.demo import start_demo

        session = start_demo(interval=interval)
        config, db_path, interval = session.config, session.db_path, session.interval
    app = create_app(config, db_path, demo=demo, interval=interval)
    try:
        app.run()
    finally:
        if session is not None:
            session.stop()
    _exit_if_poll_hangs(app)
    return app.return_code or 0


def _exit_if_poll_hangs(app: SitmonApp) -> None:
    """After `q`, a poll stuck on a dead feed must not keep the process alive."""
    thread = app._poll_thread
    if thread is not None and thread.is_alive():
        thread.join(timeout=1.0)
        if thread.is_alive():
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(app.return_code or 0)
