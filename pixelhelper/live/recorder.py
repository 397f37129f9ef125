"""What the session keeps on disk: the capture `--save` writes flow by flow (atomically: a
temporary file beside the target, renamed once the session ends whole), the pixel flows kept
for the app's "write the session", and the failures that make the proxy exit non-zero."""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING

from mitmproxy import http
from mitmproxy.io import FlowWriter

from pixelhelper.errors import PixelHelperError
from pixelhelper.files import AtomicFile, atomic_output, write_text
from pixelhelper.live.outcome import failed as note_failed_write

if TYPE_CHECKING:
    from pixelhelper.live.state import LiveState

log = logging.getLogger("pixelhelper")

KEPT_FLOWS = 20_000
"""Pixel flows kept in memory for the app's "write the session"."""


def failed(message: str) -> None:
    """A file the session was asked to write is lost: say so, and exit non-zero."""
    log.error("pixelhelper: %s", message)
    note_failed_write(message)


class Recorder:
    """The capture being saved, and the pixel flows the app may ask to write."""

    def __init__(self) -> None:
        self._file: AtomicFile | None = None
        self._writer: FlowWriter | None = None
        self.flows: deque[http.HTTPFlow] = deque(maxlen=KEPT_FLOWS)
        self.keep_flows = False  # set while the app is connected
        self.save_all = False  # `pixelhelper_save_all`: every flow, not only pixel traffic

    @property
    def saving(self) -> bool:
        return self._writer is not None

    def open(self, path: str) -> None:
        """Start saving to `path` (0600: it keeps raw traffic)."""
        if self._writer is not None or not path:
            return
        try:
            self._file = AtomicFile(path, private=True)
            self._writer = FlowWriter(self._file.handle)
        except Exception as exc:
            failed(f"cannot save the session: {exc}")

    def save(self, flow: http.HTTPFlow) -> None:
        """Save a finished flow: pixel traffic, or every flow with `save_all`. Called for every
        flow: nothing but attribute reads unless something is kept."""
        meta = flow.metadata.get("pixelhelper")
        if self.keep_flows and meta is not None:
            self.flows.append(flow)  # for the app's "write the session"
        if self._writer is None:
            return
        try:
            if meta is None and not self.save_all:
                return
            if meta and meta.get("url") and meta["url"] != flow.request.pretty_url:
                # Another addon (map_remote, a redirect) rewrote the destination after we saw
                # it; save the request as the browser sent it so audits still recognise it.
                flow = flow.copy()
                flow.request.url = meta["url"]
            self._writer.add(flow)
            if self._file is not None:
                self._file.handle.flush()
        except OSError as exc:  # a full disk, a file-size limit: the capture is lost
            if self._file is not None:
                self._file.discard()
            self._file, self._writer = None, None
            failed(f"the capture could not be saved, and was removed: {exc}")
        except Exception as exc:
            log.error("pixelhelper: could not save a flow: %s", exc)

    def close(self) -> None:
        """Put the capture in place (or say it was lost)."""
        if self._file is not None:
            save, self._file, self._writer = self._file, None, None
            try:
                save.commit()
            except PixelHelperError as exc:
                failed(f"the capture was not saved: {exc}")

    def write_session(self, flow_path: str, report_path: str, state: LiveState | None) -> str:
        """The app's "write the session": the kept flows and the report so far; what to say."""
        from pixelhelper.output import Format
        from pixelhelper.report import build_report

        try:
            if flow_path:
                with atomic_output(flow_path, private=True) as output:
                    writer = FlowWriter(output.handle)
                    for flow in list(self.flows):
                        writer.add(flow)
            if report_path and state is not None:
                with state.lock:
                    result = state.audit.finish_copy()
                    report = build_report(result, show_values=state.settings.show_values)
                write_text(report_path, Format.JSON.renderer()(report, False),
                           private=state.settings.show_values)  # fmt: skip
            return f"session written: {flow_path} {report_path}".strip()
        except (OSError, PixelHelperError) as exc:
            return f"could not write the session: {exc}"
