"""Regenerate screenshots/*.svg from the demo, headless, at fixed sizes.

    .venv/bin/python scripts/screenshots.py

Serves the demo feeds on loopback, polls them once through the real fetch path
into a throwaway database, then drives the app with a Pilot and saves the main
screen (120x36 and 80x24), a story's detail screen, the feed health screen and
the help screen.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Callable

from sitmon.demo import start_demo
from sitmon.poll import poll_once
from sitmon.store import Store
from sitmon.ui.app import create_app
from sitmon.ui.screens import DetailScreen, FeedHealthScreen
from sitmon.ui.widgets import StoriesPane

OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def wait_for(pilot, ready: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not show its data in time")
        await pilot.pause(0.05)
    await pilot.pause(0.2)


async def shoot(session, size: tuple[int, int], names: dict[str, str]) -> None:
    app = create_app(session.config, session.db_path, demo=True, autopoll=False)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.main.situation_data is not None)
        if "main" in names:
            app.save_screenshot(names["main"], path=str(OUT))
        if "detail" in names:
            stories = app.main.query_one(StoriesPane)
            stories.focus()
            best = max(range(stories.row_count), key=lambda i: stories.items[
                stories.coordinate_to_cell_key((i, 0)).row_key.value].sources)
            stories.move_cursor(row=best)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and bool(app.screen.links))
            app.save_screenshot(names["detail"], path=str(OUT))
            await pilot.press("escape")
        if "feeds" in names:
            await pilot.press("f")
            await wait_for(pilot, lambda: isinstance(app.screen, FeedHealthScreen))
            app.save_screenshot(names["feeds"], path=str(OUT))
            await pilot.press("escape")
        if "help" in names:
            await pilot.press("question_mark")
            await pilot.pause(0.3)
            app.save_screenshot(names["help"], path=str(OUT))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    # Everything revealed: the screenshots show the demo as it looks after a few minutes.
    session = start_demo(interval=3600, clock=lambda: time.monotonic() + 10_000)
    try:
        store = Store(session.db_path)
        try:
            poll_once(store, session.config)
        finally:
            store.close()
        asyncio.run(shoot(session, (120, 36), {
            "main": "main.svg", "detail": "story-detail.svg",
            "feeds": "feed-health.svg", "help": "help.svg",
        }))
        asyncio.run(shoot(session, (80, 24), {"main": "main-80x24.svg"}))
    finally:
        session.stop()
    for path in sorted(OUT.glob("*.svg")):
        print(path.relative_to(OUT.parent))


if __name__ == "__main__":
    main()
