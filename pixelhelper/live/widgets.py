"""The app's widgets: pages and pixels, the events table, the detail pane, the status bar.

Every string from traffic goes through `plain()`: neutralised (no escape sequence or control
character reaches the terminal) and wrapped in a rich `Text`, which Textual renders as text,
never as markup, so `[/]` or `[bold]...` in a button's label is shown as typed.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static, Tree

from pixelhelper.live.cells import plain
from pixelhelper.live.model import KINDS, EventRow, Filter, SessionModel
from pixelhelper.output.textparts import SEVERITY_STYLE, STATUS_STYLE
from pixelhelper.severity import SEVERITIES

if TYPE_CHECKING:
    pass

CELL = 60  # characters of a value in a table cell; the detail pane shows it whole
_SHORT = {"critical": "CRIT", "high": "HIGH", "medium": "MED", "low": "LOW", "info": "INFO"}


def badges(findings: list[dict[str, Any]], width: int | None = None) -> Text:
    """Finding counts by severity, most severe first: `2 CRIT 1 HIGH`; where that does not fit
    in `width`, the total and the worst: `9, 2 CRIT`."""
    counts = Counter(f.get("severity") for f in findings)
    out = Text()
    for severity in SEVERITIES:
        if counts.get(severity):
            out.append(f"{counts[severity]} {_SHORT[severity]}", SEVERITY_STYLE[severity])
            out.append(" ")
    if width is None or len(out.plain.rstrip()) <= width:
        return out
    worst = next(s for s in SEVERITIES if counts.get(s))
    return Text.assemble(f"{len(findings)}, ", (f"{counts[worst]} {_SHORT[worst]}",
                                                 SEVERITY_STYLE[worst]))  # fmt: skip


# --------------------------------------------------------------------------- pages and pixels


class PageTree(Tree[int]):
    """Page visits -> pixels, each pixel with its status on that visit; a revisit is a new
    node and the current visit is marked."""

    def __init__(self) -> None:
        super().__init__(Text("pages"), id="pages")
        self.show_root = False
        self._shown: tuple[Any, ...] | None = None

    def refresh_from(self, model: SessionModel) -> None:
        shape = tuple(
            (vid, json.dumps(visit.get("pixels"), sort_keys=True), model.current_visit == vid,
             tuple(model.status_of(vid, code) for code in visit.get("pixels") or {}))
            for vid, visit in model.visits.items()
        )  # fmt: skip
        if shape == self._shown:
            return
        self._shown = shape
        self.clear()
        if not model.visits:
            self.root.add_leaf(Text("waiting for pixel traffic…", style="dim"))
            return
        for vid, visit in model.visits.items():
            current = vid == model.current_visit
            label = Text("▶ " if current else "  ", style="bold")
            label.append_text(plain(visit.get("url") or "(unknown page)", 70))
            if visit.get("visit"):
                label.append(f"  visit {int(visit['visit']) + 1}", style="dim")
            node = self.root.add(label, data=vid, expand=current or len(model.visits) <= 6)
            for code, entry in (visit.get("pixels") or {}).items():
                status = model.status_of(vid, code)
                # the status first: a narrow pane cuts the end of a line, never the status
                pixel = Text.assemble((f"● {status.upper()} ", STATUS_STYLE[status]),
                                      plain(code, 24, "bold"))  # fmt: skip
                vendor = _vendor(model, entry)
                if vendor != "tiktok":  # beside the code: whose pixel it is
                    pixel.append(f" {vendor}", style="italic")
                loads, hits = len(entry.get("loads", [])), len(entry.get("events", []))
                pixel.append(f"  {loads} load{'s' * (loads != 1)}, {hits} event"
                             f"{'s' * (hits != 1)}", style="dim")  # fmt: skip
                if entry.get("listed") and not entry.get("events"):
                    pixel.append("  listed", style="dim")
                node.add_leaf(pixel, data=vid)
        self.root.expand()


def _vendor(model: Any, entry: dict[str, Any]) -> str:
    """The vendor of a page's pixel, from its first event or load still held."""
    for index in [*entry.get("events", []), *entry.get("loads", [])]:
        row = model.events.get(index)
        if row is not None:
            return str(plain(str(row.event.get("vendor") or "tiktok"), 12))
    return "tiktok"


