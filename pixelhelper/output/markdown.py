"""A Markdown summary short enough for a pull-request comment (GitHub allows 65,536
characters): the verdict, counts by severity and category, the failing findings with page,
pixel, event and field, and what is new or fixed against a baseline.

Traffic text is escaped so it cannot become markup, links, HTML or a broken table.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from pixelhelper.output.findings import Row, rows, verdict
from pixelhelper.output.terminal import neutralise
from pixelhelper.severity import SEVERITIES

MAX_ROWS = 100
MAX_CELL = 160
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def cell(text: str, limit: int = MAX_CELL) -> str:
    """Text safe in a table cell: no markup, links, HTML or line breaks."""
    text = neutralise(str(text)).replace("\r", " ").replace("\n", " ")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # `@name` would notify a GitHub user or team: a zero-width space after the `@`, written
    # as an entity (as Renovate and Dependabot do), keeps it text
    return _SPECIAL.sub(r"\\\1", text).replace("@", "@&#8203;")


def render(report: dict[str, Any], color: bool = False) -> str:
    """The summary as Markdown text."""
    found = rows(report)
    failing = [row for row in found if row.failing]
    policy = report.get("policy") or {}
    outcome = verdict(report)
    mark = "✅" if outcome == "pass" else "❌"
    lines = [f"## {mark} pixelhelper: {outcome.upper()}", ""]
    events = len(report.get("events") or [])
    pixels = [p.get("code") for p in report.get("pixels") or []]
    lines.append(f"{events} pixel events, {len(pixels)} pixel(s): "
                 f"{', '.join(cell(str(p)) for p in pixels) or 'none'}. "
                 f"{len(failing)} failing of {len(found)} finding(s); fail on "
                 f"{cell(str(policy.get('fail_on', 'high')))} and above.")  # fmt: skip
    lines += ["", _counts(found), ""]
    baseline = policy.get("baseline") or {}
    if baseline and (baseline.get("unchanged") or baseline.get("fixed")):
        lines += [f"Against the baseline: {baseline.get('new', 0)} new, "
                  f"{baseline.get('unchanged', 0)} unchanged, "
                  f"{baseline.get('fixed', 0)} fixed.", ""]  # fmt: skip
    errors = [e for s in report.get("sources") or [] for e in (s.get("errors") or [])]
    if errors:
        lines += ["**Unreadable input:** " + "; ".join(cell(e) for e in errors[:5]), ""]
    if failing:
        lines += _table("Failing findings", failing, bool(policy.get("against_baseline")))
    ignored = [row for row in found if row.ignored]
    if ignored:
        lines.append(f"{len(ignored)} finding(s) accepted by the policy's `[[ignore]]` entries.")
    return "\n".join(lines).rstrip() + "\n"


def _counts(found: list[Row]) -> str:
    severities = Counter(row.severity for row in found)
    categories = Counter(row.category for row in found)
    by_severity = ", ".join(f"{s} {severities[s]}" for s in SEVERITIES if severities[s])
    by_category = ", ".join(f"{cell(c)} {n}" for c, n in categories.most_common())
    return f"By severity: {by_severity or 'none'}. By category: {by_category or 'none'}."


def _table(title: str, found: list[Row], baseline: bool) -> list[str]:
    """The rows; `(new)` marks a finding the baseline does not hold (only with a baseline)."""
    lines = [f"### {title}", "", "| severity | rule | page | pixel | event | field | value |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for row in found[:MAX_ROWS]:
        new = " (new)" if baseline and row.new else ""
        lines.append(
            f"| {row.severity}{new} | {cell(row.rule)} | {cell(row.page or '-', 100)} | "
            f"{cell(row.pixel or '-')} | {cell(row.event or '-')} | {cell(row.location or '-')} "
            f"| {cell(row.value or '', 60)} |"
        )
    if len(found) > MAX_ROWS:
        lines.append(f"| … | and {len(found) - MAX_ROWS} more | | | | | |")
    return [*lines, ""]
