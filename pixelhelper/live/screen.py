"""What the proxy shows while it runs: the rich full-screen view (`live`), one line per event
(`lines`), or records streamed to the pixelhelper app on its socket (`stream`), with the app's
commands coming back; notes for the status area; and the exit report."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mitmproxy import ctx, http
from rich.console import Console
from rich.live import Live
from rich.text import Text

from pixelhelper.decode import BodyError, body_text
from pixelhelper.errors import PixelHelperError
from pixelhelper.files import write_text
from pixelhelper.live.recorder import failed
from pixelhelper.live.state import LiveSettings, LiveState
from pixelhelper.live.stream import StreamSender, event_record, raw_request
from pixelhelper.live.view import event_line, render_live
from pixelhelper.severity import SEVERITIES

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest

log = logging.getLogger("pixelhelper")

WriteSession = Callable[[str, str], None]


class _NoteHandler(logging.Handler):
    """Sends log records to the live view's note area instead of the terminal."""

    def __init__(self, state: LiveState) -> None:
        super().__init__(logging.WARNING)
        self.state = state

    def emit(self, record: logging.LogRecord) -> None:
        self.state.note(record.getMessage())


def settings_of(state: LiveState | None) -> dict[str, Any]:
    settings = state.settings if state is not None else LiveSettings()
    return {"listen": settings.listen, "mode": settings.mode, "save": settings.save,
            "show_values": settings.show_values}  # fmt: skip


class Screen:
    """The view the `pixelhelper_view` option chose, for one proxy run."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console
        self.view = "none"
        self.stream: StreamSender | None = None
        self._live: Live | None = None
        self._log_handler: logging.Handler | None = None
        self._commands: asyncio.Task[None] | None = None

    def start(self, state: LiveState | None, write_session: WriteSession) -> None:
        view = ctx.options.pixelhelper_view
        console = self.console or Console()
        if view == "auto":
            view = "live" if console.is_terminal else "lines"
        self.view = view
        if view == "stream" and state is not None and ctx.options.pixelhelper_stream:
            self.stream = StreamSender(ctx.options.pixelhelper_stream)
            self.stream.send({"type": "hello", **settings_of(state)})
            self._commands = asyncio.get_running_loop().create_task(
                self._serve_commands(write_session)
            )
        if view == "live" and state is not None:
            # Our own log records would print over the full-screen view: show them in it.
            self._log_handler = _NoteHandler(state)
            log.addHandler(self._log_handler)
            log.propagate = False
            self._live = Live(
                console=console,
                get_renderable=lambda: render_live(state, console.size.height),
                refresh_per_second=4,
                screen=True,
                redirect_stdout=True,
                redirect_stderr=True,
            )
            self._live.start()

    def stop(self) -> None:
        if self._commands is not None:
            self._commands.cancel()
            self._commands = None
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self._log_handler is not None:
            log.removeHandler(self._log_handler)
            log.propagate = True
            self._log_handler = None

    async def _serve_commands(self, write_session: WriteSession) -> None:
        """Commands the app sends back: `write` saves the session (flow + JSON report) now."""
        while self.stream is not None:
            await asyncio.sleep(0.2)
            while self.stream is not None and not self.stream.commands.empty():
                command = self.stream.commands.get_nowait()
                if command.get("type") == "write":
                    write_session(str(command.get("flow", "")), str(command.get("report", "")))

    # ------------------------------------------------------------------ what is shown

    def note(self, state: LiveState | None, text: str) -> None:
        if state is not None:
            state.note(text)
        if self.stream is not None:
            self.stream.send({"type": "note", "text": text})

    def lines(self, state: LiveState, indices: list[int]) -> list[str]:
        """The `lines` view's line per event (none in the other views)."""
        return [event_line(state, i) for i in indices] if self.view == "lines" else []

    def print(self, lines: list[str]) -> None:
        for line in lines:
            if self.console is not None:
                self.console.print(Text(line), highlight=False, soft_wrap=True)
            else:
                print(line, flush=True)

    def send_records(
        self, state: LiveState, indices: list[int], captured: CapturedRequest, flow: http.HTTPFlow
    ) -> None:
        """Send the app one record per event of this request, then the counters."""
        stream = self.stream
        if stream is None:
            return
        meta = flow.metadata.get("pixelhelper", {})
        try:
            text = body_text(captured)[0]
        except BodyError as exc:
            text = f"(body not decoded: {exc})"
        raw = raw_request(captured.method, captured.url, list(captured.headers), text)
        extra = {"blocked": bool(meta.get("blocked")), "redacted": meta.get("redacted") or [],
                 "raw": raw}  # fmt: skip
        session = state.audit.result.session
        for index in indices:
            with state.lock:
                event = state.events[index]
                findings = list(state.findings_for(index))
                visit = session.visit_of(index)
            record = event_record(index, event, findings, visit, state.settings.show_values, extra)
            stream.send(record)
        self.send_status(state)

    def send_status(self, state: LiveState) -> None:
        if self.stream is None:
            return
        counters = {"flows": state.flows_seen, "blocked": state.blocked,
                    "redacted": state.redacted, "errors": state.errors,
                    "dropped": self.stream.dropped}  # fmt: skip
        counts = {s: state.severities.get(s, 0) for s in SEVERITIES}
        self.stream.send({"type": "status", "events": len(state.events), "findings": counts,
                          **counters, **settings_of(state)})  # fmt: skip


def exit_report(state: LiveState) -> None:
    """The session report at exit: printed (or written for the app to print once its screen
    is gone), and the JSON report written with `--report`."""
    from pixelhelper.output import Format
    from pixelhelper.report import build_report

    with state.lock:
        result = state.audit.finish()
        report = build_report(result, show_values=state.settings.show_values)
    report["run"] = {"command": "live", "mode": state.settings.mode}
    if ctx.options.pixelhelper_summary_file:  # the app prints it once its screen is gone
        try:
            write_text(
                ctx.options.pixelhelper_summary_file,
                Format.TEXT.renderer()(report, True),
                private=True,
            )
        except PixelHelperError as exc:
            failed(f"cannot write the summary: {exc}")
    elif ctx.options.pixelhelper_summary:  # printed first: a failing --report loses nothing
        out = sys.stdout
        out.write(Format.TEXT.renderer()(report, out.isatty()))
        out.flush()
    if ctx.options.pixelhelper_report:
        try:
            write_text(
                ctx.options.pixelhelper_report,
                Format.JSON.renderer()(report, False),
                private=state.settings.show_values,
            )
        except (OSError, PixelHelperError) as exc:
            failed(f"cannot write the report: {exc}")
