"""What the HTML report shows, computed from the redacted report: the template only lays it out.

Everything here is plain data (strings, numbers, lists); the template escapes every string on
output. Work is bounded whatever the capture holds: payload trees are cut at `MAX_ROWS` rows
per event and strings at `MAX_TEXT` characters.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pixelhelper.output.findings import Row, rows, verdict
from pixelhelper.output.textparts import CONTEXT_KEYS as TEXT_CONTEXT_KEYS
from pixelhelper.output.textparts import matching_lines, matching_summary, pixel_status
from pixelhelper.severity import SEVERITIES

MAX_ROWS = 400
MAX_TEXT = 2000
MAX_DEPTH = 40
SEVERITY_COLOURS = {
    "critical": "#8b0000",
    "high": "#d32f2f",
    "medium": "#ef8f00",
    "low": "#1e88e5",
    "info": "#757575",
}
KIND_COLOUR = "#455a64"
CONTEXT_KEYS = (*TEXT_CONTEXT_KEYS, "referrer")  # the page each hit came from


@dataclass
class Segment:
    text: str
    mark: str = ""  # the severity of the finding whose value this is ("" when not marked)


@dataclass
class TreeRow:
    depth: int
    key: str
    path: str
    segments: list[Segment]
    container: bool
    badges: list[Row] = field(default_factory=list)


@dataclass
class Bar:
    label: str
    count: int
    width: float
    colour: str


@dataclass
class EventView:
    index: int
    time: str
    name: str
    kind: str
    pixel: str
    event_id: str
    decode_error: str
    properties: str
    user: str
    status: list[str]
    context: list[tuple[str, str]]
    action: str
    tree: list[TreeRow]
    truncated: bool
    findings: list[Row]
    worst: str


@dataclass
class PageView:
    number: int
    url: str
    path: str
    visit: int
    pixels: list[str]
    events: list[EventView]
    worst: str
    severities: str
    categories: str
    rules: str


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _help(registry: Any, rule: str) -> str:
    return str(registry[rule].help) if rule in registry else ""


def _code_spans(paragraph: str) -> list[tuple[str, bool]]:
    """A help paragraph (our own text) as (text, is_code) pieces: `x` becomes code, not
    backticks shown literally; the template escapes every piece."""
    return [(piece, bool(number % 2)) for number, piece in enumerate(paragraph.split("`"))
            if piece]  # fmt: skip


def _worst(found: list[Row]) -> str:
    return min((row.severity for row in found), key=SEVERITIES.index, default="")


def bars(
    counts: Counter[str], colours: dict[str, str] | None = None, order: list[str] | None = None
) -> list[Bar]:
    """Horizontal bars for an inline SVG chart (widths in percent of the largest)."""
    keys = [k for k in (order or []) if counts.get(k)] or [k for k, _ in counts.most_common()]
    largest = max(counts.values(), default=0) or 1
    return [
        Bar(k, counts[k], round(100 * counts[k] / largest, 1), (colours or {}).get(k, KIND_COLOUR))
        for k in keys[:12]
    ]


def marked(text: str, needles: list[tuple[str, str]]) -> list[Segment]:
    """`text` cut into segments, the finding values in it marked with their severity."""
    text = text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
    spans: list[tuple[int, int, str]] = []
    for needle, severity in needles:
        if not needle:
            continue
        start = text.find(needle)
        while start >= 0 and len(spans) < 50:
            spans.append((start, start + len(needle), severity))
            start = text.find(needle, start + len(needle))
    spans.sort()
    out, last = [], 0
    for start, end, severity in spans:
        if start < last:
            continue
        if start > last:
            out.append(Segment(text[last:start]))
        out.append(Segment(text[start:end], severity))
        last = end
    if last < len(text) or not out:
        out.append(Segment(text[last:]))
    return out


def tree(payload: Any, found: list[Row]) -> tuple[list[TreeRow], bool]:
    """The decoded payload as indented rows; a finding's field carries its badge and its
    value is marked in place."""
    by_path: dict[str, list[Row]] = defaultdict(list)
    for row in found:
        by_path[row.location.split("?", 1)[0]].append(row)
    needles = [(row.value, row.severity) for row in found if row.value and len(row.value) >= 3]
    out: list[TreeRow] = []
    stack: list[tuple[int, str, str, Any]] = [(0, "payload", "", payload)]
    while stack and len(out) < MAX_ROWS:
        depth, key, path, value = stack.pop()
        container = isinstance(value, dict | list) and bool(value) and depth < MAX_DEPTH
        if container:
            shown: list[Segment] = []
        elif isinstance(value, str):
            shown = marked(json.dumps(value, ensure_ascii=False)[1:-1], needles)
        else:
            shown = marked(_json(value), needles)
        if path:
            out.append(TreeRow(depth - 1, key, path, shown, container, by_path.get(path, [])))
        if container:
            items = value.items() if isinstance(value, dict) else enumerate(value)
            children = []
            for child_key, child in items:
                if isinstance(value, dict):
                    child_path = f"{path}.{child_key}" if path else str(child_key)
                    label = str(child_key)
                else:
                    child_path, label = f"{path}[{child_key}]", f"[{child_key}]"
                children.append((depth + 1, label, child_path, child))
            stack.extend(reversed(children))
    return out, bool(stack)


def _context(event: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (key, _json(event[key]) if not isinstance(event[key], str) else event[key])
        for key in CONTEXT_KEYS
        if event.get(key) not in (None, "", {}, [])
    ]


def event_view(index: int, event: dict[str, Any], found: list[Row]) -> EventView:
    payload_tree, truncated = tree(event.get("payload"), found)
    action = event.get("action")
    shown_action = (
        {k: v for k, v in action.items() if v not in (None, {}, "", [])}
        if isinstance(action, dict)
        else {}
    )
    name = event.get("event") or ("script load" if event.get("kind") == "script" else "(no name)")
    return EventView(
        index=index,
        time=str(event.get("timestamp") or "")[11:23],
        name=str(name),
        kind=str(event.get("kind") or ""),
        pixel=str(event.get("pixel_code") or ""),
        event_id=str(event.get("event_id") or ""),
        decode_error=str(event.get("decode_error") or ""),
        properties=_json(event["properties"]) if event.get("properties") else "",
        user=_json(event["user"]) if event.get("user") else "",
        status=matching_lines(event),
        context=_context(event) if event.get("kind") != "script" else [],
        action=_json(shown_action) if shown_action else "",
        tree=payload_tree,
        truncated=truncated,
        findings=found,
        worst=_worst(found),
    )


def url_path(url: str) -> str:
    """The path of a page URL (what the page filter selects on)."""
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return url


def build(report: dict[str, Any], run: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the template needs."""
    from pixelhelper import __version__
    from pixelhelper.inspect import all_rules

    events = report.get("events") or []
    found = rows(report)
    by_event: dict[int, list[Row]] = defaultdict(list)
    loose: list[Row] = []
    for row, item in zip(found, report.get("findings") or [], strict=True):
        index = item.get("event")
        (by_event[index] if isinstance(index, int) and 0 <= index < len(events) else loose).append(
            row
        )
    pages = []
    for number, page in enumerate(report.get("pages") or []):
        indices = sorted(
            {i for p in page.get("pixels") or [] for i in [*p["loads"], *p["events"]]}
            | set(page.get("other") or [])
        )
        views = [event_view(i, events[i], by_event.get(i, [])) for i in indices if i < len(events)]
        page_rows = [row for view in views for row in view.findings]
        pages.append(
            PageView(
                number=number,
                url=str(page.get("url") or "(unknown page)"),
                path=url_path(str(page.get("url") or "")),
                visit=int(page.get("visit") or 0),
                pixels=[str(p.get("code")) for p in page.get("pixels") or []],
                events=views,
                worst=_worst(page_rows),
                severities=" ".join(sorted({r.severity for r in page_rows})),
                categories=" ".join(sorted({r.category for r in page_rows})),
                rules=" ".join(sorted({r.rule for r in page_rows})),
            )
        )
    severities_by_pixel: dict[str, list[str]] = defaultdict(list)
    for row in found:
        if row.pixel:
            severities_by_pixel[row.pixel].append(row.severity)
    pixels = [
        {
            "code": p.get("code"),
            "vendor": {"tiktok": "TikTok", "meta": "Meta"}.get(
                str(p.get("vendor") or "tiktok"), str(p.get("vendor"))
            ),
            "loads": p.get("loads", 0),
            "events": p.get("events", 0),
            "status": pixel_status(severities_by_pixel.get(str(p.get("code")), [])),
            "matching": matching_summary(p),
        }
        for p in report.get("pixels") or []
    ]
    stamps = sorted(str(e["timestamp"]) for e in events if e.get("timestamp"))
    registry = all_rules()
    fired = sorted(
        {row.rule for row in found},
        key=lambda r: (SEVERITIES.index(_worst([x for x in found if x.rule == r])), r),
    )
    rules = [
        {
            "id": r,
            "summary": registry[r].summary if r in registry else r,
            # the worst severity found in this report (a rule's default can differ)
            "severity": _worst([x for x in found if x.rule == r]),
            "help": [_code_spans(p) for p in _help(registry, r).split("\n\n")],
            "count": sum(1 for row in found if row.rule == r),
        }
        for r in fired
    ]
    policy = report.get("policy") or {}
    return {
        "verdict": verdict(report),
        "policy": policy,
        "version": __version__,
        "run": run or {},
        "sources": report.get("sources") or [],
        "span": (stamps[0], stamps[-1]) if stamps else None,
        "summary": report.get("summary") or {},
        "pixels": pixels,
        "pages": pages,
        "findings": sorted(
            found,
            key=lambda row: SEVERITIES.index(row.severity) if row.severity in SEVERITIES else 9,
        ),
        "loose": loose,
        "rules": rules,
        "charts": {
            "severity": bars(
                Counter(r.severity for r in found), SEVERITY_COLOURS, list(SEVERITIES)
            ),
            "category": bars(Counter(r.category for r in found)),
            "events": bars(Counter(str(e.get("event") or e.get("kind")) for e in events)),
        },
        "filters": {
            "severity": [s for s in SEVERITIES if any(r.severity == s for r in found)],
            "category": sorted({r.category for r in found}),
            "rule": sorted({r.rule for r in found}),
            "pixel": sorted({str(p.get("code")) for p in report.get("pixels") or []}),
            "page": sorted({page.path for page in pages}),
        },
        "colours": SEVERITY_COLOURS,
        "consent": consent_view(report),
        "journey": journey_view(report),
    }


