"""The inspector's detail pane: the selected event whole (findings with their fix, wrapped to
the pane; parameters, matching, cookies, collected data, the payload as sent), or its raw
request."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from pixelhelper.live.cells import plain
from pixelhelper.live.model import RAW_KEPT, EventRow
from pixelhelper.output.terminal import neutralise
from pixelhelper.output.textparts import SEVERITY_STYLE

_LINE = 200  # a long value in the detail pane is shown in lines of this many characters
_DETAIL_NODES = 3000
_COLLECTED = (
    "page_url", "referrer", "ttclid", "ip", "user_agent", "library", "event_id", "message_id",
    "timestamp", "event_source", "test_event_code", "decode_error",
)  # fmt: skip
_NO_RAW = (
    "(the raw request is not available: a JSON report keeps decoded events only, and the live "
    f"view keeps the raw requests of the newest {RAW_KEPT:,} events)"
)


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
            if finding.get("outcome") in ("blocked", "redacted"):
                node.add_leaf(Text(f"{finding['outcome']}: never reached TikTok", "bold green"))
            self._wrapped(node, str(finding.get("message", "")), "italic")
            if finding.get("fix"):
                self._wrapped(node, "fix: " + str(finding["fix"]), "green")
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

    def _wrapped(self, node: TreeNode[None], text: str, style: str) -> None:
        """A sentence as lines that fit the pane (findings' messages and fixes are read, not
        scrolled sideways)."""
        import textwrap

        width = max(30, (self.scrollable_content_region.width or 100) - 14)
        for line in textwrap.wrap(neutralise(text), width, break_on_hyphens=False) or [""]:
            node.add_leaf(Text(line, style=style))

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
