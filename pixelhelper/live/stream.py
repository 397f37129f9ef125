"""The proxy -> app stream: already-redacted records, one JSON object per line.

The proxy child builds each record (masked unless `--show-values`, credentials always
withheld, exactly as the reports) and hands it to a `StreamSender`, whose thread writes it to
the app's Unix socket. The queue is bounded and `send` never blocks: when the app falls behind,
records are dropped and counted, and the proxy's recording (the saved flow, the report) is
never slowed or stopped by the view.

Records (`type`):
- `hello`: the proxy's settings (listen address, mode).
- `event`: one event, its findings, its page visit, what happened to it (blocked, redacted)
  and the raw request as captured (credentials withheld, values masked).
- `visit`: a page visit's pixels (loads, events, listed) after it changed.
- `status`: counters (flows, events, findings by severity, blocked, redacted, errors).
- `note`: a message for the status area.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from pixelhelper.inspect.rules import RULES
from pixelhelper.models import Finding, PixelEvent
from pixelhelper.output.jsonfmt import dumps
from pixelhelper.redact import redact_report, scrub_text
from pixelhelper.redact.credentials import scrub_headers
from pixelhelper.severity import SEVERITIES

if TYPE_CHECKING:
    from pixelhelper.session import Page

MAX_RECORD = 4 * 1024 * 1024
"""A record is cut to this many bytes of JSON (the reader's line limit is larger)."""
_RAW_BODY = 64 * 1024
_QUEUE = 10_000
_CONNECT_TRIES = 300


def finding_record(finding: dict[str, Any]) -> dict[str, Any]:
    """A (redacted) finding plus its rule's fix advice, for the detail pane."""
    rule = RULES.get(str(finding.get("rule")))
    fix = ""
    if rule is not None and "Fix:" in rule.help:
        fix = rule.help.split("Fix:", 1)[1].strip()
    return {**finding, "fix": fix}


def visit_record(page: Page | None) -> dict[str, Any] | None:
    """A page visit as the tree shows it (its URL is masked by the caller)."""
    if page is None:
        return None
    return {
        "id": page.id,
        "url": page.url,
        "visit": page.visit,
        "source": page.source,
        "pixels": {
            code: {"loads": e.loads, "events": e.events, "listed": e.listed}
            for code, e in page.pixels.items()
        },
    }


def raw_request(method: str, url: str, headers: list[tuple[str, str]], body: str) -> dict[str, Any]:
    """The request as captured, for the raw view: credentials withheld, body cut."""
    cut = len(body) > _RAW_BODY
    return {
        "method": method,
        "url": scrub_text(url),
        "headers": [list(pair) for pair in scrub_headers(headers)],
        "body": scrub_text(body[:_RAW_BODY]) + ("…" if cut else ""),
    }


def event_record(
    index: int,
    event: PixelEvent,
    findings: list[Finding],
    page: Page | None,
    show_values: bool,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One event as the app shows it, redacted like every report."""
    raw = {
        "events": [event.model_dump(mode="json", exclude={"capture_time"})],
        "findings": [f.model_dump(mode="json") for f in findings],
        "pages": [visit_record(page)] if page is not None else [],
    }
    shown = redact_report(raw, findings, show_values)
    record: dict[str, Any] = {
        "type": "event",
        "index": index,
        "time": event.capture_time,
        "event": shown["events"][0],
        "findings": [finding_record(f) for f in shown["findings"]],
        "visit": shown["pages"][0] if shown["pages"] else None,
    }
    if extra:
        record.update(redact_report({"events": [extra]}, findings, show_values)["events"][0])
    return record


def status_record(
    events: int, findings: list[Finding], counters: dict[str, int], settings: dict[str, Any]
) -> dict[str, Any]:
    """The footer's counters."""
    counts = Counter(f.severity for f in findings)
    return {
        "type": "status",
        "events": events,
        "findings": {s: counts.get(s, 0) for s in SEVERITIES},
        **counters,
        **settings,
    }


def encode(record: dict[str, Any]) -> bytes:
    """One line of JSON; a record too large for the view keeps its summary only."""
    line = dumps(record).encode("utf-8")
    if len(line) > MAX_RECORD:
        slim = {k: v for k, v in record.items() if k not in ("raw",)}
        if isinstance(slim.get("event"), dict):
            slim["event"] = {k: v for k, v in slim["event"].items() if k != "payload"}
            slim["event"]["payload"] = "(too large for the view; see the saved capture)"
        line = dumps(slim).encode("utf-8")[:MAX_RECORD]
    return line + b"\n"


class StreamSender:
    """Writes records to the app's socket from its own thread; never blocks the proxy."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.dropped = 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUE)
        self._thread = threading.Thread(target=self._run, name="pixelhelper-stream", daemon=True)
        self._sock: socket.socket | None = None
        self.commands: queue.Queue[dict[str, Any]] = queue.Queue()
        self._thread.start()

    def send(self, record: dict[str, Any]) -> None:
        """Queue a record; drop it (and count it) if the app is not keeping up."""
        try:
            self._queue.put_nowait(encode(record))
        except queue.Full:
            self.dropped += 1

    def close(self) -> None:
        """Flush what is queued (briefly) and close the socket."""
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=1)
        self._thread.join(timeout=3)
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()

    def _connect(self) -> socket.socket | None:
        """Connect to the app, waiting a little for it to listen (it may start after us)."""
        for _ in range(_CONNECT_TRIES):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.path)
                return sock
            except OSError:
                sock.close()
                time.sleep(0.1)
        return None  # no app listening: the proxy runs on without a view

    def _run(self) -> None:
        sock = self._connect()
        if sock is None:
            return
        self._sock = sock
        threading.Thread(target=self._read_commands, args=(sock,), daemon=True).start()
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                sock.sendall(item)
            except OSError:
                return

    def _read_commands(self, sock: socket.socket) -> None:
        """Commands from the app (`write`: save the session now)."""
        buffer = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                with contextlib.suppress(ValueError):
                    command = json.loads(line)
                    if isinstance(command, dict):
                        self.commands.put(command)


# --------------------------------------------------------------------------- saved captures


def records_from_result(result: Any, show_values: bool) -> list[dict[str, Any]]:
    """The records the app would have received live, for an audited capture."""
    by_event: dict[int, list[Finding]] = {}
    for finding in result.findings:
        if finding.event is not None:
            by_event.setdefault(finding.event, []).append(finding)
    session = result.session
    records: list[dict[str, Any]] = [{"type": "hello", "listen": "saved capture", "mode": "view"}]
    for index, event in enumerate(result.events):
        findings = by_event.get(index, [])
        records.append(event_record(index, event, findings, session.visit_of(index), show_values))
    counts = Counter(f.severity for f in result.findings)
    errors = sum(len(s.errors) for s in result.sources)
    records.append({"type": "status", "events": len(result.events),
                    "flows": sum(s.flows for s in result.sources),
                    "findings": {s: counts.get(s, 0) for s in SEVERITIES}, "errors": errors,
                    "listen": "saved capture", "mode": "view"})  # fmt: skip
    for source in result.sources:
        for error in source.errors:
            records.append({"type": "note", "text": f"{source.path}: {error}"})
    return records


def records_from_report(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Records from a JSON report written by `pixelhelper audit --format json` (already
    redacted as it was written)."""
    visit_of: dict[int, dict[str, Any]] = {}
    for number, page in enumerate(report.get("pages") or []):
        if not isinstance(page, dict):
            continue
        pixels = {}
        for pixel in page.get("pixels") or []:
            if isinstance(pixel, dict) and pixel.get("code"):
                pixels[str(pixel["code"])] = {
                    k: pixel.get(k) or [] for k in ("loads", "events", "listed")
                }
        visit = {"id": number, "url": page.get("url", ""), "visit": page.get("visit", 0),
                 "source": page.get("source", ""), "pixels": pixels}  # fmt: skip
        for entry in pixels.values():
            for index in [*entry["loads"], *entry["events"]]:
                visit_of[int(index)] = visit
        for index in page.get("other") or []:
            visit_of[int(index)] = visit
    by_event: dict[int, list[dict[str, Any]]] = {}
    for finding in report.get("findings") or []:
        if isinstance(finding, dict) and isinstance(finding.get("event"), int):
            by_event.setdefault(finding["event"], []).append(finding_record(finding))
    records: list[dict[str, Any]] = [{"type": "hello", "listen": "JSON report", "mode": "view"}]
    for index, event in enumerate(report.get("events") or []):
        findings = by_event.get(index, [])
        records.append({"type": "event", "index": index, "time": None, "event": event,
                        "findings": findings, "visit": visit_of.get(index)})  # fmt: skip
    summary = report.get("summary") or {}
    records.append({"type": "status", "events": summary.get("events", len(records) - 1),
                    "findings": summary.get("findings", {}), "listen": "JSON report",
                    "mode": "view"})  # fmt: skip
    return records
