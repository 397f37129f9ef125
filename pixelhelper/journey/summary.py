"""The report's `journey` section: the journey's steps, each with its mark, its outcome, the
hits it caused and the findings that first appeared in it."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from pixelhelper.consent.summary import SENDS

if TYPE_CHECKING:
    from pixelhelper.audit import AuditResult

MAX_HITS = 50  # distinct (event, pixel) pairs listed per step


def journey_section(result: AuditResult) -> dict[str, Any]:
    """`{"name", "start", "status", "failed_step", "steps": [{"index", "kind", "target",
    "mark", "status", "note", "error", "url", "seconds", "events", "hits", "findings"}],
    "events_before_start"}`."""
    log = result.journey
    assert log is not None
    hits: dict[int | None, Counter[tuple[str, str]]] = {}
    for facts in result.events.facts:
        if facts.kind in SENDS:
            name = facts.event or facts.kind
            hits.setdefault(facts.step, Counter())[(name, facts.pixel_code or "")] += 1
    first_seen: dict[int, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for finding in sorted(result.findings, key=_order):
        key = (finding.rule, finding.category)
        if finding.step is None or key in seen:
            continue
        seen.add(key)
        first_seen.setdefault(finding.step, []).append(finding.rule)
    steps = []
    for step in log.steps:
        counted = hits.get(step.index, Counter())
        seconds = None
        if step.started is not None and step.ended is not None:
            seconds = round(max(0.0, step.ended - step.started), 2)
        steps.append({
            "index": step.index, "kind": step.kind, "target": step.target, "mark": step.mark,
            "status": step.status, "note": step.note, "error": step.error, "url": step.url,
            "seconds": seconds, "events": sum(counted.values()),
            "hits": [{"event": name, "pixel": code or None, "count": count}
                     for (name, code), count in counted.most_common(MAX_HITS)],
            "findings": first_seen.get(step.index, []),
        })  # fmt: skip
    failed = log.failed
    return {
        "name": log.name,
        "start": log.start,
        "status": log.status,
        "failed_step": failed.index if failed else None,
        "steps": steps,
        "events_before_start": sum(hits.get(None, Counter()).values()),
    }


def _order(finding: Any) -> tuple[int, int]:
    return (finding.step if finding.step is not None else 1 << 30,
            finding.event if finding.event is not None else 1 << 30)  # fmt: skip
