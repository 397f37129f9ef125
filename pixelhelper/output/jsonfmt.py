"""`--format json` (one document) and `--format jsonl` (one record per line, for streaming)."""

from __future__ import annotations

import json
from typing import Any

from pixelhelper.output.terminal import json_safe


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON text that is safe on a terminal too (see `terminal.json_safe`)."""
    return json_safe(json.dumps(value, indent=indent, ensure_ascii=False))


def render_json(report: dict[str, Any], color: bool = False) -> str:
    """The whole report as one JSON document."""
    return dumps(report, indent=2) + "\n"


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
    return "".join(dumps(line) + "\n" for line in lines)
