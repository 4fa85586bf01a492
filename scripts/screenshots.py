"""Regenerate screenshots/ from the demo, headless, at fixed sizes.

    .venv/bin/python scripts/screenshots.py

Serves the demo feeds on loopback, polls them once (one feed at a time, so the
same outlet names each story every run) through the real fetch path into a
throwaway database, then drives the app with a Pilot on a fixed clock and saves
SVGs of the main screen (120x36, 200x50 and 80x24), a story's detail screen, the
feed health screen and the help screen. With cairosvg installed
(``pip install cairosvg``; it needs the system's libcairo) each SVG gets a PNG
beside it; without it the script says so and writes SVGs only.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from sitmon.demo import start_demo
from sitmon.poll import poll_once
from sitmon.store import Store
from sitmon.ui.app import create_app
from sitmon.ui.screens import DetailScreen, FeedHealthScreen, HelpScreen
from sitmon.ui.widgets import StoriesPane

OUT = Path(__file__).resolve().parent.parent / "screenshots"
START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)  # the demo's start, as in the tests
NOW = START + timedelta(minutes=10)  # the app's clock: every item revealed, polled 5 min ago
PNG_WIDTH = 1600
# Textual's SVG asks for Fira Code; a PNG renderer without it falls back to a
# proportional font and the columns drift. DejaVu Sans Mono ships almost everywhere.
PNG_FONT = ("font-family: Fira Code, monospace;", "font-family: DejaVu Sans Mono, Fira Code, monospace;")


async def wait_for(pilot, ready: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not show its data in time")
        await pilot.pause(0.05)
    await pilot.pause(0.2)


async def shoot(session, size: tuple[int, int], names: dict[str, str]) -> list[Path]:
    app = create_app(session.config, session.db_path, demo=True, autopoll=False, clock=lambda: NOW)
    saved = []
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.main.situation_data is not None and app.main.stories_data is not None)

        def save(kind: str) -> None:
            saved.append(Path(app.save_screenshot(names[kind], path=str(OUT))))

        if "main" in names:
            save("main")
        if "detail" in names:
            stories = app.main.query_one(StoriesPane)
            stories.focus()
            rows = list(stories.items.values())
            best = max(range(len(rows)), key=lambda i: (rows[i].sources, len(rows[i].tags)))
            stories.move_cursor(row=best)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and bool(app.screen.links))
            save("detail")
            await pilot.press("escape")
        if "feeds" in names:
            await pilot.press("f")
            await wait_for(pilot, lambda: isinstance(app.screen, FeedHealthScreen))
            save("feeds")
            await pilot.press("escape")
        if "help" in names:
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            save("help")
    return saved


def to_png(svg: Path) -> Path | None:
    """A PNG beside the SVG, or None when cairosvg is not installed."""
    try:
        import cairosvg
    except (ImportError, OSError):  # OSError: the package is there but libcairo is not
        return None
    png = svg.with_suffix(".png")
    text = svg.read_text("utf-8").replace(*PNG_FONT)
    cairosvg.svg2png(bytestring=text.encode("utf-8"), write_to=str(png), output_width=PNG_WIDTH)
    return png


def main() -> None:
    OUT.mkdir(exist_ok=True)
    session = start_demo(interval=3600, start=START, clock=lambda: 10_000.0,
                         directory=Path(tempfile.mkdtemp(prefix="sitmon-shots-")))
    try:
        for url, _ in sorted(session.config.feeds):
            store = Store(session.db_path)
            try:
                poll_once(store, session.config, feeds=[url], now=START + timedelta(minutes=5))
            finally:
                store.close()
        saved = asyncio.run(shoot(session, (120, 36), {
            "main": "main.svg", "detail": "story-detail.svg",
            "feeds": "feed-health.svg", "help": "help.svg",
        }))
        saved += asyncio.run(shoot(session, (200, 50), {"main": "main-200x50.svg"}))
        saved += asyncio.run(shoot(session, (80, 24), {"main": "main-80x24.svg"}))
    finally:
        session.stop()
    pngs = [to_png(svg) for svg in saved]
    for path in saved + [p for p in pngs if p]:
        print(path.relative_to(OUT.parent))
    if not any(pngs):
        print("SVG only: install cairosvg (and the system's libcairo) for PNG copies")


if __name__ == "__main__":
    main()
