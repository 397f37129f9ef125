"""The raw request behind an event of a saved capture, read back when the inspector's `r` asks.

An audit keeps events, not the requests they came from; `view` over a capture file therefore
reads an event's request from the file on demand (by its flow number), and shows it as the live
view does: credentials withheld, the body cut, and every value the session flagged masked
unless `--show-values`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pixelhelper.decode import BodyError, body_text
from pixelhelper.live.stream import raw_request
from pixelhelper.redact import redact_report
from pixelhelper.sources import SourceStats, read_requests

if TYPE_CHECKING:
    from pixelhelper.audit import AuditResult
    from pixelhelper.models import Finding

RawLoader = Callable[[int], "dict[str, Any] | None"]
_KEPT = 64  # requests remembered, so moving back and forth does not read the file again


def raw_loader(result: AuditResult, show_values: bool) -> RawLoader:
    """`load(event_index)`: the event's raw request as the inspector shows it, or None."""
    by_event: dict[int, list[Finding]] = {}
    for finding in result.findings:
        if finding.event is not None:
            by_event.setdefault(finding.event, []).append(finding)
    kept: dict[int, dict[str, Any] | None] = {}

    def load(index: int) -> dict[str, Any] | None:
        if index in kept:
            return kept[index]
        if not 0 <= index < len(result.events):
            return None
        event = result.events[index]
        raw = _read(Path(event.source), event.flow)
        if raw is not None:
            raw = redact_report({"events": [raw]}, by_event.get(index, []), show_values)["events"][
                0
            ]
        if len(kept) >= _KEPT:
            kept.clear()
        kept[index] = raw
        return raw

    return load


def _read(path: Path, flow: int) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    for request in read_requests(path, SourceStats(str(path))):
        if request.flow == flow:
            try:
                text = body_text(request)[0]
            except BodyError as exc:
                text = f"(body not decoded: {exc})"
            return raw_request(request.method, request.url, list(request.headers), text)
        if request.flow > flow:
            break
    return None
