"""The text report's closing section: each rule that fired, once, with its explanation and its
fix (a fix several rules share printed once), worded for findings the proxy kept from TikTok."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from pixelhelper.output.textparts import SEVERITY_STYLE, line
from pixelhelper.severity import SEVERITIES
from pixelhelper.wording import kept_text


def explanations(report: dict[str, Any]) -> Iterator[RenderableType]:
    """Each rule that fired, once: its summary, why it matters and the fix."""
    from pixelhelper.inspect import all_rules

    registry = all_rules()
    fired = Counter(f["rule"] for f in report["findings"])
    if not fired:
        return
    yield Text("")
    yield line(0, ("Findings", "bold underline"))
    fixes: dict[str, str] = {}  # a fix paragraph already printed -> the rule it came with
    for rule_id in sorted(fired, key=lambda r: (SEVERITIES.index(_worst(report, r)), r)):
        rule = registry.get(rule_id)
        worst = _worst(report, rule_id)
        head = line(
            2,
            (f"{worst.upper():8}", SEVERITY_STYLE.get(worst, "")),
            (f" {rule_id}", "bold"),
            f"  x{fired[rule_id]}",
            f"  {kept_text(rule.summary) if _all_kept(report, rule_id) else rule.summary}"
            if rule
            else "",
            wrap=True,
        )
        if rule is None:
            yield head
            continue
        kept = sum(1 for f in report["findings"] if f["rule"] == rule_id and _kept(f))
        why, _, rest = rule.help.partition("\n\n")
        if kept == fired[rule_id]:  # none of them reached TikTok: say nothing that claims so
            why = kept_text(why)
        fix = next((p for p in rest.split("\n\n") if p.startswith("Fix:")), "")
        body = [Text(" ".join(why.split()), style="italic")]
        if kept:
            whole = "All of these were" if kept == fired[rule_id] else f"{kept} of these were"
            body.append(Text(f"{whole} blocked or redacted by the proxy: they never reached "
                             "TikTok.", style="bold green"))  # fmt: skip
        fix = " ".join(fix.split())
        if fix and fix in fixes:  # the sensitive rules share one fix: printed once
            body.append(Text(f"Fix: as for {fixes[fix]} above."))
        elif fix:
            fixes[fix] = rule_id
            body.append(Text(fix))
        yield Group(head, Padding(Group(*body), (0, 0, 0, 11), expand=False))


def _all_kept(report: dict[str, Any], rule: str) -> bool:
    return all(_kept(f) for f in report["findings"] if f["rule"] == rule)


def _kept(finding: dict[str, Any]) -> bool:
    """Was the finding's value kept from TikTok (block or redact mode)?"""
    return finding.get("outcome") in ("blocked", "redacted")


def _worst(report: dict[str, Any], rule: str) -> str:
    return min(
        (f["severity"] for f in report["findings"] if f["rule"] == rule), key=SEVERITIES.index
    )
