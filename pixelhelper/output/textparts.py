"""What the text report, its verbose form, the HTML report and the live views share: severity
and status styles, the report's headline, a pixel's status, matching lines and finding lines,
and the keys of what every hit carries. The renderers import this module; it imports none of
them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import RenderableType
from rich.padding import Padding
from rich.text import Text
from rich.tree import Tree

CONTEXT_KEYS = (
    "user_agent",
    "ip",
    "cookies",
    "library",
    "ttclid",
    "event_source",
    "test_event_code",
)
"""What every hit of a page carries (printed once per page, again where it changes)."""

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


def headline(report: dict[str, Any]) -> tuple[str, str]:
    """The report's first line: what made it (`pixelhelper audit`, `pixelhelper live`) and
    what it holds (a live session reads no capture file: no source count)."""
    command = str((report.get("run") or {}).get("command") or "audit")
    summary = report["summary"]
    counts = [f"{summary['events']} event(s)", f"{len(report['pixels'])} pixel(s)",
              f"{len(report['findings'])} finding(s)"]  # fmt: skip
    if report["sources"] or command != "live":
        counts.insert(0, f"{len(report['sources'])} source(s)")
    return f"pixelhelper {command}", "  " + ", ".join(counts)


def pixel_status(severities: Sequence[str], decode_errors: int = 0) -> str:
    """green / amber / red, like the extension's icon: red for errors, amber for warnings."""
    if decode_errors or _RED & set(severities):
        return "red"
    if _AMBER & set(severities):
        return "amber"
    return "green"


def short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def add_mapping(tree: Tree, data: Any, depth: int = 0) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict | list) and value and depth < 3:
                branch = tree.add(Text(str(key), style="bold"))
                add_mapping(branch, value, depth + 1)
            else:
                tree.add(Text.assemble((f"{key}: ", "bold"), short(value)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            if isinstance(value, dict | list) and value and depth < 3:
                add_mapping(tree.add(Text(f"[{i}]", style="bold")), value, depth + 1)
            else:
                tree.add(Text.assemble((f"[{i}] ", "bold"), short(value)))


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
        line.append(f"  = {short(finding['value'], 80)}", style="magenta")
    line.append(f"\n          {finding['message']}", style="italic")
    return line


def line(indent: int, *parts: str | tuple[str, str], wrap: bool = False) -> RenderableType:
    """One line of text at `indent`: cut to the width (one line), or wrapped under itself."""
    text = Text.assemble(*parts)
    if not wrap:
        text.no_wrap = True
        text.overflow = "ellipsis"
    return Padding(text, (0, 0, 0, indent), expand=False)
