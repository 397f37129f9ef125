"""The live rich view of a session: pure functions of a `LiveState` and the terminal size.

Rendering does no I/O, which lets tests render it with rich's recording console at fixed
widths. Every value shown passes through `pixelhelper.redact`, exactly as in the reports, and
is neutralised and wrapped in `Text` (never parsed as markup): page text is hostile.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from rich.console import Group, RenderableType
from rich.layout import Layout
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from pixelhelper.live.state import LiveSettings, LiveState
from pixelhelper.models import PixelEvent
from pixelhelper.output.terminal import neutralise, neutralise_all
from pixelhelper.output.textparts import SEVERITY_STYLE, STATUS_STYLE, finding_line, pixel_status
from pixelhelper.redact import Masker, redact_report, redact_value
from pixelhelper.severity import SEVERITIES

__all__ = ["LiveSettings", "LiveState", "event_line", "render_live", "shown_event"]

KEY_PARAMS = ("value", "currency", "content_type", "content_ids", "query", "search_string")


# --------------------------------------------------------------------------- redacted views


def shown_event(state: LiveState, index: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An event and its findings as they may be printed (masked unless --show-values)."""
    event = state.events[index]
    findings = state.findings_for(index)
    raw = {
        "events": [event.model_dump(mode="json", exclude={"capture_time"})],
        "findings": [f.model_dump(mode="json") for f in findings],
    }
    shown = neutralise_all(redact_report(raw, findings, state.settings.show_values))
    return shown["events"][0], shown["findings"]


def _counts(findings: list[dict[str, Any]]) -> Text:
    counts = Counter(f["severity"] for f in findings)
    text = Text()
    for severity in SEVERITIES:
        if counts.get(severity):
            text.append(f"{counts[severity]}{severity[0].upper()} ", SEVERITY_STYLE[severity])
    return text


def _key_params(event: dict[str, Any]) -> str:
    props = event.get("properties") or {}
    parts = [f"{k}={props[k]}" for k in KEY_PARAMS if k in props]
    if event.get("action") and event["action"].get("inner_text"):
        parts.append(f'"{event["action"]["inner_text"]}"')
    return " ".join(str(p) for p in parts)


_LINE_FINDINGS = 3


def _line_fields(event: PixelEvent) -> dict[str, Any]:
    """Only what the one-line view prints: redacting a whole event (a 1 MB payload, thousands
    of findings) for one line would cost far more than the line is worth."""
    props = event.properties if isinstance(event.properties, dict) else {}
    action = event.action
    return {
        "kind": event.kind,
        "pixel_code": event.pixel_code,
        "event": event.event,
        "properties": {k: props[k] for k in KEY_PARAMS if k in props},
        "action": {"inner_text": action.inner_text} if action and action.inner_text else None,
        "decode_error": event.decode_error,
    }


_LINE_PLACES = tuple(f"properties.{k}" for k in KEY_PARAMS) + (
    "auto_collected_properties.trigger_element.inner_text",
    "event",
    "action",
    "context.pixel",  # the code the line prints (it can be anything a page sent)
    "sdkid",
)


def event_line(state: LiveState, index: int) -> str:
    """The one-line form used when stdout is not a terminal: the event, its key parameters
    and its findings by rule id and field (`HIGH sensitive-email context.page.url?email`)."""
    raw = state.events[index]
    findings = state.findings_for(index)
    ranked = sorted(findings, key=lambda f: SEVERITIES.index(f.severity))
    named = ranked[:_LINE_FINDINGS]
    # Mask with the findings of what the line shows: a body with thousands of findings must
    # not cost thousands of masks for one line.
    relevant = [f for f in findings if f.location.startswith(_LINE_PLACES)] + named
    shown = redact_report(
        {
            "events": [_line_fields(raw)],
            "findings": [
                {
                    "severity": f.severity,
                    "rule": f.rule,
                    "location": f.location,
                    "outcome": f.outcome,
                }
                for f in named
            ],  # fmt: skip
        },
        relevant,
        state.settings.show_values,
    )
    event, shown_named = neutralise_all(shown["events"][0]), neutralise_all(shown["findings"])
    stamp = time.strftime("%H:%M:%S", time.localtime(raw.capture_time or time.time()))
    name = event.get("event") or ("script" if event["kind"] == "script" else "-")
    line = f"{stamp} {event['kind']:10} {event.get('pixel_code') or '-':20} {name}"
    params = _key_params(event)
    if params:
        line += f"  {params}"
    if event.get("decode_error"):
        line += f"  DECODE ERROR: {event['decode_error']}"
    counts = Counter(f.severity for f in findings)
    summary = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts.get(s)) or "no findings"
    listed = "; ".join(
        f"{f['severity'].upper()} {f['rule']} {f['location']}"
        + (f" [{f['outcome']}: never reached TikTok]" if f.get("outcome") != "sent" else "")
        for f in shown_named
    )
    if len(ranked) > _LINE_FINDINGS:
        listed += f"; +{len(ranked) - _LINE_FINDINGS} more"
    return f"{line}  [{summary}]" + (f"  {listed}" if listed else "")


# --------------------------------------------------------------------------- renderables


