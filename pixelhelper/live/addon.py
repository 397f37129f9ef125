"""The mitmproxy addon: inspect pixel traffic as it passes, and optionally block or redact it.

It runs the same recognise -> decode -> inspect pipeline as `pixelhelper audit`, in the
`request` hook so that blocked requests are seen too. The addon must never break the user's
browsing: every hook catches its own errors, logs them and lets the flow go on; only block and
redact modes fail closed (a request that could not be inspected is blocked, never forwarded).

Load it with `mitmdump -s addons/tiktok_pixel.py`, or let `pixelhelper live` do it.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import IO, Any

from mitmproxy import ctx, exceptions, http
from mitmproxy.io import FlowWriter
from rich.console import Console
from rich.live import Live

from pixelhelper.errors import PixelHelperError
from pixelhelper.inspect import InspectOptions
from pixelhelper.live.view import LiveSettings, LiveState, event_line, render_live
from pixelhelper.models import Finding
from pixelhelper.output import Format
from pixelhelper.recognise import Kind, host_role, recognise
from pixelhelper.redact import Masker
from pixelhelper.report import build_report
from pixelhelper.sources import request_from_flow

log = logging.getLogger("pixelhelper")

MODES = ("observe", "block", "redact")
VIEWS = ("auto", "live", "lines", "none")
REDACTED = "REDACTED"
_CORS = {"Access-Control-Allow-Credentials": "true", "Cache-Control": "no-store"}


def blocked_response(flow: http.HTTPFlow, kind: Kind) -> http.Response:
    """A local answer the pixel SDK accepts, so the page behaves as if TikTok had replied."""
    headers = dict(_CORS)
    origin = flow.request.headers.get("origin")
    headers["Access-Control-Allow-Origin"] = origin or "*"
    if kind is Kind.SCRIPT:
        headers["Content-Type"] = "application/javascript"
        return http.Response.make(200, b"/* blocked by pixelhelper */\n", headers)
    if kind is Kind.EVENTS_API:
        headers["Content-Type"] = "application/json"
        body = {"code": 0, "message": "OK (blocked by pixelhelper)", "request_id": "", "data": {}}
        return http.Response.make(200, json.dumps(body).encode(), headers)
    headers["Content-Type"] = "text/plain;charset=UTF-8"
    return http.Response.make(200, b"", headers)


class _NoteHandler(logging.Handler):
    """Sends log records to the live view's note area instead of the terminal."""

    def __init__(self, state: LiveState) -> None:
        super().__init__(logging.WARNING)
        self.state = state

    def emit(self, record: logging.LogRecord) -> None:
        self.state.note(record.getMessage())


