"""The state of a running live session: the audit so far and the proxy's own counters.

`LiveState` wraps the same incremental `Audit` the file audit uses, so live and batch results
never differ. The proxy thread (or a worker thread, for large bodies) updates it; views read
it under its lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pixelhelper.audit import Audit
from pixelhelper.capture import CapturedRequest
from pixelhelper.inspect import InspectOptions
from pixelhelper.models import Finding, PixelEvent
from pixelhelper.session import page_key

if TYPE_CHECKING:
    from pixelhelper.store import EventFacts, EventStore

T = TypeVar("T")
Prepared = list[tuple[PixelEvent, list[Finding]]]
Packed = list[tuple["EventFacts", bytes, list[Finding]]]  # `store.pack` of each event


def warm_up_request() -> CapturedRequest:
    """A made-up hit that runs every detector once (lazy imports, compiled patterns)."""
    body = json.dumps(
        {"event": "CompletePayment", "timestamp": "2026-01-01T00:00:00Z",
         "context": {"pixel": {"code": "CWARMUP0000000000000"},
                     "page": {"url": "https://shop.example.com/checkout?phone=4155550132"},
                     "user": {"email": "warm.up@example.com"}},
         "properties": {"value": 1, "currency": "USD", "contents": [{"content_id": "1"}]}}
    ).encode()  # fmt: skip
    return CapturedRequest(
        "POST", "https://analytics.tiktok.com/api/v2/pixel",
        (("Content-Type", "application/json"), ("User-Agent", "Mozilla/5.0")), body,
    )  # fmt: skip


_FREEZE_EVERY = 2_000


def _freeze_retained(size: int) -> None:
    """Move what the session now retains out of the garbage collector's view.

    A live session keeps every event and finding; each full collection would walk all of them
    again, holding the GIL and stalling the proxy's event loop for tens to hundreds of
    milliseconds. The retained objects live as long as the session, so they are frozen once a
    batch is large enough to matter (`gc.freeze` costs nothing per object).
    """
    _pending[0] += size
    if _pending[0] >= _FREEZE_EVERY:
        _pending[0] = 0
        gc.freeze()


_pending = [0]
_paused = [0]
_gc_lock = threading.Lock()


_SWITCH_INTERVAL = 0.0005


async def in_thread(func: Callable[..., T], *args: Any) -> T:
    """`func(*args)` in a worker thread. The worker holds the GIL while it works; a short
    switch interval hands it back to the event loop often enough that the proxy's other
    flows keep their usual latency."""
    if sys.getswitchinterval() > _SWITCH_INTERVAL:
        sys.setswitchinterval(_SWITCH_INTERVAL)
    return await asyncio.to_thread(func, *args)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No automatic collection while a large body is inspected: the allocations would trigger
    full collections in the worker thread, each holding the GIL over every object the session
    keeps. What the inspection retains is frozen afterwards (`_freeze_retained`)."""
    with _gc_lock:
        _paused[0] += 1
        if _paused[0] == 1:
            gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _paused[0] -= 1
            if _paused[0] == 0:
                gc.enable()


@dataclass
class LiveSettings:
    """What the status line shows about the proxy itself."""

    listen: str = "127.0.0.1:8080"
    mode: str = "observe"
    save: str | None = None
    show_values: bool = False


@dataclass
class LiveState:
    """Everything the live view shows; updated from the proxy, read by the renderer."""

    settings: LiveSettings = field(default_factory=LiveSettings)
    options: InspectOptions = field(default_factory=InspectOptions)
    flows_seen: int = 0
    blocked: int = 0
    redacted: int = 0
    errors: int = 0
    started: float = field(default_factory=time.time)
    current_page: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.audit = Audit(self.options)
        self.lock = threading.RLock()
        self._by_event: dict[int, list[Finding]] = {}
        self.severities: Counter[str] = Counter()

    @property
    def events(self) -> EventStore:
        """All events so far (compact: `events.facts[i]` is cheap, `events[i]` rebuilds)."""
        return self.audit.result.events

    def prepare(self, request: CapturedRequest) -> Prepared:
        """Decode and inspect one request (no shared state touched: safe off the loop)."""
        return self.audit.prepare(request)

    def record(self, prepared: Prepared) -> list[int]:
        """Add prepared events to the session; return their indices."""
        with self.lock:
            added = self.audit.record(prepared)
            self._note_added(added, [findings for _event, findings in prepared])
            return added

    def record_packed(self, packed: Packed) -> list[int]:
        """`record` for events decoded and packed in the inspection process."""
        with self.lock:
            added = self.audit.record_packed(packed)
            self._note_added(added, [findings for _facts, _pickled, findings in packed])
            return added

    def _note_added(self, added: list[int], findings_of: list[list[Finding]]) -> None:
        for index, findings in zip(added, findings_of, strict=True):
            if findings:  # most events have none: no empty list held for each
                self._by_event[index] = findings
                self.severities.update(f.severity for f in findings)
        _freeze_retained(sum(1 + len(findings) for findings in findings_of))
        for index in added:
            event = self.events.facts[index]
            if event.kind in ("pixel", "action") and event.page_url:
                self.current_page = page_key(event.page_url)

    def warm_up(self, inspect: bool = True) -> None:
        """Run the pipeline once on a made-up hit, then freeze what start-up left behind.

        The first real pixel request would otherwise pay for the detectors' lazy imports,
        compiled patterns and caches (tens of milliseconds, on the proxy's event loop), and
        every full collection would walk mitmproxy's and pixelhelper's start-up objects.
        Nothing is recorded: `prepare` touches no session state. `inspect=False` when an
        inspection process does the inspecting: the proxy then never loads the detectors'
        data unless that process fails.
        """
        if inspect:
            self.prepare(warm_up_request())
        gc.collect()
        gc.freeze()

    def add(self, request: CapturedRequest) -> list[int]:
        """Run the pipeline on one request; return the new event indices."""
        return self.record(self.prepare(request))

    def findings_for(self, index: int) -> list[Finding]:
        """Findings of one event (those of the event's own checks, not the session's)."""
        return self._by_event.get(index, [])

    def note(self, text: str) -> None:
        """Remember a message for the status area (e.g. what redact mode stripped)."""
        with self.lock:
            self.notes.append(text)
            del self.notes[:-3]
