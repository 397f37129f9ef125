"""The human report: per page, each pixel with a status colour, its loads and events in order,
parameters as a tree, and findings under the event (or pixel) they belong to.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from pixelhelper.output.terminal import neutralise_all

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}
STATUS_STYLE = {"red": "bold red", "amber": "bold yellow", "green": "bold green"}
_RED = {"critical", "high"}
_AMBER = {"medium", "low"}


def pixel_status(severities: Sequence[str], decode_errors: int = 0) -> str:
    """green / amber / red, like the extension's icon: red for errors, amber for warnings."""
    if decode_errors or _RED & set(severities):
        return "red"
    if _AMBER & set(severities):
        return "amber"
    return "green"


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _add_mapping(tree: Tree, data: Any, depth: int = 0) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict | list) and value and depth < 3:
                branch = tree.add(Text(str(key), style="bold"))
                _add_mapping(branch, value, depth + 1)
            else:
                tree.add(Text.assemble((f"{key}: ", "bold"), _short(value)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            if isinstance(value, dict | list) and value and depth < 3:
                _add_mapping(tree.add(Text(f"[{i}]", style="bold")), value, depth + 1)
            else:
                tree.add(Text.assemble((f"[{i}] ", "bold"), _short(value)))


def matching_lines(event: dict[str, Any]) -> list[str]:
    """TikTok's own advanced-matching diagnostics of one event, as the extension shows them:
    the label of every match key, and how the SDK received each identity."""
    lines = []
    for key, verdict in (event.get("signal_diagnostics") or {}).items():
        if isinstance(verdict, dict):
            label = verdict.get("label", "?")
            extra = verdict.get("abnormal_types") or []
            lines.append(f"{key}: {label}" + (f" ({', '.join(map(str, extra))})" if extra else ""))
        else:
            lines.append(f"{key}: {verdict}")
    identity = (event.get("inspection") or {}).get("identity_params")
    for key, tokens in identity.items() if isinstance(identity, dict) else []:
        shown = ", ".join(map(str, tokens)) if isinstance(tokens, list) else str(tokens)
        if shown:
            lines.append(f"_inspection {key}: {shown}")
    return lines


def matching_summary(pixel: dict[str, Any]) -> str:
    """One line per pixel: how TikTok labelled its match keys over the session."""
    signals = (pixel.get("advanced_matching") or {}).get("signals") or {}
    parts = []
    for key, labels in signals.items():
        counts = ", ".join(f"{label} x{n}" for label, n in labels.items())
        parts.append(f"{key} {counts}")
    return "advanced matching: " + "; ".join(parts) if parts else ""


def finding_line(finding: dict[str, Any]) -> Text:
    """One finding as a single styled line."""
    style = SEVERITY_STYLE.get(finding["severity"], "")
    line = Text.assemble(
        (f"{finding['severity'].upper():8}", style),
        " ",
        (finding["rule"], "bold"),
        f"  {finding['location']}",
    )
    if finding.get("value"):
        line.append(f"  = {_short(finding['value'], 80)}", style="magenta")
    line.append(f"\n          {finding['message']}", style="italic")
    return line


def event_label(index: int, event: dict[str, Any]) -> Text:
    """The headline of an event: time, kind, name and the identifiers that matter."""
    stamp = (event.get("timestamp") or "")[11:23]
    name = event.get("event") or ("(script load)" if event["kind"] == "script" else "(no name)")
    label = Text.assemble((f"#{index} ", "dim"), (f"{stamp} ", "dim"), (name, "bold cyan"))
    label.append(f"  [{event['kind']}]", style="dim")
    if event["kind"] == "script":
        label.append(f"  {event['endpoint']}", style="dim")
    if event.get("event_id"):
        label.append(f"  event_id={event['event_id']}")
    if event.get("decode_error"):
        label.append(f"  DECODE ERROR: {event['decode_error']}", style="bold red")
    return label


def event_tree(index: int, event: dict[str, Any], findings: list[dict[str, Any]]) -> Tree:
    """An event with its parameters, identity data, cookies and findings."""
    tree = Tree(event_label(index, event))
    if event.get("properties"):
        _add_mapping(tree.add(Text("properties", style="bold green")), event["properties"])
    if event.get("user"):
        _add_mapping(tree.add(Text("advanced matching (user)", style="bold green")), event["user"])
    matching = matching_lines(event)
    if matching:
        branch = tree.add(Text("TikTok matching status", style="bold green"))
        for line in matching:
            branch.add(Text(line))
    action = event.get("action")
    if action:
        shown = {k: v for k, v in action.items() if v not in (None, {}, "")}
        _add_mapping(tree.add(Text("auto-collected", style="bold green")), shown)
    context = {
        "ttclid": event.get("ttclid"),
        "ip": event.get("ip"),
        "user_agent": event.get("user_agent"),
        "cookies": event.get("cookies") or None,
        "library": event.get("library"),
        "event_source": event.get("event_source"),
        "test_event_code": event.get("test_event_code"),
    }
    context = {k: v for k, v in context.items() if v}
    if context and event["kind"] != "script":
        _add_mapping(tree.add(Text("collected", style="bold green")), context)
    for warning in event.get("warnings") or []:
        tree.add(Text(f"warning: {warning}", style="yellow"))
    for finding in findings:
        tree.add(finding_line(finding))
    return tree


def _renderables(report: dict[str, Any]) -> list[RenderableType]:
    events = report["events"]
    by_event: dict[int, list[dict[str, Any]]] = {}
    by_pixel: dict[str, list[dict[str, Any]]] = {}
    loose: list[dict[str, Any]] = []
    for finding in report["findings"]:
        if finding.get("event") is not None:
            by_event.setdefault(finding["event"], []).append(finding)
        elif finding.get("pixel_code"):
            by_pixel.setdefault(finding["pixel_code"], []).append(finding)
        else:
            loose.append(finding)
    summary = report["summary"]
    out: list[RenderableType] = [
        Text.assemble(
            ("pixelhelper audit", "bold"),
            f"  {len(report['sources'])} source(s), {summary['events']} event(s), "
            f"{len(report['pixels'])} pixel(s), {len(report['findings'])} finding(s)",
        )
    ]
    for source in report["sources"]:
        line = Text(f"  {source['path']}: {source['flows']} flows, ")
        line.append(f"{source['pixel_requests']} pixel requests")
        for error in source["errors"]:
            line.append(f"\n    ERROR: {error}", style="bold red")
        out.append(line)
    pixel_info = {pixel["code"]: pixel for pixel in report["pixels"]}
    for page in report["pages"]:
        tree = Tree(Text.assemble(("Page ", "bold"), page["url"] or "(unknown page)"))
        for pixel in page["pixels"]:
            indices = pixel["loads"] + pixel["events"]
            sev = [f["severity"] for i in indices for f in by_event.get(i, [])]
            sev += [f["severity"] for f in by_pixel.get(pixel["code"], [])]
            errors = sum(1 for i in pixel["events"] if events[i].get("decode_error"))
            status = pixel_status(sev, errors)
            branch = tree.add(
                Text.assemble(
                    ("● ", STATUS_STYLE[status]),
                    (pixel["code"], "bold"),
                    (f"  {status.upper()}", STATUS_STYLE[status]),
                    f"  {len(pixel['loads'])} load(s), {len(pixel['events'])} event(s)",
                )
            )
            if pixel.get("listed"):
                branch.add(Text(f"listed in context.pixel.codes by {len(pixel['listed'])} hit(s)",
                                style="dim"))  # fmt: skip
            summary_line = matching_summary(pixel_info.get(pixel["code"], {}))
            if summary_line:
                branch.add(Text(summary_line, style="green"))
            for finding in by_pixel.get(pixel["code"], []):
                branch.add(finding_line(finding))
            for index in sorted(indices):
                branch.add(event_tree(index, events[index], by_event.get(index, [])))
        for index in page["other"]:
            tree.add(event_tree(index, events[index], by_event.get(index, [])))
        out.append(tree)
    if loose:
        out.append(Group(Text("Session findings", style="bold"), *map(finding_line, loose)))
    counts = ", ".join(f"{n} {s}" for s, n in summary["findings"].items() if n) or "none"
    out.append(
        Text(f"Findings: {counts}. Decode errors: {summary['decode_errors']}.", style="bold")
    )
    return out


def render(report: dict[str, Any], color: bool = False, width: int | None = None) -> str:
    """Render the text report; `color` adds ANSI styles and fits the terminal's width.

    Traffic text is neutralised first: no escape sequence from a page reaches the terminal.
    """
    report = neutralise_all(report)
    if width is None:
        width = shutil.get_terminal_size((120, 24)).columns if color else 120
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        legacy_windows=False,
        _environ={},
        highlight=False,
    )
    for renderable in _renderables(report):
        console.print(renderable)
    return buffer.getvalue()
