"""The HTML report's journey section (`--journey`), as plain strings for the template."""

from __future__ import annotations

from typing import Any


def journey_view(report: dict[str, Any]) -> dict[str, Any] | None:
    """The journey's name and status, and a row per step; None without a journey."""
    journey = report.get("journey")
    if not isinstance(journey, dict):
        return None
    rows = []
    for step in journey.get("steps") or []:
        if not isinstance(step, dict):
            continue
        hits = ", ".join(
            str(h.get("event")) + (f" x{h.get('count')}" if h.get("count", 1) > 1 else "")
            for h in step.get("hits") or [] if isinstance(h, dict)
        )  # fmt: skip
        detail = step.get("error") or step.get("note")
        rows.append({
            "index": str(step.get("index")), "mark": str(step.get("mark") or ""),
            "action": f"{step.get('kind')} {step.get('target')}",
            "status": str(step.get("status")) + (f": {detail}" if detail else ""),
            "state": str(step.get("status")), "hits": hits or "-",
            "findings": ", ".join(str(r) for r in step.get("findings") or []) or "-",
        })  # fmt: skip
    return {"name": str(journey.get("name")), "status": str(journey.get("status")), "steps": rows}
