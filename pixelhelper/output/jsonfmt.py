"""`--format json` (one document) and `--format jsonl` (one record per line, for streaming)."""

from __future__ import annotations

import json
from typing import Any


def render_json(report: dict[str, Any], color: bool = False) -> str:
    """The whole report as one JSON document."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render_jsonl(report: dict[str, Any], color: bool = False) -> str:
    """Records `source`, `event` (with its own findings) and `finding` (session-level)."""
    by_event: dict[int, list[Any]] = {}
    loose = []
    for finding in report["findings"]:
        if finding.get("event") is None:
            loose.append(finding)
        else:
            by_event.setdefault(finding["event"], []).append(finding)
    lines = [{"record": "source", **source} for source in report["sources"]]
    for index, event in enumerate(report["events"]):
        lines.append(
            {"record": "event", "index": index, **event, "findings": by_event.get(index, [])}
        )
    lines.extend({"record": "finding", **finding} for finding in loose)
    lines.append({"record": "summary", "version": report["version"], **report["summary"]})
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
