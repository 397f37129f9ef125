"""The addon's side of the inspection process (`inspector_process`): submit, get futures back.

Requests submitted during one turn of the event loop, or under load within 30 ms, go out
as one frame (a burst of hits costs one pickle and one write), never blocking: the socket is
an asyncio stream. Results come back in submission order and resolve the futures in that
order. If the process cannot
start or goes away, every unresolved future fails with `InspectorGone` and so does every
later `submit`: the caller inspects those requests itself, so no hit is lost either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import pickle
import socket
import subprocess
import sys
from collections import deque
from typing import TYPE_CHECKING, Any

from pixelhelper.live.inspector_process import HEADER, frame
from pixelhelper.live.state import in_thread

if TYPE_CHECKING:
    from pixelhelper.inspect import InspectOptions
    from pixelhelper.live.snapshot import Snapshot

log = logging.getLogger(__name__)


_BIG_FRAME = 256 * 1024  # results this large are unpickled in a thread
# Under load, requests go out at most this often (s), as one frame: each frame costs the
# proxy a write and a read that wake the other process (about 70 us of its loop per hit
# sent alone), and the process, woken cold, pays most for the first hits of a frame: at
# 30 ms rather than 10 its CPU per hit fell from 0.48 to 0.41 ms, and the proxy's pixel
# throughput rose from 0.86-0.88 to 0.90-0.97 of plain mitmdump's (100 ms was worse again,
# 0.89). Nothing waits on the verdict but the view (and a saved flow, for its events).
# After a pause they go at once.
_FLUSH_EVERY = 0.03


async def _loads(data: bytes) -> Any:
    """Results unpickled: a large frame (a body of thousands of findings) in a thread, so
    the proxy's other flows keep their turns meanwhile."""
    if len(data) <= _BIG_FRAME:
        return pickle.loads(data)  # noqa: S301  (our own process, over a socket pair)
    return await in_thread(pickle.loads, data)


class InspectorGone(RuntimeError):
    """The inspection process is not there (any more): inspect in-process."""


class RemoteInspector:
    """One inspection process and the requests in flight to it."""

    def __init__(self, options: InspectOptions) -> None:
        self._options = options
        self._process: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._unsent: list[Snapshot] = []
        self._waiting: deque[asyncio.Future[tuple[str, Any]]] = deque()
        self._flush_scheduled = False
        self._last_flush = float("-inf")
        self.alive = False

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the process (it warms up while the first requests queue)."""
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "pixelhelper.live.inspector_process",
                 str(theirs.fileno()), json.dumps(self._options._asdict())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, start_new_session=False,
            )  # fmt: skip
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        self.alive = True
        self._sock = ours
        self._reader_task = loop.create_task(self._run(ours))

    def submit(self, taken: Snapshot) -> asyncio.Future[tuple[str, Any]]:
        """A future for the process's answer on a request (`inspector_process.serve`); it
        fails with InspectorGone when the process is not there."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[str, Any]] = loop.create_future()
        if not self.alive:
            future.set_exception(InspectorGone())
            return future
        self._waiting.append(future)
        self._unsent.append(taken)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            wait = self._last_flush + _FLUSH_EVERY - loop.time()
            if wait > 0:
                loop.call_later(wait, self._flush)
            else:
                loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._flush_scheduled = False
        self._last_flush = asyncio.get_running_loop().time()
        if self._writer is None or not self._unsent:
            return  # not connected yet: `_run` flushes once it is
        batch, self._unsent = self._unsent, []
        try:
            self._writer.write(frame(batch))
        except Exception as exc:  # an unpicklable request, a closed transport
            log.warning("pixelhelper: inspection process unusable: %s", exc)
            self._fail()

    async def _run(self, sock: socket.socket) -> None:
        try:
            reader, self._writer = await asyncio.open_unix_connection(sock=sock)
            self._flush()
            while True:
                header = await reader.readexactly(HEADER.size)
                data = await reader.readexactly(HEADER.unpack(header)[0])
                results = await _loads(data)
                for result in results:
                    future = self._waiting.popleft()
                    if not future.done():
                        future.set_result(result)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # EOF, a broken frame: the process is gone
            if self.alive:
                log.warning("pixelhelper: the inspection process stopped (%s); inspecting "
                            "in the proxy from now on", type(exc).__name__)  # fmt: skip
        finally:
            self._fail()

    def _fail(self) -> None:
        self.alive = False
        self._unsent = []
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_exception(InspectorGone())
                future.exception()  # retrieved: no "never retrieved" warning if unawaited

    def close(self) -> None:
        """Stop the process; unresolved futures fail (the caller inspects them itself)."""
        self.alive = False
        if self._sock is not None:
            # The stream closes the socket only on the loop's next turn, while the wait below
            # holds the loop: shut it now, so the process reads the end and exits at once
            # (it was killed after the whole timeout, at every proxy shutdown).
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()
        self._fail()
        if self._process is not None:
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None