def journey_view(report: dict[str, Any]) -> dict[str, Any] | None:
    """`--journey`: see `output.html.journey`."""
    from pixelhelper.output.html.journey import journey_view as view

    return view(report)


def consent_view(report: dict[str, Any]) -> dict[str, Any] | None:
    """`--consent`: a row per mode, and the matrix (pixel by mode: events before/after the
    choice and the verdict), as plain strings for the template."""
    from pixelhelper.output.textconsent import ACTION_TEXT, VERDICT_TEXT

    modes = [entry for entry in report.get("consent") or [] if isinstance(entry, dict)]
    if not modes:
        return None
    codes = sorted({str(code) for entry in modes for code in (entry.get("matrix") or {})})
    rows = []
    for code in codes:
        cells = []
        for entry in modes:
            cell = (entry.get("matrix") or {}).get(code)
            if not isinstance(cell, dict):
                cells.append({"text": "-", "verdict": "none"})
                continue
            verdict = str(cell.get("verdict"))
            words = VERDICT_TEXT.get(verdict, (verdict, ""))[0]
            counts = f"{cell.get('before_choice', 0)}/{cell.get('after_choice', 0)}"
            cells.append({"text": f"{counts} {words}", "verdict": verdict})
        rows.append({"code": code, "cells": cells})
    return {
        "modes": [
            {
                "mode": str(entry.get("mode")),
                "cmp": str(entry.get("cmp") or ("none found" if not entry.get("banner") else "?")),
                "action": ACTION_TEXT.get(str(entry.get("action")), str(entry.get("action"))),
                "counts": f"{entry.get('events_before_choice', 0)} / "
                f"{entry.get('events_after_choice', 0)}",
                "sdk": {None: "-", True: "yes", False: "no"}.get(
                    entry.get("sdk_loaded_before_choice"), "-"
                ),
            }
            for entry in modes
        ],
        "matrix": rows,
    }