class PixelHelper:
    """mitmproxy addon: live TikTok Pixel Helper."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console
        self.state: LiveState | None = None
        self._writer: FlowWriter | None = None
        self._save_file: IO[bytes] | None = None
        self._live: Live | None = None
        self._view = "none"
        self._log_handler: logging.Handler | None = None

    # ------------------------------------------------------------------ options

    def load(self, loader: Any) -> None:
        """Declare the `pixelhelper_*` options (mitmproxy's namespace is global)."""
        loader.add_option(
            "pixelhelper_mode", str, "observe",
            "observe: pass pixel traffic unchanged; block: answer every recognised pixel request "
            "locally (never reaches TikTok; fails closed); redact: forward with the values "
            "flagged sensitive removed.",
            choices=MODES,
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_known_identities", str, "",
            "File of test emails/phones; hashed copies in the traffic are reported.",
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_region", str, "",
            "Default country (ISO 3166 alpha-2) for national phone numbers.",
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_save", str, "", "Write the session to this mitmproxy flow file."
        )
        loader.add_option(
            "pixelhelper_save_all", bool, False,
            "With pixelhelper_save: save every flow, not only pixel traffic.",
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_report", str, "", "On exit, write the JSON audit report to this file."
        )
        loader.add_option(
            "pixelhelper_view", str, "auto",
            "auto: live view on a terminal, one line per event otherwise; live; lines; none.",
            choices=VIEWS,
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_show_values", bool, False,
            "Show raw sensitive values instead of masked ones (credentials stay hidden).",
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_allow_sdk", bool, False,
            "In block mode, let the SDK's JavaScript files load (Cookie and Referer removed) so "
            "that a real site's pixel runs; its events are still blocked.",
        )  # fmt: skip
        loader.add_option("pixelhelper_summary", bool, True, "On exit, print the session report.")
        loader.add_option(
            "pixelhelper_listen", str, "",
            "Listen address shown in the status line (set by `pixelhelper live`).",
        )  # fmt: skip

    def configure(self, updated: set[str]) -> None:
        """Validate options and (re)build the inspection state."""
        opts = ctx.options
        if "pixelhelper_mode" in updated and opts.pixelhelper_mode not in MODES:
            raise exceptions.OptionsError(f"pixelhelper_mode must be one of {', '.join(MODES)}")
        relevant = {"pixelhelper_known_identities", "pixelhelper_region", "pixelhelper_show_values",
                    "pixelhelper_mode", "pixelhelper_save", "pixelhelper_listen"}  # fmt: skip
        if self.state is not None and not (updated & relevant):
            return
        options = InspectOptions(
            region=opts.pixelhelper_region or None,
            known_identities=opts.pixelhelper_known_identities or None,
        )
        listen = (
            opts.pixelhelper_listen
            or f"{opts.listen_host or '127.0.0.1'}:{opts.listen_port or 8080}"
        )
        settings = LiveSettings(
            listen=listen,
            mode=opts.pixelhelper_mode,
            save=opts.pixelhelper_save or None,
            show_values=opts.pixelhelper_show_values,
        )
        try:
            self.state = LiveState(settings=settings, options=options)
        except PixelHelperError as exc:
            raise exceptions.OptionsError(str(exc)) from exc

    # ------------------------------------------------------------------ lifecycle

    def running(self) -> None:
        """Open the save file and start the view."""
        try:
            if ctx.options.pixelhelper_save and self._writer is None:
                path = Path(ctx.options.pixelhelper_save)
                self._save_file = path.open("wb")
                self._writer = FlowWriter(self._save_file)
            self._start_view()
        except Exception:
            log.exception("pixelhelper: could not start")

    def _start_view(self) -> None:
        view = ctx.options.pixelhelper_view
        console = self.console or Console()
        if view == "auto":
            view = "live" if console.is_terminal else "lines"
        self._view = view
        if view == "live" and self.state is not None:
            state = self.state
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

    def done(self) -> None:
        """Stop the view, close the save file, print the summary and write the report."""
        try:
            if self._live is not None:
                self._live.stop()
                self._live = None
            if self._log_handler is not None:
                log.removeHandler(self._log_handler)
                log.propagate = True
                self._log_handler = None
            if self._save_file is not None:
                self._save_file.close()
                self._save_file = None
                self._writer = None
            self._summary()
        except Exception:
            log.exception("pixelhelper: error while shutting down")

    def _summary(self) -> None:
        if self.state is None:
            return
        with self.state.lock:
            result = self.state.audit.finish()
            report = build_report(result, show_values=self.state.settings.show_values)
        if ctx.options.pixelhelper_report:
            Path(ctx.options.pixelhelper_report).write_text(
                Format.JSON.renderer()(report, False), encoding="utf-8"
            )
        if ctx.options.pixelhelper_summary:
            out = sys.stdout
            out.write(Format.TEXT.renderer()(report, out.isatty()))
            out.flush()

    # ------------------------------------------------------------------ traffic

    def request(self, flow: http.HTTPFlow) -> None:
        """Inspect each request as it passes; block or redact it when asked."""
        state = self.state
        if state is None:
            return
        try:
            state.flows_seen += 1
            if host_role(flow.request.pretty_host) is None:
                return  # the fast path: nearly all traffic is not TikTok's
            recognition = recognise(flow.request.method, flow.request.pretty_url)
        except Exception:
            log.exception("pixelhelper: recognition failed; flow passes unchanged")
            return
        if recognition is None:
            return
        mode = ctx.options.pixelhelper_mode
        meta: dict[str, Any] = {"kind": recognition.kind.value, "url": flow.request.pretty_url}
        flow.metadata["pixelhelper"] = meta
        try:
            indices = state.add(request_from_flow(flow, "live", state.flows_seen - 1))
            meta["events"] = indices
        except Exception as exc:
            state.errors += 1
            state.note(f"inspection failed: {type(exc).__name__}: {exc}")
            log.exception("pixelhelper: inspection failed")
            if mode in ("block", "redact"):  # fail closed
                self._block(flow, recognition.kind, meta)
            return
        try:
            if mode == "block":
                if recognition.kind is Kind.SCRIPT and ctx.options.pixelhelper_allow_sdk:
                    flow.request.headers.pop("cookie", None)
                    flow.request.headers.pop("referer", None)
                else:
                    self._block(flow, recognition.kind, meta)
            elif mode == "redact":
                self._redact(flow, [f for i in indices for f in state.findings_for(i)], meta)
            self._show(indices)
        except Exception as exc:
            state.errors += 1
            log.exception("pixelhelper: %s mode failed", mode)
            if mode in ("block", "redact"):
                self._block(flow, recognition.kind, meta)
            state.note(f"{mode} failed: {exc}")

    def _block(self, flow: http.HTTPFlow, kind: Kind, meta: dict[str, Any]) -> None:
        flow.response = blocked_response(flow, kind)
        meta["blocked"] = True
        if self.state is not None:
            self.state.blocked += 1

    def _redact(self, flow: http.HTTPFlow, findings: list[Finding], meta: dict[str, Any]) -> None:
        sensitive = [f for f in findings if f.type == "sensitive" and f.value]
        if not sensitive:
            return
        masker = Masker(sensitive, replacement=lambda _f: REDACTED)
        request = flow.request
        text = request.get_text(strict=False)
        if text:
            try:
                document = json.loads(text)
                request.text = json.dumps(masker.apply(document), separators=(",", ":"))
            except ValueError:
                request.text = masker.text(text)
        request.url = masker.text(request.pretty_url)
        for name in ("referer", "origin"):
            if name in request.headers:
                request.headers[name] = masker.text(request.headers[name])
        stripped = sorted({f"{f.category} at {f.location}" for f in sensitive})
        meta["redacted"] = stripped
        if self.state is not None:
            self.state.redacted += 1
            self.state.note("redacted: " + "; ".join(stripped))

    def _show(self, indices: list[int]) -> None:
        if self._view != "lines" or self.state is None:
            return
        console = self.console
        for index in indices:
            line = event_line(self.state, index)
            if console is not None:
                console.print(line, highlight=False, soft_wrap=True)
            else:
                print(line, flush=True)

    def response(self, flow: http.HTTPFlow) -> None:
        """Save finished flows."""
        self._save(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        """Save flows that ended in an error too (a blocked or failed beacon is still a hit)."""
        self._save(flow)

    def _save(self, flow: http.HTTPFlow) -> None:
        if self._writer is None:
            return
        try:
            meta = flow.metadata.get("pixelhelper")
            if meta is None and not ctx.options.pixelhelper_save_all:
                return
            if meta and meta.get("url") and meta["url"] != flow.request.pretty_url:
                # Another addon (map_remote, a redirect) rewrote the destination after we saw
                # it; save the request as the browser sent it so audits still recognise it.
                flow = flow.copy()
                flow.request.url = meta["url"]
            self._writer.add(flow)
            if self._save_file is not None:
                self._save_file.flush()
        except Exception:
            log.exception("pixelhelper: could not save flow")
