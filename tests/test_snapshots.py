"""Snapshot tests of the main screens at fixed sizes, with a fixed clock and fixed data.

The data is the demo after a few minutes, polled once at a fixed instant, so the
SVGs only change when the UI does. Update them with `pytest --snapshot-update`
after checking the difference is intended.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_ui import ManualClock, make_app, start_polled_demo, wait_for

from sitmon.demo import DemoSession
from sitmon.ui.screens import DetailScreen
from sitmon.ui.widgets import StoriesPane


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSession]:
    session = start_polled_demo(tmp_path_factory.mktemp("snapdemo"), ManualClock(10_000))
    yield session
    session.stop()


async def _loaded(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.main.situation_data is not None and app.main.stories_data is not None)


def test_main_screen_wide(snap_compare, demo: DemoSession) -> None:
    assert snap_compare(make_app(demo), terminal_size=(120, 36), run_before=_loaded)


def test_main_screen_large(snap_compare, demo: DemoSession) -> None:
    """160+ columns: violations and the tally side by side."""
    assert snap_compare(make_app(demo), terminal_size=(200, 50), run_before=_loaded)


def test_main_screen_80x24(snap_compare, demo: DemoSession) -> None:
    assert snap_compare(make_app(demo), terminal_size=(80, 24), run_before=_loaded)


def test_story_detail(snap_compare, demo: DemoSession) -> None:
    async def open_ganja(pilot) -> None:
        await _loaded(pilot)
        stories = pilot.app.main.query_one(StoriesPane)
        stories.focus()
        row = next(i for i, s in enumerate(stories.items.values()) if "Ganja" in s.title)
        stories.move_cursor(row=row)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DetailScreen) and bool(pilot.app.screen.links))

    assert snap_compare(make_app(demo), terminal_size=(120, 36), run_before=open_ganja)


def test_feed_health(snap_compare, demo: DemoSession) -> None:
    assert snap_compare(make_app(demo), terminal_size=(120, 36), press=["f"], run_before=_loaded)


def test_help(snap_compare, demo: DemoSession) -> None:
    assert snap_compare(make_app(demo), terminal_size=(120, 36), press=["question_mark"], run_before=_loaded)
