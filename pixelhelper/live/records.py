"""Where the inspector's records come from: a list known up front (a saved capture audited,
a JSON report, a test), or the proxy child's stream on a private Unix socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pixelhelper.live.app import PixelHelperApp

Writer = Callable[[str, str], str]
"""Writes the session to (flow path, report path); returns a note for the status bar."""
_LINE_LIMIT = 16 * 1024 * 1024


class RecordSource:
    """Where records come from; `start` runs inside the app's event loop."""

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []

    async def start(self, app: PixelHelperApp) -> None:
        """Begin delivering records into `pending`."""

    def write(self, flow: str, report: str) -> str:
        """Ask for the session to be written; return what to tell the user."""
        return "nothing to write"

    def state(self) -> str:
        """'running', or why the source stopped."""
        return "running"

    def raw(self, index: int) -> dict[str, Any] | None:
        """The raw request of event `index` when the records did not carry it, or None."""
        return None

    async def stop(self) -> None:
        """Stop delivering."""


class StaticSource(RecordSource):
    """Records known up front (a saved capture, a JSON report, a test); `raw` reads an
    event's raw request back from its capture file on demand."""

    def __init__(
        self,
        records: list[dict[str, Any]],
        writer: Writer | None = None,
        raw: Callable[[int], dict[str, Any] | None] | None = None,
    ) -> None:
        super().__init__()
        self.pending = list(records)
        self._writer = writer
        self._raw = raw

    def raw(self, index: int) -> dict[str, Any] | None:
        return self._raw(index) if self._raw is not None else None

    def write(self, flow: str, report: str) -> str:
        return self._writer(flow, report) if self._writer else "nothing to write"

    def state(self) -> str:
        return "running"


class SocketSource(RecordSource):
    """The proxy child's stream on a Unix socket; the child is watched, never waited on."""

    def __init__(self, path: str, process: subprocess.Popen[bytes] | None = None) -> None:
        super().__init__()
        self.path = path
        self.process = process
        self._server: asyncio.AbstractServer | None = None
        self._writers: list[asyncio.StreamWriter] = []
        # listening before the proxy starts, so its first records are never lost
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(path)
        os.chmod(path, 0o600)
        self._listener.listen(4)

    async def start(self, app: PixelHelperApp) -> None:
        self._server = await asyncio.start_unix_server(
            self._client, sock=self._listener, limit=_LINE_LIMIT
        )

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        while True:
            try:
                line = await reader.readline()
            except asyncio.CancelledError:  # the app is closing
                return
            except (ValueError, asyncio.LimitOverrunError):  # a line over the limit: skip it
                with contextlib.suppress(Exception):
                    await reader.readuntil(b"\n")
                continue
            except (ConnectionError, OSError):
                return
            if not line:
                return
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                self.pending.append(record)

    def write(self, flow: str, report: str) -> str:
        command = json.dumps({"type": "write", "flow": flow, "report": report}).encode() + b"\n"
        for writer in self._writers:
            with contextlib.suppress(Exception):
                writer.write(command)
        return (
            f"asked the proxy to write {flow} and {report}"
            if self._writers
            else "the proxy is not connected"
        )

    def state(self) -> str:
        if self.process is not None and self.process.poll() is not None:
            return f"stopped (exit {self.process.returncode}); showing what it recorded"
        return "running"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
