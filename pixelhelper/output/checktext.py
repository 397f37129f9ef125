"""What `pixelhelper check` prints: a one-line count, the verdict, and each failing finding
(page, pixel, event, field, value), wrapped at word boundaries with a hanging indent. The whole
audit comes before it only with `--verbose`."""

from __future__ import annotations

import textwrap
from typing import Any

from pixelhelper.output.findings import rows, verdict
from pixelhelper.output.terminal import neutralise


def render(report: dict[str, Any], width: int = 100) -> str:
    """Plain text: the verdict, the failing findings (page, pixel, event, field), the rest."""
    found = rows(report)
    policy = report.get("policy") or {}
    failing = [row for row in found if row.failing]
    outcome = verdict(report).upper()
    source = policy.get("file") or "the default policy"
    threshold = policy.get("fail_on")
    sources = report.get("sources") or []
    lines = [
        f"pixelhelper check  {len(sources)} source(s), {len(report.get('events') or [])} "
        f"event(s), {len(found)} finding(s)",
        f"Policy ({neutralise(str(source))}, fail on {threshold}): {outcome}",
    ]
    journey = report.get("journey")
    if isinstance(journey, dict):
        lines.append(journey_line(journey))
    baseline = policy.get("baseline") or {}
    if baseline.get("unchanged") or baseline.get("fixed"):
        lines.append(f"  baseline: {baseline.get('new', 0)} new, {baseline.get('unchanged', 0)} "
                     f"unchanged, {baseline.get('fixed', 0)} fixed")  # fmt: skip
    for row in failing:
        parts = (f"pixel {row.pixel}" if row.pixel else "",
                 f"event {row.event}" if row.event else "",
                 f"field {row.location}" if row.location else "")  # fmt: skip
        where = " ".join(part for part in parts if part)
        lines.append(f"  FAIL {row.severity:8} {row.rule}: {row.message}")
        lines.append(f"       {row.page or '(no page)'}  {where}")
        if row.value:
            lines.append(f"       value: {row.value}")
    ignored = [row for row in found if row.ignored]
    if ignored:
        lines.append(f"  {len(ignored)} finding(s) accepted by [[ignore]] entries")
    passing = len(found) - len(failing) - len(ignored)
    lines.append(f"  {len(failing)} failing, {len(ignored)} accepted, {passing} below the bar")
    return "\n".join(_wrapped(neutralise(line), width) for line in lines) + "\n"


def _wrapped(line: str, width: int) -> str:
    """A line wrapped at word boundaries, its continuation under the text it continues."""
    if len(line) <= width:
        return line
    stripped = line.lstrip(" ")
    indent = " " * (len(line) - len(stripped))
    hanging = indent + ("     " if stripped.startswith("FAIL ") else "  ")
    return textwrap.fill(stripped, width, initial_indent=indent, subsequent_indent=hanging,
                         break_long_words=False, break_on_hyphens=False)  # fmt: skip


def journey_line(journey: dict[str, Any]) -> str:
    """`  journey "Checkout": completed, 15 steps` (or the step that failed, and why)."""
    steps = [s for s in journey.get("steps") or [] if isinstance(s, dict)]
    text = f"  journey {neutralise(str(journey.get('name')))!r}: {journey.get('status')}"
    failed = next((s for s in steps if s.get("status") == "failed"), None)
    if failed is None:
        return f"{text}, {len(steps) - 1} step(s)"
    what = neutralise(f"{failed.get('kind')} {failed.get('target')}: {failed.get('error')}")
    return f"{text} at step {failed.get('index')} ({what})"
