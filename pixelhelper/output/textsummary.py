"""The default text report, written to be read: a summary first, then one card per page, then
each rule's explanation once.

- Summary: the pixels and their status, events by type, findings by rule with counts and the
  pages where they occur.
- Pages: each event on one line, its parameters, matching and auto-collected data as one JSON
  line each, and one line per finding (`HIGH sensitive-health properties.content_name = ...`).
  What repeats on every event of a page (user agent, IP, cookies, library) is printed once per
  page, and again only where it changes.
- Findings: each rule that fired, once, with its explanation and fix.

Values are JSON (never Python reprs); lines that must stay one line are cut with an ellipsis,
and wrapped text keeps its indentation at any width.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from rich.console import RenderableType
from rich.text import Text

from pixelhelper.output.textconsent import consent_section
from pixelhelper.output.textjourney import journey_section
from pixelhelper.output.textparts import (
    CONTEXT_KEYS,
    SEVERITY_STYLE,
    STATUS_STYLE,
    headline,
    line,
    matching_lines,
    matching_summary,
    pixel_status,
)
from pixelhelper.output.textrules import explanations
from pixelhelper.severity import SEVERITIES

MAX_VALUE = 60
MAX_PAGES_LISTED = 3


def as_json(value: Any) -> str:
    """A value as compact JSON (strings quoted), never a Python repr."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    except (TypeError, ValueError):
        return json.dumps(str(value), ensure_ascii=False)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def _path(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return parts.path or "/"


def renderables(report: dict[str, Any]) -> Iterator[RenderableType]:
    """The report, renderable by renderable."""
    events = report["events"]
    by_event: dict[int, list[dict[str, Any]]] = defaultdict(list)
    loose: list[dict[str, Any]] = []
    for finding in report["findings"]:
        if isinstance(finding.get("event"), int) and 0 <= finding["event"] < len(events):
            by_event[finding["event"]].append(finding)
        else:
            loose.append(finding)
    yield from _header(report)
    yield from _summary(report, by_event)
    hits = [e for e in events if e["kind"] != "script"]
    vendor = _main_vendor(hits)
    hits = [e for e in hits if e.get("vendor", "tiktok") == vendor] or hits
    session = _context(hits[0]) if hits else {}
    if session:
        yield line(
            2,
            ("collected with the hits: ", "bold green"),
            ", ".join(f"{k} {as_json(v)}" for k, v in session.items()),
            wrap=True,
        )
    seen: dict[str, str] = {}  # matching data last shown: printed again only when it changes
    for page in report["pages"]:
        yield from _page(page, events, by_event, session, seen, vendor)
    if loose:
        yield line(0, ("Session findings", "bold"))
        for finding in loose:
            yield _finding_line(2, finding)
    yield from _forms(report)
    yield from consent_section(report)
    yield from journey_section(report)
    yield from explanations(report)
    summary = report["summary"]
    counts = ", ".join(f"{n} {s}" for s, n in summary["findings"].items() if n) or "none"
    yield line(
        0, (f"Findings: {counts}. Decode errors: {summary['decode_errors']}.", "bold"), wrap=True
    )


def _forms(report: dict[str, Any]) -> Iterator[RenderableType]:
    """`scan --fill`: what was typed where, so a page without a leak shows it was tried."""
    forms = report.get("forms") or []
    if not forms:
        return
    yield line(0, ("Forms filled", "bold"))
    identity = report.get("identity") or {}
    if identity:
        typed = ", ".join(f"{k} {as_json(v)}" for k, v in (identity.get("values") or {}).items())
        yield line(2, ("test identity: ", "bold"), typed, f" ({identity.get('file')})", wrap=True)
    for page in forms:
        sent = f"  (submitted: {', '.join(page['submitted'])})" if page.get("submitted") else ""
        yield line(2, page.get("page") or "(page)", sent, wrap=True)
        for item in page.get("fields") or []:
            yield line(4, (str(item.get("selector")), "bold"),
                       f"  {item.get('classified_as')} = {as_json(item.get('value'))}",
                       wrap=True)  # fmt: skip
        if not page.get("fields"):
            yield line(4, ("no identity field found", "dim"))


def _header(report: dict[str, Any]) -> Iterator[RenderableType]:
    title, counts = headline(report)
    yield line(0, (title, "bold"), counts, wrap=True)
    for source in report["sources"]:
        yield line(
            2,
            f"{source['path']}: {source['flows']} flows, {source['pixel_requests']} pixel requests",
            wrap=True,
        )
        for error in source.get("errors") or []:
            yield line(4, (f"ERROR: {error}", "bold red"), wrap=True)
        for warning in source.get("warnings") or []:
            yield line(4, (f"warning: {warning}", "yellow"), wrap=True)


def _pixel_severities(
    report: dict[str, Any], by_event: dict[int, list[dict[str, Any]]]
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    events = report["events"]
    for index, findings in by_event.items():
        code = events[index].get("pixel_code")
        if code:
            out[code] += [f["severity"] for f in findings]
    for finding in report["findings"]:
        if finding.get("event") is None and finding.get("pixel_code"):
            out[finding["pixel_code"]].append(finding["severity"])
    return out


def _summary(
    report: dict[str, Any], by_event: dict[int, list[dict[str, Any]]]
) -> Iterator[RenderableType]:
    events = report["events"]
    yield Text("")
    yield line(0, ("Summary", "bold underline"))
    severities = _pixel_severities(report, by_event)
    pages_of: dict[str, int] = Counter()
    for page in report["pages"]:
        for pixel in page["pixels"]:
            pages_of[pixel["code"]] += 1
    for pixel in report["pixels"]:
        code = pixel["code"]
        errors = sum(1 for e in events if e.get("pixel_code") == code and e.get("decode_error"))
        status = pixel_status(severities.get(code, []), errors)
        vendor = VENDOR_NAMES.get(str(pixel.get("vendor") or "tiktok"), str(pixel.get("vendor")))
        yield line(
            2,
            ("● ", STATUS_STYLE[status]),
            (code, "bold"),
            (f"  {vendor}", "dim"),
            (f"  {status.upper()}", STATUS_STYLE[status]),
            f"  {pixel.get('loads', 0)} load(s), {pixel.get('events', 0)} event(s) on "
            f"{pages_of.get(code, 0)} page(s)",
        )
        matching = matching_summary(pixel)
        if matching:
            yield line(4, (matching, "green"), wrap=True)
    names = Counter(e.get("event") or f"({e['kind']})" for e in events)
    kinds = Counter(e["kind"] for e in events)
    yield line(
        2,
        ("events: ", "bold"),
        ", ".join(f"{name} {n}" for name, n in names.most_common()) or "none",
        f"   ({', '.join(f'{k} {n}' for k, n in kinds.most_common())})" if kinds else "",
        wrap=True,
    )
    yield from _by_rule(report)


def _by_rule(report: dict[str, Any]) -> Iterator[RenderableType]:
    """One line per rule and severity (a rule's findings can differ in severity: a health term
    on a clicked button is critical, in a page title high), worst first."""
    events = report["events"]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for finding in report["findings"]:
        groups[(finding["rule"], finding["severity"])].append(finding)
    if not groups:
        yield line(2, ("findings: none", "bold green"))
        return
    yield line(2, ("findings by rule:", "bold"))
    width = max(len(rule) for rule, _severity in groups)
    order = sorted(groups, key=lambda key: (SEVERITIES.index(key[1]), key[0]))
    for rule, severity in order:
        found = groups[(rule, severity)]
        pages = []
        for finding in found:
            index = finding.get("event")
            if isinstance(index, int) and 0 <= index < len(events):
                path = _path(events[index].get("page_url") or "")
                if path and path not in pages:
                    pages.append(path)
        where = ", ".join(pages[:MAX_PAGES_LISTED])
        if len(pages) > MAX_PAGES_LISTED:
            where += f" (+{len(pages) - MAX_PAGES_LISTED} more)"
        yield line(
            4,
            (f"{severity.upper():8}", SEVERITY_STYLE.get(severity, "")),
            (f" {rule:{width}}", "bold"),
            f"  x{len(found):<3}",
            f" on {where}" if where else "",
            wrap=True,
        )


VENDOR_NAMES = {"tiktok": "TikTok", "meta": "Meta"}


def _main_vendor(hits: list[dict[str, Any]]) -> str:
    """The vendor most hits are for: whose request context the summary shows once."""
    counted = Counter(str(e.get("vendor") or "tiktok") for e in hits)
    return counted.most_common(1)[0][0] if counted else "tiktok"


def _context(event: dict[str, Any]) -> dict[str, Any]:
    return {key: event.get(key) for key in CONTEXT_KEYS if event.get(key) not in (None, "", {}, [])}


def _page(
    page: dict[str, Any],
    events: list[dict[str, Any]],
    by_event: dict[int, list[dict[str, Any]]],
    session: dict[str, Any],
    seen: dict[str, str],
    vendor: str = "tiktok",
) -> Iterator[RenderableType]:
    yield Text("")
    visit = f" (visit {page['visit'] + 1})" if page.get("visit") else ""
    yield line(0, ("Page ", "bold"), (page.get("url") or "(unknown page)") + visit, wrap=True)
    indices = sorted(
        {i for p in page["pixels"] for i in [*p["loads"], *p["events"]]}
        | set(page.get("other") or [])
    )
    shared = dict(session)
    hits = [events[i] for i in indices if events[i]["kind"] != "script"]
    hits = [e for e in hits if e.get("vendor", "tiktok") == vendor] or hits
    if hits:  # what this page's hits carry differently from the session's first hit
        first = _context(hits[0])
        differs = {k: v for k, v in first.items() if session.get(k) != v}
        gone = [k for k in session if k not in first]
        if differs or gone:
            shown = [f"{k} {as_json(v)}" for k, v in differs.items()] + [f"no {k}" for k in gone]
            yield line(2, ("collected: ", "bold green"), ", ".join(shown), wrap=True)
        shared = first
    code_of = {i: p["code"] for p in page["pixels"] for i in [*p["loads"], *p["events"]]}
    for pixel in page["pixels"]:
        if pixel.get("listed"):
            yield line(
                2,
                (
                    f"{pixel['code']} listed in context.pixel.codes by "
                    f"{len(pixel['listed'])} hit(s)",
                    "dim",
                ),
            )
    current = dict(shared)
    grouped = _repeated(indices, by_event)
    for (rule, location), numbers in grouped.items():
        finding = next(
            f for f in by_event[numbers[0]] if (f["rule"], f.get("location")) == (rule, location)
        )
        listed = ", ".join(f"#{i}" for i in numbers)
        yield line(
            4,
            (f"{finding['severity'].upper():8}", SEVERITY_STYLE.get(finding["severity"], "")),
            (f" {rule}", "bold"),
            f"  {location or ''}",
            (f"  on {len(numbers)} hits: {listed}", "dim"),
        )
    for index in indices:
        event = events[index]
        yield _event_line(index, event, code_of.get(index))
        if event["kind"] != "script":
            changed = {k: v for k, v in _context(event).items() if current.get(k) != v}
            if changed:
                yield line(
                    6,
                    ("changed: ", "yellow"),
                    ", ".join(f"{k} {as_json(v)}" for k, v in changed.items()),
                )
                current.update(changed)
        yield from _details(event, seen)
        for finding in by_event.get(index, []):
            if (finding["rule"], finding.get("location")) not in grouped:
                yield _finding_line(6, finding)


REPEAT = 3  # a finding on this many hits of a page, at the same field, is printed once for all


def _repeated(
    indices: list[int], by_event: dict[int, list[dict[str, Any]]]
) -> dict[tuple[str, Any], list[int]]:
    """(rule, field) -> the hits of the page that have it, when it repeats without a value of
    its own (a setup problem of every hit, not a leak with its own evidence)."""
    hits: dict[tuple[str, Any], list[int]] = defaultdict(list)
    for index in indices:
        for finding in by_event.get(index, []):
            if finding.get("type") == "setup" or finding["severity"] in ("low", "info"):
                key = (finding["rule"], finding.get("location"))
                if index not in hits[key]:
                    hits[key].append(index)
    return {key: numbers for key, numbers in hits.items() if len(numbers) >= REPEAT}


def _event_line(index: int, event: dict[str, Any], code: str | None) -> RenderableType:
    stamp = (event.get("timestamp") or "")[11:23]
    name = event.get("event") or ("(script load)" if event["kind"] == "script" else "(no name)")
    parts: list[str | tuple[str, str]] = [
        (f"#{index} ", "dim"),
        (f"{stamp} ", "dim"),
        (name, "bold cyan"),
        (f"  [{event['kind']}]", "dim"),
    ]
    if code:
        parts.append((f"  {code}", "dim"))
    if event["kind"] == "script":
        parts.append((f"  {event.get('endpoint')}", "dim"))
    if event.get("via"):  # a first-party proxy: the host it went through
        parts.append((f"  via {event.get('via_host') or event['via']}", "yellow"))
    if event.get("event_id"):
        parts.append(f"  event_id={as_json(event['event_id'])}")
    if event.get("decode_error"):
        parts.append((f"  DECODE ERROR: {event['decode_error']}", "bold red"))
    return line(4, *parts)


def _details(event: dict[str, Any], seen: dict[str, str]) -> Iterator[RenderableType]:
    """Parameters always; matching data and TikTok's status only when they change."""
    if event.get("properties"):
        yield line(6, ("properties ", "green"), as_json(event["properties"]))
    for label, shown in (
        ("matching ", as_json(event["user"]) if event.get("user") else ""),
        ("TikTok matching status ", "; ".join(matching_lines(event))),
    ):
        if shown and seen.get(label) != shown:
            yield line(6, (label, "green"), shown)
        if event["kind"] != "script":
            seen[label] = shown
    action = event.get("action")
    if isinstance(action, dict):
        collected = {k: v for k, v in action.items() if v not in (None, {}, "", [])}
        if collected:
            yield line(6, ("auto-collected ", "green"), as_json(collected))
    for warning in event.get("warnings") or []:
        yield line(6, (f"warning: {warning}", "yellow"))


def _finding_line(indent: int, finding: dict[str, Any]) -> RenderableType:
    severity = finding["severity"]
    parts: list[str | tuple[str, str]] = [
        (f"{severity.upper():8}", SEVERITY_STYLE.get(severity, "")),
        (f" {finding['rule']}", "bold"),
        f"  {finding.get('location') or ''}",
    ]
    if finding.get("value"):
        parts.append((f" = {_cut(as_json(finding['value']), MAX_VALUE)}", "magenta"))
    if finding.get("outcome") in ("blocked", "redacted"):
        parts.append((f"  [{finding['outcome']}: never reached TikTok]", "bold green"))
    return line(indent, *parts, wrap=True)  # the value is what matters: never cut off