def _pixels_panel(state: LiveState) -> Panel:
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(overflow="ellipsis", no_wrap=True)
    page = next((p for p in state.audit.result.session.pages if p.url == state.current_page), None)
    findings = state.audit.result.findings
    masker = None if state.settings.show_values else Masker(findings)
    if page is None or not page.pixels:
        table.add_row(Text("waiting for pixel traffic…", style="dim"), Text(""), Text(""))
    else:
        for code, entry in page.pixels.items():
            indices = entry.loads + entry.events
            severities = [f.severity for i in indices for f in state.findings_for(i)]
            errors = sum(1 for i in entry.events if state.events.facts[i].decode_error)
            status = pixel_status(severities, errors)
            table.add_row(
                Text("●", style=STATUS_STYLE[status]),
                Text(neutralise(redact_value(code, masker)), style="bold"),
                Text(f"{len(entry.loads)} load(s), {len(entry.events)} event(s)"),
            )
    page_url = redact_value(state.current_page, masker)
    title = Text(f"Pixels on {neutralise(page_url) or 'this page'}")
    return Panel(table, title=title, title_align="left", border_style="blue")


def _events_table(state: LiveState, rows: int) -> Table:
    table = Table(expand=True, box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("time", no_wrap=True, width=8)
    table.add_column("pixel", no_wrap=True, overflow="ellipsis", max_width=20, ratio=2)
    table.add_column("event", no_wrap=True, overflow="ellipsis", ratio=2)
    table.add_column("parameters", no_wrap=True, overflow="ellipsis", ratio=4)
    table.add_column("findings", no_wrap=True, width=12)
    shown = [i for i, e in enumerate(state.events.facts) if e.kind != "script"][-max(rows, 1) :]
    for index in shown:
        event, findings = shown_event(state, index)
        stamp = time.strftime(
            "%H:%M:%S", time.localtime(state.events.facts[index].capture_time or time.time())
        )
        name = event.get("event") or "-"
        style = "bold red" if event.get("decode_error") else ""
        table.add_row(  # every cell a Text: a plain str cell would be parsed as markup
            Text(stamp),
            Text(event.get("pixel_code") or "-"),
            Text(name, style=style or "cyan"),
            Text(_key_params(event) or ("decode error" if event.get("decode_error") else "")),
            _counts(findings),
        )
    return table


def _details(state: LiveState) -> RenderableType:
    candidates = [i for i, e in enumerate(state.events.facts) if e.kind != "script"]
    if not candidates:
        return Text("No event yet. Browse the site through the proxy.", style="dim")
    index = candidates[-1]
    event, findings = shown_event(state, index)
    tree = Tree(Text.assemble((event.get("event") or "-", "bold cyan"), f"  #{index}"))
    sections = [
        ("parameters", event.get("properties")),
        ("advanced matching", event.get("user")),
        ("cookies", event.get("cookies")),
        ("clicked", event.get("action")),
    ]
    for title, data in sections:
        if data:
            branch = tree.add(Text(title, style="bold green"))
            for key, value in data.items() if isinstance(data, dict) else []:
                if value not in (None, "", {}, []):
                    branch.add(Text(f"{key}: {value}"))  # Text: page text is never markup
    for finding in findings:
        tree.add(finding_line(finding))
    return tree


def _status_line(state: LiveState) -> Text:
    settings = state.settings
    counts = Counter(f.severity for f in state.audit.result.findings)
    text = Text.assemble(
        (" pixelhelper ", "bold reverse"),
        f" {settings.listen}  mode ",
        (settings.mode, "bold"),
        f"  flows {state.flows_seen}  events {len(state.events)}",
    )
    if state.blocked:
        text.append(f"  blocked {state.blocked}")
    if state.redacted:
        text.append(f"  redacted {state.redacted}")
    text.append("  findings")
    for severity in SEVERITIES:
        if counts.get(severity):
            text.append(f" {counts[severity]}{severity[0].upper()}", SEVERITY_STYLE[severity])
    if not counts:
        text.append(" 0")
    if settings.save:
        text.append(f"  saving {settings.save}", "dim")
    return text


def render_live(state: LiveState, height: int = 24) -> RenderableType:
    """The whole live screen for a terminal of `height` lines (any width)."""
    with state.lock:
        pixels = _pixels_panel(state)
        pixel_rows = (
            max(1, len(pixels.renderable.rows)) if isinstance(pixels.renderable, Table) else 1
        )
        pixels_height = min(pixel_rows + 2, max(3, height // 4))
        rest = max(height - pixels_height - 1, 6)
        table_height = max(rest // 2, 3)
        layout = Layout()
        layout.split_column(
            Layout(pixels, name="pixels", size=pixels_height),
            Layout(
                Panel(_events_table(state, table_height - 3), title="Events", title_align="left",
                      border_style="blue"),
                name="events",
                size=table_height,
            ),
            Layout(Panel(_details(state), title="Latest event", title_align="left",
                         border_style="blue"), name="details"),
            Layout(_status_line(state), name="status", size=1),
        )  # fmt: skip
        notes = [Text(neutralise(n), style="yellow") for n in state.notes]
        if notes:
            layout["details"].update(
                Panel(Group(_details(state), *notes), title="Latest event", title_align="left",
                      border_style="blue")
            )  # fmt: skip
        return layout
