"""The interactive inspector (Textual): live over the proxy, or over saved captures.

Records arrive from a source (the proxy's socket, or a capture audited up front) into a plain
list; a 10 Hz timer applies them to the model and the widgets in batches, so a burst of
traffic never makes a key press wait. The table follows the newest event until the user moves,
then stays where the user is; `f` follows again.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import DataTable, Input

from pixelhelper.live.detail import DetailTree
from pixelhelper.live.model import KINDS, Filter, SessionModel
from pixelhelper.live.records import RecordSource, SocketSource, StaticSource
from pixelhelper.live.widgets import EventTable, HelpScreen, PageTree, StatusBar

if TYPE_CHECKING:
    from textual import events

_WIDE = 120
_TREE_EVERY = 0.5
_TABLE_ROWS = 600
"""Rows in the table: the newest matching events (the model keeps more for filtering)."""


class PixelHelperApp(App[int]):
    """pixelhelper's interactive inspector."""

    CSS_PATH = "app.tcss"
    TITLE = "pixelhelper"
    BINDINGS = [
        Binding("ctrl+c", "quit", "Quit", priority=True),
        Binding("q", "quit", "Quit"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("enter", "open", "Open", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "unfilter", "Clear filter", show=False),
        Binding("s", "severity", "Severity"),
        Binding("1", "kind('script')", show=False),
        Binding("2", "kind('pixel')", show=False),
        Binding("3", "kind('action')", show=False),
        Binding("4", "kind('events_api')", show=False),
        Binding("5", "kind('other')", show=False),
        Binding("f", "follow", "Follow"),
        Binding("p", "pause", "Pause"),
        Binding("c", "clear", "Clear"),
        Binding("w", "write", "Write"),
        Binding("r", "raw", "Raw"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self, source: RecordSource, flush_every: float = 0.1) -> None:
        super().__init__()
        self.source = source
        self.model = SessionModel()
        self.view = Filter()
        self.follow = True
        self.paused = False
        self.raw = False
        self._flush_every = flush_every
        self._shown: list[int] = []
        self._selected: int | None = None
        self._tree_at = 0.0
        self._tree_stale = False
        self._tree_visits = 0
        self.browser: Any = None
        """A Chromium started for this session (`--browser`): its exit is reported."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield PageTree()
            with Vertical(id="right"):
                yield EventTable()
                yield DetailTree()
        yield Input(placeholder="filter: text in events and findings (escape clears)", id="filter")
        yield StatusBar(id="status")

    def on_resize(self, event: events.Resize) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        """Side by side from 120 columns; stacked below that. The table lays its columns out
        for its own width when it is resized (`EventTable.Reconfigured`)."""
        narrow = width < _WIDE
        table = self.query_one(EventTable)
        if narrow == table.narrow and table.columns:
            return
        self.screen.set_class(narrow, "narrow")
        table.configure(narrow, width - 2 if narrow else int(width * 0.74) - 4)
        self._rebuild()

    def on_event_table_reconfigured(self, message: EventTable.Reconfigured) -> None:
        self._rebuild()

    async def on_mount(self) -> None:
        self._layout(self.size.width)
        self.query_one("#filter", Input).display = False
        self.query_one(EventTable).focus()
        await self.source.start(self)
        self.flush()
        self.set_interval(self._flush_every, self.flush)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.exit)

    # ------------------------------------------------------------------ records

    def flush(self) -> None:
        """Apply what arrived since the last tick, in one batch."""
        try:
            self._apply_pending()
        except NoMatches:  # the screen is being torn down (quitting): nothing to draw on
            return

    def _apply_pending(self) -> None:
        records, self.source.pending = self.source.pending, []
        new_rows = []
        for record in records:
            if self.model.apply(record) == "event":
                new_rows.append(int(record.get("index", -1)))
        self.model.proxy = self.source.state()
        if self.browser is not None and self.browser.process.poll() is not None:
            self.model.notes.append(f"the browser exited (code {self.browser.process.returncode})")
            self.browser = None
        if new_rows and not self.paused:
            self._append(new_rows)
        now = time.monotonic()
        self._tree_stale = self._tree_stale or bool(records)
        new_page = len(self.model.visits) != self._tree_visits  # a new page shows at once
        if (self._tree_stale and (new_page or now - self._tree_at >= _TREE_EVERY)) or (
            self._tree_at == 0
        ):
            self._tree_visits = len(self.model.visits)
            self._tree_at = now  # the tree is redrawn at most twice a second, and always
            self._tree_stale = False  # catches up with what arrived meanwhile
            self.query_one(PageTree).refresh_from(self.model)
        self._status()

    def _append(self, indices: list[int]) -> None:
        self.model.gone.clear()  # evicted rows leave the table at its next rebuild
        fresh = [i for i in indices if i in self.model.events and i not in self._shown_set()]
        fresh = [i for i in fresh if self.view.matches(self.model.events[i])]
        if len(self._shown) + len(fresh) > _TABLE_ROWS * 3 // 2:
            self._rebuild()  # rarely: keeps the table at the newest rows, cheap to update
            return
        table = self.query_one(EventTable)
        for index in fresh:
            table.add_event(self.model.events[index])
            self._shown.append(index)
        if self.follow and self._shown:
            self._move_to(len(self._shown) - 1)

    def _shown_set(self) -> set[int]:
        return set(self._shown[-64:])

    def _rebuild(self) -> None:
        table = self.query_one(EventTable)
        keep = self._selected
        table.clear()
        self._shown = []
        for row in self.model.rows(self.view)[-_TABLE_ROWS:]:
            table.add_event(row)
            self._shown.append(row.index)
        if self.follow and self._shown:
            self._move_to(len(self._shown) - 1)
        elif keep in self._shown:
            self._move_to(self._shown.index(keep))
        else:
            self._show_detail(None)

    def _move_to(self, row: int) -> None:
        table = self.query_one(EventTable)
        table.move_cursor(row=row, animate=False)
        self._show_detail(self._shown[row] if 0 <= row < len(self._shown) else None)

    def _show_detail(self, index: int | None) -> None:
        self._selected = index
        row = self.model.events.get(index) if index is not None else None
        if row is not None and self.raw and row.raw is None:
            row.raw = self.source.raw(row.index)  # a saved capture: read from its file
        self.query_one(DetailTree).show(row, raw=self.raw)

    def _status(self) -> None:
        self.query_one(StatusBar).update_from(self.model, self.view, self.follow, self.paused)

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        if message.row_key is not None and message.row_key.value is not None:
            index = int(message.row_key.value)
            if index != self._selected:
                self._show_detail(index)

    def on_event_table_moved(self, message: EventTable.Moved) -> None:
        """The user moved in the table: stop following the newest event (End resumes)."""
        if message.follow:
            self.action_follow()
            return
        self.follow = False
        self._status()

    def on_data_table_row_selected(self, message: DataTable.RowSelected) -> None:
        self.action_open()  # Enter on a row opens it in the detail pane

    # ------------------------------------------------------------------ actions

    def action_move(self, step: int) -> None:
        table = self.query_one(EventTable)
        if not self._shown:
            return
        target = min(max(table.cursor_row + step, 0), len(self._shown) - 1)
        self.follow = target == len(self._shown) - 1 and step > 0 and self.follow
        if step < 0 or target != len(self._shown) - 1:
            self.follow = False
        table.move_cursor(row=target, animate=False)
        self._show_detail(self._shown[target])
        self._status()

    def action_open(self) -> None:
        detail = self.query_one(DetailTree)
        detail.focus()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_unfilter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.view.text = ""
        self._rebuild()
        self.query_one(EventTable).focus()
        self._status()

    def on_input_changed(self, message: Input.Changed) -> None:
        self.view.text = message.value
        self._rebuild()
        self._status()

    def on_input_submitted(self, message: Input.Submitted) -> None:
        self.query_one(EventTable).focus()

    def action_severity(self) -> None:
        self.view.cycle_severity()
        self._rebuild()
        self._status()

    def action_kind(self, kind: str) -> None:
        if kind in KINDS:
            self.view.kinds ^= {kind}
            self._rebuild()
            self._status()

    def action_follow(self) -> None:
        self.follow = True
        self.paused = False
        self._rebuild()
        self._status()

    def action_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            self._rebuild()
        self._status()

    def action_clear(self) -> None:
        self.model.clear()
        self._rebuild()
        self.query_one(PageTree).refresh_from(self.model)
        self._status()

    def action_write(self) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        flow = str(Path.cwd() / f"pixelhelper-session-{stamp}.flow")
        report = str(Path.cwd() / f"pixelhelper-session-{stamp}.json")
        self.model.notes.append(self.source.write(flow, report))
        self._status()

    def action_raw(self) -> None:
        self.raw = not self.raw
        self._show_detail(self._selected)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        await self.source.stop()
        self.exit(0)


__all__ = ["PixelHelperApp", "RecordSource", "SocketSource", "StaticSource"]