# --------------------------------------------------------------------------- events


_KIND = {"events_api": "server"}


class EventTable(DataTable[Text]):
    """Time, page, pixel, event, kind, key parameters, finding badges; on a narrow terminal
    the page and kind columns go (the pages tree and the detail pane show them) so the pixel
    code and the badges are never cut."""

    class Moved(Message):
        """The user moved the cursor (keys or mouse): following the newest event stops, or,
        for End, resumes."""

        def __init__(self, follow: bool) -> None:
            super().__init__()
            self.follow = follow

    def __init__(self) -> None:
        super().__init__(id="events", cursor_type="row", zebra_stripes=True)
        self.narrow = False
        self._width = 0
        self._keys: list[str] = []
        self._widths: dict[str, int] = {}

    # The table's own movement keys win over the app's bindings while it has the focus; each
    # tells the app that the user, not new traffic, moved the cursor. Home goes to the oldest
    # event (rows, not columns); End to the newest, and following resumes.
    def _moved(self, move: Callable[[], None] | None, follow: bool = False) -> None:
        if move is not None:
            move()
        self.post_message(self.Moved(follow))

    def action_cursor_up(self) -> None:
        self._moved(super().action_cursor_up)

    def action_cursor_down(self) -> None:
        self._moved(super().action_cursor_down)

    def action_page_up(self) -> None:
        self._moved(super().action_page_up)

    def action_page_down(self) -> None:
        self._moved(super().action_page_down)

    def action_scroll_top(self) -> None:
        self._moved(super().action_scroll_top)

    def action_scroll_home(self) -> None:
        self._moved(super().action_scroll_top)

    def action_scroll_end(self) -> None:
        self._moved(None, follow=True)

    def action_scroll_bottom(self) -> None:
        self._moved(None, follow=True)

    async def on_click(self, event: events.Click) -> None:
        self.post_message(self.Moved(False))

    class Reconfigured(Message):
        """The columns changed with the table's width: its rows must be added again."""

    def configure(self, narrow: bool, width: int) -> None:
        """Lay the columns out for a table `width` cells wide (`narrow`: the stacked layout)."""
        self.narrow = narrow
        self._lay_out(width)

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width or event.size.width
        if width and width != self._width:
            self._lay_out(width)
            self.post_message(self.Reconfigured())

    def _lay_out(self, width: int) -> None:
        """Time, page, event and the findings count always; then the pixel code, the kind and
        the parameters as the width allows (parameters take what is left, and go first)."""
        self._width = width
        self.clear(columns=True)
        room = width - 2  # the vertical scrollbar
        widths = {"time": 8, "page": 16, "event": 14, "findings": _FINDINGS}
        used = sum(w + 2 for w in widths.values())  # each cell is padded by one on each side
        for key, size in (("pixel", 20), ("kind", 6)):  # the pixel code before the kind
            if room - used - (size + 2) < _MIN_PARAMS + 2:
                break
            widths[key] = size
            used += size + 2
        params = room - used - 2
        if params >= _MIN_PARAMS:
            widths["parameters"] = params
        else:  # what is left widens the page
            widths["page"] += max(0, room - used)
        self._keys = [k for k in _ORDER if k in widths]
        for key in self._keys:
            self.add_column(key, key=key, width=widths[key])
        self._widths = widths

    def add_event(self, row: EventRow) -> None:
        stamp = clock(row)
        style = "bold red" if row.event.get("decode_error") else "cyan"
        widths = self._widths
        cells = {
            "time": lambda: Text(stamp),
            "page": lambda: plain(_path_of(str(row.event.get("page_url") or "")), widths["page"]),
            "pixel": lambda: plain(row.event.get("pixel_code") or "-", widths.get("pixel", 20)),
            "event": lambda: plain(row.name, widths["event"], style),
            "kind": lambda: Text(_KIND.get(row.kind, row.kind), style="dim"),
            "parameters": lambda: plain(row.params(), CELL),
            "findings": lambda: badges(row.findings, widths["findings"]),
        }
        self.add_row(*(cells[key]() for key in self._keys), key=str(row.index))


