"""The app's widgets: pages and pixels, the events table, the detail pane, the status bar.

Every string from traffic goes through `plain()`: neutralised (no escape sequence or control
character reaches the terminal) and wrapped in a rich `Text`, which Textual renders as text,
never as markup, so `[/]` or `[bold]...` in a button's label is shown as typed.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static, Tree

from pixelhelper.live.model import KINDS, EventRow, Filter, SessionModel
from pixelhelper.output.terminal import neutralise
from pixelhelper.output.text import SEVERITY_STYLE, STATUS_STYLE
from pixelhelper.severity import SEVERITIES

if TYPE_CHECKING:
    from textual.widgets.tree import TreeNode

CELL = 60  # characters of a value in a table cell; the detail pane shows it whole
_LINE = 200  # a long value in the detail pane is shown in lines of this many characters
_DETAIL_NODES = 3000
_COLLECTED = (
    "page_url", "referrer", "ttclid", "ip", "user_agent", "library", "event_id", "message_id",
    "timestamp", "event_source", "test_event_code", "decode_error",
)  # fmt: skip
_NO_RAW = (
    "(the raw request is not available: saved captures keep events only, and the live view "
    "keeps the newest 500)"
)
_SHORT = {"critical": "CRIT", "high": "HIGH", "medium": "MED", "low": "LOW", "info": "INFO"}


def plain(value: Any, limit: int | None = None, style: str = "") -> Text:
    """Traffic text, safe: neutralised, cut with an ellipsis past `limit`, never markup."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = neutralise(text)
    if limit is not None and len(text) > limit:
        text = text[: max(1, limit - 1)] + "…"
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


def badges(findings: list[dict[str, Any]]) -> Text:
    """Finding counts by severity, most severe first: `2 CRIT 1 HIGH`."""
    counts = Counter(f.get("severity") for f in findings)
    out = Text()
    for severity in SEVERITIES:
        if counts.get(severity):
            out.append(f"{counts[severity]} {_SHORT[severity]}", SEVERITY_STYLE[severity])
            out.append(" ")
    return out


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
                pixel = Text.assemble(("● ", STATUS_STYLE[status]), plain(code, 24, "bold"),
                                      (f" {status.upper()}", STATUS_STYLE[status]))  # fmt: skip
                pixel.append(f"  {len(entry.get('loads', []))}L {len(entry.get('events', []))}E",
                             style="dim")  # fmt: skip
                if entry.get("listed") and not entry.get("events"):
                    pixel.append("  listed", style="dim")
                node.add_leaf(pixel, data=vid)
        self.root.expand()


# --------------------------------------------------------------------------- events


_KIND = {"events_api": "server"}


class EventTable(DataTable[Text]):
    """Time, page, pixel, event, kind, key parameters, finding badges; on a narrow terminal
    the page and kind columns go (the pages tree and the detail pane show them) so the pixel
    code and the badges are never cut."""

    def __init__(self) -> None:
        super().__init__(id="events", cursor_type="row", zebra_stripes=True)
        self.narrow = False

    def configure(self, narrow: bool, width: int) -> None:
        """Lay the columns out for a table `width` cells wide."""
        self.narrow = narrow
        self.clear(columns=True)
        fixed = [("time", 8), ("pixel", 20), ("event", 12), ("findings", 14)]
        if not narrow:
            fixed = [("time", 8), ("page", 18), ("pixel", 20), ("event", 14), ("kind", 6),
                     ("findings", 16)]  # fmt: skip
        padding = 2 * (len(fixed) + 1) + 2
        params = max(12, width - sum(w for _, w in fixed) - padding)
        for label, size in fixed[:-1]:
            self.add_column(label, key=label, width=size)
        self.add_column("parameters", key="parameters", width=params)
        self.add_column(fixed[-1][0], key=fixed[-1][0], width=fixed[-1][1])

    def add_event(self, row: EventRow) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(row.time)) if row.time else "--:--:--"
        style = "bold red" if row.event.get("decode_error") else "cyan"
        cells = [Text(stamp)]
        if not self.narrow:
            cells.append(plain(_path_of(str(row.event.get("page_url") or "")), 18))
        cells += [plain(row.event.get("pixel_code") or "-", 20), plain(row.name, 16, style)]
        if not self.narrow:
            cells.append(Text(_KIND.get(row.kind, row.kind), style="dim"))
        cells += [plain(row.params(), CELL), badges(row.findings)]
        self.add_row(*cells, key=str(row.index))


def _path_of(url: str) -> str:
    if "://" in url:
        url = url.split("://", 1)[1]
        url = "/" + url.split("/", 1)[1] if "/" in url else "/"
    return url or "-"


# --------------------------------------------------------------------------- detail


