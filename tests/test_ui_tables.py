"""The tables' header lines up with the rows that widened its columns.

Textual measures a DataTable's columns when it next goes idle after rows are
added, but a frame painted before that keeps its header line cached at the old
widths: the detail screen's sources then sat under a header of bare labels
("Outlet  Link  Title") until something else changed.  The first CI failure of
the detail snapshot was this, one run in about thirty under load.
"""

from __future__ import annotations

import pytest
from test_ui import screen_text, wait_for
from textual.app import App, ComposeResult

from sitmon.ui.widgets import FittedTable, StoriesPane

LONG_OUTLET = "Harbor Daily – World service"
LONG_LINK = "https://harbor-daily.example/world/live-ganja-strike"
LONG_TITLE = "Azerbaijan says 14 killed in overnight missile strike on Ganja - Meridian Wire"


class OneTable(App):
    CSS = "DataTable { height: auto; border: round white; scrollbar-size-horizontal: 0; }"

    def __init__(self, table: FittedTable) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table


@pytest.mark.parametrize("make", [FittedTable, StoriesPane], ids=["table", "pane"])
async def test_header_follows_rows_added_just_before_a_frame(make) -> None:
    table = make()
    app = OneTable(table)
    async with app.run_test(size=(120, 12)) as pilot:
        if not table.columns:
            table.add_columns("Outlet", "Link", "Title")
        await pilot.pause()
        cells = [LONG_OUTLET, LONG_LINK, LONG_TITLE, "in Ganja"][:len(table.columns)]
        table.add_row(*cells)
        table.refresh()
        screen_text(app)  # a frame painted before the table goes idle and measures its columns
        first = table.ordered_columns[0]
        await wait_for(pilot, lambda: first.content_width >= len(cells[0]))  # measured now
        header, row = screen_text(app).splitlines()[1:3]
        # each label starts where its column's cells start
        for column, cell in zip(table.ordered_columns[1:3], cells[1:3]):
            assert header.index(column.label.plain) == row.index(cell[:10]), (header, row)