_ORDER = ("time", "page", "pixel", "event", "kind", "parameters", "findings")
_ISO_TIME = re.compile(r"T(\d\d:\d\d:\d\d)")


def clock(row: EventRow) -> str:
    """The event's own time as the reports print it (the payload's timestamp), else when the
    proxy saw it: `view` and `audit` agree, and a JSON report shows times too."""
    stamp = row.event.get("timestamp")
    match = _ISO_TIME.search(stamp) if isinstance(stamp, str) else None
    if match:
        return match.group(1)
    return time.strftime("%H:%M:%S", time.localtime(row.time)) if row.time else "--:--:--"


_FINDINGS = 14
_MIN_PARAMS = 10


def _path_of(url: str) -> str:
    if "://" in url:
        url = url.split("://", 1)[1]
        url = "/" + url.split("/", 1)[1] if "/" in url else "/"
    return url or "-"


class StatusBar(Static):
    """Listen address, mode, counters, findings by severity, proxy state, the filter."""

    def update_from(self, model: SessionModel, view: Filter, follow: bool, paused: bool) -> None:
        status, settings = model.status, model.settings
        text = Text.assemble((" pixelhelper ", "bold reverse"), " ")
        text.append_text(plain(str(settings.get("listen") or status.get("listen") or "capture")))
        text.append("  mode ")
        text.append_text(
            plain(str(settings.get("mode") or status.get("mode") or "-"), None, "bold")
        )
        text.append(
            f"  flows {status.get('flows', 0)}  events {status.get('events', len(model.events))}"
        )
        findings = status.get("findings") or {}
        text.append("  findings")
        shown = False
        for severity in SEVERITIES:
            if findings.get(severity):
                shown = True
                text.append(f" {findings[severity]} {_SHORT[severity]}", SEVERITY_STYLE[severity])
        if not shown:
            text.append(" 0")
        for key in ("blocked", "redacted", "errors", "dropped"):
            if status.get(key):
                text.append(f"  {key} {status[key]}", "yellow" if key != "blocked" else "")
        if model.proxy != "running":
            text.append(f"  proxy {model.proxy}", "bold red")
        text.append(
            "  " + ("following" if follow else "browsing") + (" (paused)" if paused else ""), "dim"
        )
        if view.text:
            text.append("  filter ", "dim")
            text.append_text(plain(view.text, 24))
        if view.min_severity:
            text.append(f"  >= {view.min_severity}", "dim")
        hidden = [k for k in KINDS if k not in view.kinds]
        if hidden:
            text.append("  hiding " + ",".join(hidden), "dim")
        if model.notes:
            text.append("\n")
            text.append_text(plain(model.notes[-1], 200, "yellow"))
        self.update(text)


HELP = """\
keys
  up/down, j/k    move through events (stops following the newest)
  pgup/pgdn, home move a page, to the oldest event (stop following too)
  end, f          the newest event, and follow new ones again
  tab, shift+tab  move the focus: events, detail pane, pages
  left/right      scroll a wide table or detail pane sideways
  enter           open the selected event in the detail pane
  r               raw request (as captured; credentials withheld)
  /               filter by text (escape clears)
  s               minimum severity: all, info, low, medium, high, critical
  1 2 3 4 5       show/hide script, pixel, action, events_api, other
  p               pause / resume the table (events are still recorded)
  c               clear the view (the recording is kept)
  w               write the session: flow file and JSON report
  ?               this help
  q, ctrl+c       quit (live: the proxy stops and prints the session report)
"""


class HelpScreen(ModalScreen[None]):
    """The key list."""

    BINDINGS = [("escape", "app.pop_screen", "Close"), ("question_mark", "app.pop_screen", "Close"),
                ("q", "app.pop_screen", "Close")]  # fmt: skip

    def compose(self):  # type: ignore[no-untyped-def]
        with VerticalScroll(id="help"):
            yield Static(Text(HELP))