class DetailTree(Tree[None]):
    """The selected event whole: payload, matching, cookies, findings with their fix."""

    def __init__(self) -> None:
        super().__init__(Text("no event selected"), id="detail")
        self._count = 0

    def show(self, row: EventRow | None, raw: bool = False) -> None:
        self.clear()
        self._count = 0
        if row is None:
            self.root.set_label(
                Text("No event yet. Browse the site through the proxy.", style="dim")
            )
            return
        label = Text.assemble((f"#{row.index} ", "dim"), plain(row.name, None, "bold cyan"),
                              (f"  [{row.kind}]", "dim"))  # fmt: skip
        if row.blocked:
            label.append("  blocked: never reached TikTok", style="bold green")
        self.root.set_label(label)
        if raw:
            self._raw(row)
        else:
            self._decoded(row)
        self.root.expand_all()

    def _decoded(self, row: EventRow) -> None:
        event = row.event
        if row.redacted:
            branch = self.root.add(
                Text("stripped by redact mode (not forwarded)", style="bold green")
            )
            for line in row.redacted:
                branch.add_leaf(plain(line))
        findings = self.root.add(Text(f"findings ({len(row.findings)})", style="bold"))
        for finding in row.findings:
            severity = str(finding.get("severity", ""))
            head = Text.assemble((f"{severity.upper():8}", SEVERITY_STYLE.get(severity, "")),
                                 " ", plain(finding.get("rule", ""), None, "bold"), "  ",
                                 plain(finding.get("location", "")))  # fmt: skip
            node = findings.add(head)
            if finding.get("value"):
                node.add_leaf(Text.assemble(("value: ", "bold"), plain(finding["value"])))
            node.add_leaf(plain(finding.get("message", ""), None, "italic"))
            if finding.get("fix"):
                node.add_leaf(Text.assemble(("fix: ", "bold green"), plain(finding["fix"])))
        for title, key in (("parameters", "properties"), ("advanced matching (user)", "user"),
                           ("TikTok matching status", "signal_diagnostics"),
                           ("_inspection", "inspection"), ("cookies", "cookies"),
                           ("clicked element and page metadata", "action")):  # fmt: skip
            if event.get(key):
                self._json(self.root.add(Text(title, style="bold green")), event[key])
        collected = {k: event.get(k) for k in _COLLECTED if event.get(k)}
        if collected:
            self._json(self.root.add(Text("collected", style="bold green")), collected)
        if event.get("payload") is not None:
            self._json(self.root.add(Text("payload as sent", style="bold green"), expand=False),
                       event["payload"])  # fmt: skip

    def _raw(self, row: EventRow) -> None:
        raw = row.raw or {}
        if not raw:
            self.root.add_leaf(Text(_NO_RAW, "dim"))
            return
        self.root.add_leaf(plain(f"{raw.get('method', '')} {raw.get('url', '')}"))
        headers = self.root.add(Text("headers", style="bold green"))
        for name, value in raw.get("headers") or []:
            headers.add_leaf(Text.assemble(plain(f"{name}: ", None, "bold"), plain(value)))
        body = self.root.add(Text("body", style="bold green"))
        self._long(body, str(raw.get("body", "")))

    def _long(self, node: TreeNode[None], text: str) -> None:
        for start in range(0, max(len(text), 1), _LINE):
            if self._count > _DETAIL_NODES:
                node.add_leaf(Text("… (more in the saved capture)", style="dim"))
                return
            self._count += 1
            node.add_leaf(plain(text[start : start + _LINE]))

    def _json(self, node: TreeNode[None], value: Any, depth: int = 0) -> None:
        if self._count > _DETAIL_NODES or depth > 40:
            node.add_leaf(Text("…", style="dim"))
            return
        items: list[tuple[str, Any]] = []
        if isinstance(value, dict):
            items = [(str(k), v) for k, v in value.items()]
        elif isinstance(value, list):
            items = [(f"[{i}]", v) for i, v in enumerate(value)]
        else:
            self._long(node, value if isinstance(value, str) else json.dumps(value))
            return
        for key, child in items:
            self._count += 1
            if isinstance(child, dict | list) and child:
                self._json(node.add(plain(key, None, "bold")), child, depth + 1)
            elif isinstance(child, str) and len(child) > _LINE:
                self._long(node.add(plain(key, None, "bold")), child)
            else:
                node.add_leaf(Text.assemble(plain(f"{key}: ", None, "bold"), plain(child)))


# --------------------------------------------------------------------------- status and help


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
  enter           open the selected event in the detail pane
  r               raw request (as captured; credentials withheld)
  /               filter by text (escape clears)
  s               minimum severity: all, info, low, medium, high, critical
  1 2 3 4 5       show/hide script, pixel, action, events_api, other
  f               follow the newest event
  p               pause / resume the table (events are still recorded)
  c               clear the view (the recording is kept)
  w               write the session: flow file and JSON report
  ?               this help
  q, ctrl+c       quit and print the session report
"""


class HelpScreen(ModalScreen[None]):
    """The key list."""

    BINDINGS = [("escape", "app.pop_screen", "Close"), ("question_mark", "app.pop_screen", "Close"),
                ("q", "app.pop_screen", "Close")]  # fmt: skip

    def compose(self):  # type: ignore[no-untyped-def]
        with VerticalScroll(id="help"):
            yield Static(Text(HELP))
