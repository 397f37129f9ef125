"""The verdict section that `pixelhelper check` prints after the text report."""

from __future__ import annotations

from typing import Any

from pixelhelper.output.findings import rows, verdict
from pixelhelper.output.terminal import neutralise


def render(report: dict[str, Any]) -> str:
    """Plain text: the verdict, the failing findings (page, pixel, event, field), the rest."""
    found = rows(report)
    policy = report.get("policy") or {}
    failing = [row for row in found if row.failing]
    outcome = verdict(report).upper()
    source = policy.get("file") or "the default policy"
    threshold = policy.get("fail_on")
    lines = ["", f"Policy ({neutralise(str(source))}, fail on {threshold}): {outcome}"]
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
    return "\n".join(neutralise(line) for line in lines) + "\n"
