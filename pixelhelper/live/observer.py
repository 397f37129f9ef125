"""Observe mode's inspection off the proxy: each request that may be TikTok's is copied
(`snapshot`), sent to the inspection process and let go at once; the results are recorded in
arrival order as they come back. When the process is gone, or a result is not back when it is
needed (the session is written, the proxy stops, a saved flow waits for its events), the hit is
inspected in the proxy itself instead: nothing is ever lost.

Back-pressure keeps memory bounded: past `BACKLOG` hits in flight a pixel request waits until
the process catches up, at most `BACKLOG_WAIT` seconds; other traffic never waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mitmproxy import ctx, http

from pixelhelper.live import snapshot
from pixelhelper.live.remote_inspector import RemoteInspector
from pixelhelper.live.state import LiveState, in_thread

log = logging.getLogger("pixelhelper")

INLINE_LIMIT = 64 * 1024
"""Bodies up to this size are inspected (or their results recorded) inline; larger ones in a
worker thread, so a huge body never stalls the proxy's other flows."""
SETTLE_WAIT = 10.0  # seconds a finished flow waits for its inspection before it is saved
SETTLE_SLICE = 0.0005  # seconds of recording results before other flows get a turn
# Fed pixel hits faster than the process inspects them (about 2,000 a second here), the proxy
# would otherwise queue their snapshots without limit. No browsing session comes near it; a
# request waits at most `BACKLOG_WAIT` seconds, so a stuck settler slows pixel requests but
# never stops them.
BACKLOG = 2_000
BACKLOG_POLL = 0.005
BACKLOG_WAIT = 1.0


@dataclass(eq=False)
class Observed:
    """A request forwarded in observe mode, judged and inspected in the other process."""

    flow: http.HTTPFlow
    taken: snapshot.Snapshot
    state: LiveState
    answered: bool
    future: asyncio.Future[tuple[str, Any]] | None = None
    settled: bool = False  # its recording has begun (it happens once)
    finished: bool = False  # ...and ended
    recorded: asyncio.Future[None] | None = None  # resolved once recorded, if someone waits


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class RemoteObserver:
    """The inspection process and the hits in flight to it.

    Args:
        use_process: Start an inspection process at all (the proxies pixelhelper starts do;
            in-process tests and embedders need not).
        record: Records one settled hit (the addon's: it knows the view and the saved flow).
    """

    def __init__(self, use_process: bool, record: Callable[[Observed], None]) -> None:
        self.use_process = use_process
        self.remote: RemoteInspector | None = None
        self.inflight: dict[str, Observed] = {}  # flow id -> hit awaiting its inspection
        self._record = record
        self._settler: asyncio.Task[None] | None = None
        self._lock = threading.Lock()

    def ensure(self, state: LiveState | None) -> bool:
        """Is the inspection process there (started now if need be)? Only with a running
        loop and `use_process`; once it has failed, the proxy inspects by itself."""
        if not self.use_process or state is None:
            return False
        if self.remote is not None:
            return self.remote.alive
        if (
            ctx.options.pixelhelper_mode != "observe"
            or not ctx.options.pixelhelper_inspector_process
        ):
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self.remote = RemoteInspector(state.options)
        try:
            self.remote.start(loop)
        except Exception as exc:
            log.warning("pixelhelper: no inspection process (%s); inspecting in the proxy", exc)
        return self.remote.alive

    def renew(self) -> None:
        """The options changed: the process inspects with the old ones, so a new one, lazily."""
        if self.remote is not None:
            self.remote.close()
            self.remote = None

    async def caught_up(self) -> None:
        """Hold a pixel request while the inspection process is more than `BACKLOG` hits
        behind (at most `BACKLOG_WAIT`), so the backlog and the proxy's memory stay bounded."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BACKLOG_WAIT
        while len(self.inflight) > BACKLOG and loop.time() < deadline:
            await asyncio.sleep(BACKLOG_POLL)

    def submit(self, flow: http.HTTPFlow, state: LiveState) -> None:
        """Copy the request as it is now (later addons may rewrite it), send it off, and let
        the flow go on; `settle` records the result in arrival order."""
        assert self.remote is not None
        entry = Observed(flow, snapshot.take(flow, state.flows_seen - 1), state,
                         answered=flow.response is not None)  # fmt: skip
        entry.future = self.remote.submit(entry.taken)
        self.inflight[flow.id] = entry
        if self._settler is None or self._settler.done():
            self._settler = asyncio.get_running_loop().create_task(self._settle_in_order())

    async def _settle_in_order(self) -> None:
        """Record observed hits in the order they came, each once its result is back; a
        large one (a big body: many events and findings to rebuild and record) in a thread,
        as the in-proxy inspection of large bodies does, so other flows keep moving."""
        loop = asyncio.get_running_loop()
        turn = loop.time()
        while self.inflight:
            entry = next(iter(self.inflight.values()))
            if entry.future is not None and not entry.future.done():
                with contextlib.suppress(Exception):
                    await entry.future
                turn = loop.time()
            if entry.settled:  # recorded meanwhile (a saved flow, a catch-up)
                self.inflight.pop(entry.flow.id, None)
                continue
            if snapshot.body_size(entry.taken) <= INLINE_LIMIT:  # nearly all: no coroutine
                self.settle(entry)
            else:
                await in_thread(self.settle, entry)
            if loop.time() - turn > SETTLE_SLICE:  # a batch of results: let flows move
                await asyncio.sleep(0)
                turn = loop.time()

    def settle(self, entry: Observed) -> None:
        """Record one observed hit: the process's result, or the proxy's own inspection when
        the process is gone or was not waited for. Runs once per hit."""
        with self._lock:  # the loop and a worker thread may both get here
            if entry.settled:
                return
            entry.settled = True
        self.inflight.pop(entry.flow.id, None)
        try:
            self._record(entry)
        finally:
            entry.finished = True
            if entry.recorded is not None and not entry.recorded.done():
                entry.recorded.get_loop().call_soon_threadsafe(_resolve, entry.recorded)

    def catch_up(self) -> None:
        """Record every hit still in flight, inspecting it here: before the session is
        written or the proxy stops, so nothing is missing."""
        for entry in list(self.inflight.values()):
            self.settle(entry)

    def stop(self) -> None:
        if self._settler is not None:
            self._settler.cancel()
        if self.remote is not None:
            self.remote.close()

    async def when_inspected(self, entry: Observed) -> None:
        """Wait (briefly) until a hit's events are recorded; inspect it here if they are not
        back in time (a no-op once recorded)."""
        entry.recorded = asyncio.get_running_loop().create_future()  # before the check:
        if not entry.finished:  # a settle (maybe in a thread) either sees it or is done
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(entry.recorded), SETTLE_WAIT)
        self.settle(entry)
