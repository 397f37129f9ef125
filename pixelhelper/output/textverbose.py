"""The full per-event text report (`--verbose`): every event as a tree of its parameters,
identity data, auto-collected data, collected context and findings, each finding with its
message. The default text report (`text`) is the readable summary.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from pixelhelper.output.textconsent import consent_section
from pixelhelper.output.textjourney import journey_section
from pixelhelper.output.textparts import (
    STATUS_STYLE,
    add_mapping,
    finding_line,
    headline,
    matching_lines,
    matching_summary,
    pixel_status,
)


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
        add_mapping(tree.add(Text("properties", style="bold green")), event["properties"])
    if event.get("user"):
        add_mapping(tree.add(Text("advanced matching (user)", style="bold green")), event["user"])
    matching = matching_lines(event)
    if matching:
        branch = tree.add(Text("TikTok matching status", style="bold green"))
        for line in matching:
            branch.add(Text(line))
    action = event.get("action")
    if action:
        shown = {k: v for k, v in action.items() if v not in (None, {}, "")}
        add_mapping(tree.add(Text("auto-collected", style="bold green")), shown)
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
        add_mapping(tree.add(Text("collected", style="bold green")), context)
    for warning in event.get("warnings") or []:
        tree.add(Text(f"warning: {warning}", style="yellow"))
    for finding in findings:
        tree.add(finding_line(finding))
    return tree


def renderables(report: dict[str, Any]) -> list[RenderableType]:
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
    title, counts = headline(report)
    out: list[RenderableType] = [Text.assemble((title, "bold"), counts)]
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
    out.extend(consent_section(report))
    out.extend(journey_section(report))
    counts = ", ".join(f"{n} {s}" for s, n in summary["findings"].items() if n) or "none"
    out.append(
        Text(f"Findings: {counts}. Decode errors: {summary['decode_errors']}.", style="bold")
    )
    return out
