"""What the interactive app knows: records from the proxy (or a capture), kept bounded.

Pure data, no Textual: the app's widgets render it, and tests drive it without a terminal.
Every string in it is already redacted (the proxy or the report builder did that); the
widgets still render each one as plain text, never as markup.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from pixelhelper.output.textparts import pixel_status
from pixelhelper.severity import SEVERITIES

KINDS = ("script", "pixel", "action", "events_api", "other")
MAX_EVENTS = 5_000
"""Events kept for the view; older ones are dropped (the proxy's capture keeps them all)."""
RAW_KEPT = 500
"""Raw requests kept for the `r` view: the newest ones (they are the largest part of a row)."""
KEY_PARAMS = ("value", "currency", "content_type", "content_ids", "query", "search_string")


@dataclass
class EventRow:
    """One event as the table and the detail pane show it."""

    index: int
    time: float | None
    event: dict[str, Any]
    findings: list[dict[str, Any]]
    visit: int | None
    blocked: bool = False
    redacted: list[str] = field(default_factory=list)
    raw: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        return str(self.event.get("kind") or "other")

    @property
    def name(self) -> str:
        """The event name, or what the hit is when it has none."""
        name = self.event.get("event")
        if name:
            return str(name)
        return "(script load)" if self.kind == "script" else "-"

    @property
    def worst(self) -> int:
        """Rank of the most severe finding (0 critical ... 4 info); 5 without findings."""
        ranks = [
            SEVERITIES.index(f["severity"])
            for f in self.findings
            if f.get("severity") in SEVERITIES
        ]
        return min(ranks, default=len(SEVERITIES))

    def params(self) -> str:
        """The key parameters, the clicked text, or the decode error, in one line."""
        props = self.event.get("properties") or {}
        parts = [
            f"{k}={_compact(props[k])}"
            for k in KEY_PARAMS
            if isinstance(props, dict) and k in props
        ]
        action = self.event.get("action") or {}
        if isinstance(action, dict) and action.get("inner_text"):
            parts.append(f'"{action["inner_text"]}"')
        if self.event.get("decode_error"):
            parts.append(f"decode error: {self.event['decode_error']}")
        return " ".join(parts)

    def haystack(self) -> str:
        """Everything the text filter searches, lower case."""
        bits = [self.name, self.kind, str(self.event.get("pixel_code") or ""),
                str(self.event.get("page_url") or ""), self.params()]  # fmt: skip
        for finding in self.findings:
            bits += [str(finding.get(k) or "") for k in ("rule", "location", "value", "category")]
        return " ".join(bits).lower()


def _compact(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@dataclass
class Filter:
    """What the table shows: free text, a minimum severity, the kinds switched on."""

    text: str = ""
    min_severity: str | None = None
    kinds: set[str] = field(default_factory=lambda: set(KINDS))

    def matches(self, row: EventRow) -> bool:
        if row.kind not in self.kinds:
            return False
        if self.min_severity is not None and row.worst > SEVERITIES.index(self.min_severity):
            return False
        return not self.text or self.text.lower() in row.haystack()

    def cycle_severity(self) -> str | None:
        """all -> info -> low -> medium -> high -> critical -> all."""
        order: list[str | None] = [None, *reversed(SEVERITIES)]
        self.min_severity = order[(order.index(self.min_severity) + 1) % len(order)]
        return self.min_severity


class SessionModel:
    """The app's state, updated by one record at a time."""

    def __init__(self, max_events: int = MAX_EVENTS) -> None:
        self.max_events = max_events
        self.events: OrderedDict[int, EventRow] = OrderedDict()
        self.visits: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self.current_visit: int | None = None
        self.status: dict[str, Any] = {}
        self.settings: dict[str, Any] = {}
        self.notes: deque[str] = deque(maxlen=3)
        self.proxy: str = "running"
        self.evicted = 0
        self._raw_order: deque[int] = deque()
        self.gone: list[int] = []
        """Indices evicted since the view last looked (it removes their rows)."""

    def apply(self, record: dict[str, Any]) -> str:
        """Take one record; return its type ('event', 'status', ...) for the caller's redraw."""
        kind = str(record.get("type"))
        if kind == "event":
            self._event(record)
        elif kind == "status":
            self.status = record
        elif kind == "hello":
            self.settings = record
        elif kind == "note":
            self.notes.append(str(record.get("text", "")))
        elif kind == "visit" and isinstance(record.get("visit"), dict):
            self._visit(record["visit"])
        return kind

    def _visit(self, visit: dict[str, Any]) -> None:
        if isinstance(visit.get("id"), int):
            self.visits[visit["id"]] = visit

    def _event(self, record: dict[str, Any]) -> None:
        visit = record.get("visit") if isinstance(record.get("visit"), dict) else None
        if visit is not None:
            self._visit(visit)
        found = record.get("event")
        event: dict[str, Any] = found if isinstance(found, dict) else {}
        row = EventRow(
            index=int(record.get("index", len(self.events))),
            time=record.get("time") if isinstance(record.get("time"), int | float) else None,
            event=event,
            findings=[f for f in record.get("findings") or [] if isinstance(f, dict)],
            visit=visit.get("id") if visit else None,
            blocked=bool(record.get("blocked")),
            redacted=[str(x) for x in record.get("redacted") or []],
            raw=record.get("raw") if isinstance(record.get("raw"), dict) else None,
        )
        self.events[row.index] = row
        self._raw_order.append(row.index)
        while len(self._raw_order) > RAW_KEPT:
            old = self.events.get(self._raw_order.popleft())
            if old is not None:
                old.raw = None
        if row.kind in ("pixel", "action") and row.visit is not None:
            self.current_visit = row.visit
        while len(self.events) > self.max_events:
            index, _old = self.events.popitem(last=False)
            self.evicted += 1
            self.gone.append(index)

    def clear(self) -> None:
        """Forget what is shown (the proxy's session is not touched)."""
        self.events.clear()
        self.visits.clear()
        self.current_visit = None

    def rows(self, view: Filter) -> list[EventRow]:
        """The events the table shows, in capture order."""
        return [row for row in self.events.values() if view.matches(row)]

    def status_of(self, visit_id: int, code: str) -> str:
        """green / amber / red for a pixel on one page visit (its own events only)."""
        visit = self.visits.get(visit_id) or {}
        entry = (visit.get("pixels") or {}).get(code) or {}
        severities: list[str] = []
        errors = 0
        for index in [*entry.get("loads", []), *entry.get("events", [])]:
            row = self.events.get(index)
            if row is None:
                continue
            severities += [f["severity"] for f in row.findings if "severity" in f]
            errors += 1 if row.event.get("decode_error") else 0
        return pixel_status(severities, errors)
