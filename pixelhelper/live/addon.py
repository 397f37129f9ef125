"""The mitmproxy addon: inspect pixel traffic as it passes, and optionally block or redact it.

It runs the same recognise -> decode -> inspect pipeline as `pixelhelper audit`, in the
`request` hook so that blocked requests are seen too. Two promises shape it:

- It never breaks the user's browsing: every hook catches its own errors, logs one line and
  lets the flow go on, and inspection of a large body runs off mitmproxy's event loop so other
  flows never wait for it.
- Block and redact modes cannot be bypassed. Block mode answers *every* request to a TikTok
  pixel host locally (any method, path or case; only `pixelhelper_allow_sdk` lets the SDK's
  scripts load), and forces `connection_strategy=lazy` so nothing dials TikTok first. Redact
  mode forwards only what it could parse, redact and then re-inspect clean; anything else is
  blocked (fail closed).

Load it with `mitmdump -s addons/tiktok_pixel.py`, or let `pixelhelper live` do it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import sys
import threading
from collections import deque
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mitmproxy import ctx, exceptions, http
from mitmproxy.io import FlowWriter
from rich.console import Console
from rich.live import Live
from rich.text import Text

from pixelhelper.decode import BodyError, body_text
from pixelhelper.errors import PixelHelperError
from pixelhelper.files import AtomicFile, atomic_output, check_writable, write_text
from pixelhelper.inspect import InspectOptions
from pixelhelper.live import snapshot
from pixelhelper.live.logs import ScrubFilter, quiet_cancelled_connections
from pixelhelper.live.outcome import failed as note_failed_write
from pixelhelper.live.redaction import REDACTED, Outcome, redact_request, reword_for_mode
from pixelhelper.live.remote_inspector import RemoteInspector
from pixelhelper.live.state import LiveSettings, LiveState, in_thread, paused_gc
from pixelhelper.live.stream import StreamSender, event_record, raw_request
from pixelhelper.live.view import event_line, render_live
from pixelhelper.output import Format
from pixelhelper.recognise import Kind, Recognition, host_role, recognise
from pixelhelper.report import build_report
from pixelhelper.severity import SEVERITIES
from pixelhelper.sources import request_from_flow

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest

log = logging.getLogger("pixelhelper")
log.addFilter(ScrubFilter())

MODES = ("observe", "block", "redact")
VIEWS = ("auto", "live", "lines", "none", "stream")
INLINE_LIMIT = 64 * 1024
"""Bodies up to this size are inspected inline; larger ones in a worker thread."""
_KEPT_FLOWS = 20_000  # pixel flows kept in memory for the app's "write the session"
_CORS = {"Access-Control-Allow-Credentials": "true", "Cache-Control": "no-store"}
# Hosts whose ignore/allow rules block mode must not honour (it would forward them raw).
_CANONICAL_HOSTS = ("analytics.tiktok.com", "analytics-sg.tiktok.com", "analytics.us.tiktok.com",
                    "business-api.tiktok.com", "analytics.pangle-ads.com")  # fmt: skip


def blocked_response(flow: http.HTTPFlow, kind: Kind | None) -> http.Response:
    """A local answer the pixel SDK accepts, so the page behaves as if TikTok had replied."""
    headers = dict(_CORS)
    origin = flow.request.headers.get("origin")
    headers["Access-Control-Allow-Origin"] = origin or "*"
    if flow.request.method.upper() == "OPTIONS":  # a CORS preflight: allow what was asked
        asked = flow.request.headers.get("access-control-request-headers", "content-type")
        headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = asked
        headers["Access-Control-Max-Age"] = "600"
        return http.Response.make(204, b"", headers)
    if kind is Kind.SCRIPT:
        headers["Content-Type"] = "application/javascript"
        return http.Response.make(200, b"/* blocked by pixelhelper */\n", headers)
    if kind is Kind.EVENTS_API:
        headers["Content-Type"] = "application/json"
        body = {"code": 0, "message": "OK (blocked by pixelhelper)", "request_id": "", "data": {}}
        return http.Response.make(200, json.dumps(body).encode(), headers)
    headers["Content-Type"] = "text/plain;charset=UTF-8"
    return http.Response.make(200, b"", headers)


def is_tiktok_flow(flow: http.HTTPFlow) -> bool:
    """True when the request goes to a TikTok pixel host by any name the proxy may use: the
    destination it dials, the URL's authority, or the Host header (which can disagree)."""
    return snapshot.is_tiktok(flow.request)


_REFUSED_EXIT_AFTER = 0.5  # s; a fallback: mitmdump's own start-up check exits first


def repeated_options(options: Any) -> list[str]:
    """The `pixelhelper_*` options given more than once on mitmdump's command line."""
    deferred = getattr(options, "deferred", None) or {}
    return sorted(
        name
        for name, value in deferred.items()
        if name.startswith("pixelhelper_") and len(getattr(value, "val", None) or ()) > 1
    )


def _refuse_repeated_options(master: Any) -> None:
    """Stop the proxy when a pixelhelper option was given twice.

    mitmproxy applies a script's options just after its `load` hook, and a single-valued option
    with two values makes that step fail ("Received multiple values"). The script is then
    not loaded at all, and mitmdump runs on without it, silently: in block mode every pixel
    request would reach TikTok. So the addon logs the error itself, which makes mitmdump exit
    with status 1 during start-up (its `errorcheck`); should a later mitmproxy load scripts
    after that check, the proxy is shut down a moment later all the same."""
    repeated = repeated_options(master.options)
    if repeated:
        log.error("pixelhelper: %s given more than once; give each option once "
                  "(the proxy does not start)", ", ".join(repeated))  # fmt: skip
        with contextlib.suppress(RuntimeError):  # no running loop: nothing is proxied yet
            asyncio.get_running_loop().call_later(_REFUSED_EXIT_AFTER, master.shutdown)


class _NoteHandler(logging.Handler):
    """Sends log records to the live view's note area instead of the terminal."""

    def __init__(self, state: LiveState) -> None:
        super().__init__(logging.WARNING)
        self.state = state

    def emit(self, record: logging.LogRecord) -> None:
        self.state.note(record.getMessage())


_SETTLE_WAIT = 10.0  # seconds a finished flow waits for its inspection before it is saved
_SETTLE_SLICE = 0.0005  # seconds of recording results before other flows get a turn
# Back-pressure: hits in flight to the inspection process beyond which a pixel request waits.
# Fed pixel hits faster than the process inspects them (about 2,000 a second here), the proxy
# would otherwise queue their snapshots without limit. No browsing session comes near it; a
# request waits at most `_BACKLOG_WAIT` seconds, so a stuck settler slows pixel requests but
# never stops them, and other traffic never waits.
_BACKLOG = 2_000
_BACKLOG_POLL = 0.005
_BACKLOG_WAIT = 1.0


@dataclass(eq=False)
class _Observed:
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


class _RemoteError(Exception):
    """What the inspection process reported for one request."""


def _reword(state: LiveState, indices: list[int], mode: str, stripped: Sequence[str] = ()) -> None:
    """Make the events' findings say what `mode` did with their values (`reword_for_mode`)."""
    findings = [f for i in indices for f in state.findings_for(i)]
    if findings:  # most hits have none
        reword_for_mode(findings, mode, stripped)


def _result_of(future: asyncio.Future[tuple[str, Any]] | None) -> tuple[str, Any] | None:
    """The process's answer, or None when there is none to use (inspect in-process)."""
    if future is None or not future.done() or future.cancelled():
        return None
    if future.exception() is not None:
        return None  # InspectorGone
    return future.result()


class PixelHelper:
    """mitmproxy addon: live TikTok Pixel Helper."""

    def __init__(self, console: Console | None = None, inspector_process: bool = False) -> None:
        """`inspector_process`: in observe mode, inspect in a separate process
        (`inspector_process`) and forward each pixel request at once; the proxies `pixelhelper
        live` and `mitmdump -s` start use it, in-process tests and embedders need not."""
        self.console = console
        self._use_process = inspector_process
        self._remote: RemoteInspector | None = None
        self._inflight: dict[str, _Observed] = {}  # flow id -> hit awaiting its inspection
        self._settler: asyncio.Task[None] | None = None
        self._settle_lock = threading.Lock()
        self.state: LiveState | None = None
        self._writer: FlowWriter | None = None
        self._save_file: AtomicFile | None = None
        self._live: Live | None = None
        self._view = "none"
        self._log_handler: logging.Handler | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._commands: asyncio.Task[None] | None = None
        self._warned_listen = False
        self._stream: StreamSender | None = None
        self._flows: deque[http.HTTPFlow] = deque(maxlen=_KEPT_FLOWS)

    # ------------------------------------------------------------------ options

    def load(self, loader: Any) -> None:
        """Declare the `pixelhelper_*` options (mitmproxy's namespace is global)."""
        self._declare_options(loader)
        _refuse_repeated_options(loader.master)
        quiet_cancelled_connections()

    @staticmethod
    def _declare_options(loader: Any) -> None:
        loader.add_option(
            "pixelhelper_mode", str, "observe",
            "observe: pass pixel traffic unchanged; block: answer every request to a TikTok "
            "pixel host locally (never reaches TikTok; fails closed); redact: forward with the "
            "values flagged sensitive removed, block what cannot be redacted.",
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
            "pixelhelper_save", str, "",
            "Write the session to this mitmproxy flow file (0600: it keeps raw traffic).",
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_save_all", bool, False,
            "With pixelhelper_save: save every flow, not only pixel traffic.",
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_report", str, "", "On exit, write the JSON audit report to this file."
        )
        loader.add_option(
            "pixelhelper_view", str, "auto",
            "auto: live view on a terminal, one line per event otherwise; live; lines; none; "
            "stream: records to the pixelhelper app (set by `pixelhelper live`).",
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
            "pixelhelper_inspector_process", bool, True,
            "In observe mode, decode and inspect pixel requests in a separate process and "
            "forward them at once (false: inspect in the proxy itself).",
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_listen", str, "",
            "Listen address shown in the status line (set by `pixelhelper live`).",
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_stream", str, "",
            "Unix socket of the pixelhelper app (set by `pixelhelper live`).",
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_summary_file", str, "",
            "Write the exit summary to this file instead of stdout (set by `pixelhelper live`).",
        )  # fmt: skip
        loader.add_option(
            "pixelhelper_parent_pid", int, 0,
            "End the proxy when this process dies (set by `pixelhelper live`).",
        )  # fmt: skip

    def configure(self, updated: set[str]) -> None:
        """Validate options and (re)build the inspection state."""
        opts = ctx.options
        if "pixelhelper_mode" in updated and opts.pixelhelper_mode not in MODES:
            raise exceptions.OptionsError(f"pixelhelper_mode must be one of {', '.join(MODES)}")
        if opts.pixelhelper_mode in ("block", "redact"):
            self._enforce_local_answers(opts)
        for name in ("pixelhelper_save", "pixelhelper_report"):
            if name in updated and getattr(opts, name):
                try:
                    check_writable(getattr(opts, name), name)
                except PixelHelperError as exc:
                    raise exceptions.OptionsError(str(exc)) from exc
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
        if self._remote is not None:  # it inspects with the old options: a new one, lazily
            self._remote.close()
            self._remote = None

    @staticmethod
    def _enforce_local_answers(opts: Any) -> None:
        """Block and redact answer TikTok locally: never dial it first, never pass it raw."""
        if getattr(opts, "connection_strategy", "lazy") != "lazy":
            opts.update(connection_strategy="lazy")
        import re

        for pattern in getattr(opts, "ignore_hosts", ()):
            if any(re.search(pattern, f"{host}:443") for host in _CANONICAL_HOSTS):
                raise exceptions.OptionsError(
                    f"ignore_hosts {pattern!r} would pass TikTok's pixel hosts through "
                    f"unblocked in {opts.pixelhelper_mode} mode"
                )
        allowed = getattr(opts, "allow_hosts", ())
        if allowed and not any(re.search(p, f"{h}:443") for p in allowed for h in _CANONICAL_HOSTS):
            raise exceptions.OptionsError(
                f"allow_hosts would pass TikTok's pixel hosts through unblocked in "
                f"{opts.pixelhelper_mode} mode; add analytics.tiktok.com to it"
            )

    # ------------------------------------------------------------------ lifecycle

    def running(self) -> None:
        """Open the save file, warn about a public listener, start the view and the watchdog."""
        try:
            self._warn_listen()
            if ctx.options.pixelhelper_save and self._writer is None:
                self._save_file = AtomicFile(ctx.options.pixelhelper_save, private=True)
                self._writer = FlowWriter(self._save_file.handle)
        except Exception as exc:
            self._failed(f"cannot save the session: {exc}")
        try:
            self._start_view()
            self._start_watchdog()
        except Exception:
            log.exception("pixelhelper: could not start the view")
        remote = self._ensure_remote()
        try:
            if self.state is not None:  # before the first real request, not during it
                self.state.warm_up(inspect=not remote)
        except Exception:
            log.exception("pixelhelper: warm-up failed (the first pixel request will be slower)")

    def _warn_listen(self) -> None:
        host = getattr(ctx.options, "listen_host", "127.0.0.1")
        try:
            loopback = bool(host) and ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback and not self._warned_listen:
            self._warned_listen = True
            log.warning(
                "pixelhelper: the proxy listens on %s, beyond this machine: anyone who can reach "
                "it can use it and read the traffic. Use --listen-host 127.0.0.1 unless you "
                "mean it.",
                host or "all interfaces",
            )

    def _start_watchdog(self) -> None:
        parent = ctx.options.pixelhelper_parent_pid
        if parent > 0 and self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().create_task(self._watch_parent(parent))

    @staticmethod
    async def _watch_parent(parent: int) -> None:
        """End the proxy if `pixelhelper live` is gone (it was killed, or its terminal closed)."""
        while os.getppid() == parent:
            await asyncio.sleep(1)
        log.warning("pixelhelper: the parent process ended; shutting the proxy down")
        ctx.master.shutdown()

    def _start_view(self) -> None:
        view = ctx.options.pixelhelper_view
        console = self.console or Console()
        if view == "auto":
            view = "live" if console.is_terminal else "lines"
        self._view = view
        if view == "stream" and self.state is not None and ctx.options.pixelhelper_stream:
            self._stream = StreamSender(ctx.options.pixelhelper_stream)
            self._stream.send({"type": "hello", **self._settings()})
            self._commands = asyncio.get_running_loop().create_task(self._serve_commands())
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
        for step in (self._catch_up, self._stop_remote, self._stop_view, self._close_save,
                     self._summary):  # fmt: skip
            try:
                step()
            except Exception as exc:
                log.error("pixelhelper: error while shutting down: %s: %s", type(exc).__name__, exc)

    def _settings(self) -> dict[str, Any]:
        settings = self.state.settings if self.state is not None else LiveSettings()
        return {"listen": settings.listen, "mode": settings.mode, "save": settings.save,
                "show_values": settings.show_values}  # fmt: skip

    async def _serve_commands(self) -> None:
        """Commands the app sends back: `write` saves the session (flow + JSON report) now."""
        while self._stream is not None:
            await asyncio.sleep(0.2)
            while not self._stream.commands.empty():
                command = self._stream.commands.get_nowait()
                if command.get("type") == "write":
                    self._write_session(
                        str(command.get("flow", "")), str(command.get("report", ""))
                    )

    def _write_session(self, flow_path: str, report_path: str) -> None:
        self._catch_up()
        try:
            if flow_path:
                with atomic_output(flow_path, private=True) as output:
                    writer = FlowWriter(output.handle)
                    for flow in list(self._flows):
                        writer.add(flow)
            if report_path and self.state is not None:
                with self.state.lock:
                    result = self.state.audit.finish_copy()
                    report = build_report(result, show_values=self.state.settings.show_values)
                write_text(report_path, Format.JSON.renderer()(report, False),
                           private=self.state.settings.show_values)  # fmt: skip
            self._note(f"session written: {flow_path} {report_path}".strip())
        except (OSError, PixelHelperError) as exc:
            self._note(f"could not write the session: {exc}")

    def _note(self, text: str) -> None:
        if self.state is not None:
            self.state.note(text)
        if self._stream is not None:
            self._stream.send({"type": "note", "text": text})

    def _stop_view(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._commands is not None:
            self._commands.cancel()
            self._commands = None
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self._log_handler is not None:
            log.removeHandler(self._log_handler)
            log.propagate = True
            self._log_handler = None

    def _close_save(self) -> None:
        if self._save_file is not None:
            save, self._save_file, self._writer = self._save_file, None, None
            try:
                save.commit()
            except PixelHelperError as exc:
                self._failed(f"the capture was not saved: {exc}")

    @staticmethod
    def _failed(message: str) -> None:
        """A file the session was asked to write is lost: say so, and exit non-zero."""
        log.error("pixelhelper: %s", message)
        note_failed_write(message)

    def _summary(self) -> None:
        if self.state is None:
            return
        with self.state.lock:
            result = self.state.audit.finish()
            report = build_report(result, show_values=self.state.settings.show_values)
        report["run"] = {"command": "live", "mode": self.state.settings.mode}
        if ctx.options.pixelhelper_summary_file:  # the app prints it once its screen is gone
            try:
                write_text(
                    ctx.options.pixelhelper_summary_file,
                    Format.TEXT.renderer()(report, True),
                    private=True,
                )
            except PixelHelperError as exc:
                self._failed(f"cannot write the summary: {exc}")
        elif ctx.options.pixelhelper_summary:  # printed first: a failing --report loses nothing
            out = sys.stdout
            out.write(Format.TEXT.renderer()(report, out.isatty()))
            out.flush()
        if ctx.options.pixelhelper_report:
            try:
                write_text(
                    ctx.options.pixelhelper_report,
                    Format.JSON.renderer()(report, False),
                    private=self.state.settings.show_values,
                )
            except (OSError, PixelHelperError) as exc:
                self._failed(f"cannot write the report: {exc}")

    # ------------------------------------------------------------------ traffic

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        """A request body too large to hold (`stream_large_bodies`) streams past the inspection:
        in block and redact mode one to TikTok is cut off instead, so nothing reaches it."""
        if not flow.request.stream:
            return  # every ordinary request: one attribute read
        state = self.state
        try:
            if state is not None and state.settings.mode != "observe" and is_tiktok_flow(flow):
                flow.kill()
                log.warning("pixelhelper: a pixel request too large to inspect was cut off")
        except Exception:
            log.exception("pixelhelper: requestheaders failed")

    def request(self, flow: http.HTTPFlow) -> Coroutine[Any, Any, None] | None:
        """Inspect each request as it passes; block or redact it when asked.

        Synchronous for the fast path (nearly all traffic is not TikTok's: no coroutine, no
        await); for pixel traffic it returns the coroutine mitmproxy awaits.
        """
        state = self.state
        if state is None:
            return None
        state.flows_seen += 1
        mode = state.settings.mode  # the option's value: `ctx.options` deep-copies it per read
        try:
            if not snapshot.may_be_tiktok(flow.request.data):
                return None  # nearly every flow
            if mode == "observe" and self._ensure_remote():
                self._observe_remotely(flow, state)  # judged there: not a name parsed here
                return self._caught_up() if len(self._inflight) > _BACKLOG else None
            if not snapshot.names_are_tiktok(flow.request):  # (the marker test passed above)
                return None
            recognition = recognise(flow.request.method, flow.request.pretty_url)
        except Exception:
            log.exception("pixelhelper: recognition failed")
            recognition = None
            if mode == "observe":
                return None
        return self._request(flow, recognition, mode, state)

    # ------------------------------------------------------- observe mode, other process

    def _ensure_remote(self) -> bool:
        """Is the inspection process there (started now if need be)? Only with a running
        loop and `inspector_process`; once it has failed, the proxy inspects by itself."""
        if not self._use_process or self.state is None:
            return False
        if self._remote is not None:
            return self._remote.alive
        if (
            ctx.options.pixelhelper_mode != "observe"
            or not ctx.options.pixelhelper_inspector_process
        ):
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._remote = RemoteInspector(self.state.options)
        try:
            self._remote.start(loop)
        except Exception as exc:
            log.warning("pixelhelper: no inspection process (%s); inspecting in the proxy", exc)
        return self._remote.alive

    async def _caught_up(self) -> None:
        """Hold a pixel request while the inspection process is more than `_BACKLOG` hits
        behind (at most `_BACKLOG_WAIT`), so the backlog and the proxy's memory stay bounded."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _BACKLOG_WAIT
        while len(self._inflight) > _BACKLOG and loop.time() < deadline:
            await asyncio.sleep(_BACKLOG_POLL)

    def _observe_remotely(self, flow: http.HTTPFlow, state: LiveState) -> None:
        """Copy the request as it is now (later addons may rewrite it), send it off, and let
        the flow go on; `_settle` records the result in arrival order."""
        assert self._remote is not None
        entry = _Observed(flow, snapshot.take(flow, state.flows_seen - 1), state,
                          answered=flow.response is not None)  # fmt: skip
        entry.future = self._remote.submit(entry.taken)
        self._inflight[flow.id] = entry
        if self._settler is None or self._settler.done():
            self._settler = asyncio.get_running_loop().create_task(self._settle_in_order())

    async def _settle_in_order(self) -> None:
        """Record observed hits in the order they came, each once its result is back; a
        large one (a big body: many events and findings to rebuild and record) in a thread,
        as the in-proxy inspection of large bodies does, so other flows keep moving."""
        loop = asyncio.get_running_loop()
        turn = loop.time()
        while self._inflight:
            entry = next(iter(self._inflight.values()))
            if entry.future is not None and not entry.future.done():
                with contextlib.suppress(Exception):
                    await entry.future
                turn = loop.time()
            if entry.settled:  # recorded meanwhile (a saved flow, a catch-up)
                self._inflight.pop(entry.flow.id, None)
                continue
            if snapshot.body_size(entry.taken) <= INLINE_LIMIT:  # nearly all: no coroutine
                self._settle(entry)
            else:
                await in_thread(self._settle, entry)
            if loop.time() - turn > _SETTLE_SLICE:  # a batch of results: let flows move
                await asyncio.sleep(0)
                turn = loop.time()

    def _settle(self, entry: _Observed) -> None:
        """Record one observed hit: the process's result, or the proxy's own inspection when
        the process is gone or was not waited for. Runs once per hit."""
        with self._settle_lock:  # the loop and a worker thread may both get here
            if entry.settled:
                return
            entry.settled = True
        self._inflight.pop(entry.flow.id, None)
        try:
            self._record_observed(entry)
        finally:
            entry.finished = True
            if entry.recorded is not None and not entry.recorded.done():
                entry.recorded.get_loop().call_soon_threadsafe(_resolve, entry.recorded)

    def _record_observed(self, entry: _Observed) -> None:
        state = entry.state
        try:
            result = _result_of(entry.future)
            if result is not None and result[0] == "error":
                raise _RemoteError(result[1])
            seen = None
            if result is None:  # the process is gone: judged and inspected here
                seen = snapshot.read(entry.taken)
                if seen is None:
                    return
                kind, url = seen.kind, seen.url
                with paused_gc():
                    prepared = state.prepare(seen.request) if kind is not None else []
                    indices = state.record(prepared)
            elif result[1] is None:
                return  # not TikTok's after all (a look-alike name)
            else:
                kind, url, packed = result[1]
                indices = state.record_packed(packed)
            self._meta(entry.flow, kind, url)["events"] = indices
            _reword(state, indices, "block" if entry.answered else "observe")
            self._print(self._lines(state, indices))
            if self._stream is not None:
                seen = seen or snapshot.read(entry.taken)
                if seen is not None:
                    self._stream_records(state, indices, seen.request, entry.flow)
        except Exception as exc:  # never the user's browsing: logged, and the proxy goes on
            state.errors += 1
            name = "" if isinstance(exc, _RemoteError) else f"{type(exc).__name__}: "
            log.error("pixelhelper: observe mode failed: %s%s", name, exc)

    def _catch_up(self) -> None:
        """Record every hit still in flight, inspecting it here: before the session is
        written or the proxy stops, so nothing is missing."""
        for entry in list(self._inflight.values()):
            self._settle(entry)

    def _stop_remote(self) -> None:
        if self._settler is not None:
            self._settler.cancel()
        if self._remote is not None:
            self._remote.close()

    async def _save_when_inspected(self, flow: http.HTTPFlow, entry: _Observed) -> None:
        """A saved or streamed flow carries its events: wait (briefly) until they are in."""
        entry.recorded = asyncio.get_running_loop().create_future()  # before the check:
        if not entry.finished:  # a settle (maybe in a thread) either sees it or is done
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(entry.recorded), _SETTLE_WAIT)
        self._settle(entry)  # not back in time: inspected here (a no-op once recorded)
        self._save(flow)

    @staticmethod
    def _meta(flow: http.HTTPFlow, kind: Kind | None, url: str) -> dict[str, Any]:
        """What a saved flow carries of its inspection (`flow.metadata["pixelhelper"]`)."""
        meta: dict[str, Any] = {"kind": kind.value if kind else None, "url": url}
        flow.metadata["pixelhelper"] = meta
        return meta

    # ------------------------------------------------------------ in the proxy itself

    async def _request(
        self, flow: http.HTTPFlow, recognition: Recognition | None, mode: str, state: LiveState
    ) -> None:
        try:
            await self._handle(flow, recognition, mode, state)
        except Exception as exc:
            state.errors += 1
            log.error("pixelhelper: %s mode failed: %s: %s", mode, type(exc).__name__, exc)
            if mode != "observe":  # fail closed
                self._block(flow, recognition, flow.metadata.setdefault("pixelhelper", {}))

    async def _handle(
        self, flow: http.HTTPFlow, recognition: Recognition | None, mode: str, state: LiveState
    ) -> None:
        kind = recognition.kind if recognition else None
        meta = self._meta(flow, kind, flow.request.pretty_url)
        sdk = kind is Kind.SCRIPT and flow.request.method.upper() in ("GET", "HEAD")
        if mode == "block" and sdk and ctx.options.pixelhelper_allow_sdk:
            for name in ("cookie", "referer", "origin"):
                flow.request.headers.pop(name, None)
        elif mode == "block" or (mode == "redact" and recognition is None):
            self._block(flow, recognition, meta)  # answered before inspection: nothing leaks
        elif mode == "redact" and flow.request.method.upper() == "OPTIONS":
            self._block(flow, recognition, meta)  # a preflight: answered, the real hit follows
        if recognition is None:
            return
        captured = request_from_flow(flow, "live", state.flows_seen - 1)
        redact = mode == "redact" and flow.response is None
        observe = mode == "observe"
        indices, lines, outcome = await self._offload(
            self._inspect, state, captured, redact, observe, len(captured.body)
        )
        meta["events"] = indices
        if outcome is not None and outcome.blocked:
            self._block(flow, recognition, meta)
            message = f"redact mode blocked a request it could not redact safely: {outcome.reason}"
            self._note(message)
            if self._view not in ("live", "stream"):
                log.warning("pixelhelper: %s", message)
        elif outcome is not None and outcome.changed:
            outcome.apply(flow.request)
            meta["url"] = flow.request.pretty_url  # the save keeps what was forwarded
            meta["redacted"] = outcome.stripped
            state.redacted += 1
            state.note("redacted: " + "; ".join(outcome.stripped))
        _reword(
            state,
            indices,
            "block" if flow.response is not None else mode,
            outcome.stripped if outcome is not None and outcome.changed else (),
        )
        if not observe:  # the lines say what the mode did with the values
            lines = self._lines(state, indices)
        self._print(lines)
        if self._stream is not None:
            await self._offload(
                self._stream_records, state, indices, captured, flow, len(captured.body)
            )

    def _inspect(
        self, state: LiveState, captured: CapturedRequest, redact: bool, lines: bool = True
    ) -> tuple[list[int], list[str], Outcome | None]:
        """All the CPU work for one request (decode, inspect, record, redact, format the
        lines unless the mode rewords the findings first), in one call that can run off the
        event loop."""
        with paused_gc():
            prepared = state.prepare(captured)
            indices = state.record(prepared)
        outcome = None
        if redact:
            findings = [f for _event, found in prepared for f in found]
            decode_failed = any(event.decode_error for event, _found in prepared)
            outcome = redact_request(captured, findings, decode_failed, state.audit.inspector)
        return indices, self._lines(state, indices) if lines else [], outcome

    def _lines(self, state: LiveState, indices: list[int]) -> list[str]:
        """The `lines` view's line per event (none in the other views)."""
        return [event_line(state, i) for i in indices] if self._view == "lines" else []

    @staticmethod
    async def _offload(func: Any, *args: Any) -> Any:
        """Run `func(*args[:-1])` inline for small bodies, in a thread for large ones (the last
        argument is the body size), so a huge body never stalls the proxy's other flows."""
        *call, size = args
        if size <= INLINE_LIMIT:
            return func(*call)
        return await in_thread(func, *call)

    def _block(
        self, flow: http.HTTPFlow, recognition: Recognition | None, meta: dict[str, Any]
    ) -> None:
        if flow.response is not None:
            return
        flow.response = blocked_response(flow, recognition.kind if recognition else None)
        meta["blocked"] = True
        if self.state is not None:
            self.state.blocked += 1

    def _stream_records(
        self, state: LiveState, indices: list[int], captured: CapturedRequest, flow: http.HTTPFlow
    ) -> None:
        """Send the app one record per event of this request, then the counters."""
        stream = self._stream
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
        self._send_status(state)

    def _send_status(self, state: LiveState) -> None:
        if self._stream is None:
            return
        counters = {"flows": state.flows_seen, "blocked": state.blocked,
                    "redacted": state.redacted, "errors": state.errors,
                    "dropped": self._stream.dropped}  # fmt: skip
        counts = {s: state.severities.get(s, 0) for s in SEVERITIES}
        self._stream.send({"type": "status", "events": len(state.events), "findings": counts,
                           **counters, **self._settings()})  # fmt: skip

    def _print(self, lines: list[str]) -> None:
        for line in lines:
            if self.console is not None:
                self.console.print(Text(line), highlight=False, soft_wrap=True)
            else:
                print(line, flush=True)

    def tls_clienthello(self, data: Any) -> None:
        """In block and redact mode, a TLS connection to a TikTok host is always intercepted
        (never passed through raw), and never waits on a connection to TikTok."""
        try:
            sni = data.client_hello.sni or ""
            if ctx.options.pixelhelper_mode != "observe" and sni and host_role(sni):
                data.ignore_connection = False
                data.establish_server_tls_first = False
        except Exception:
            log.exception("pixelhelper: tls_clienthello failed")

    def tcp_start(self, flow: Any) -> None:
        """Raw TCP to a TikTok host (not HTTP the proxy can answer) is cut in block/redact."""
        try:
            if ctx.options.pixelhelper_mode == "observe":
                return
            address = flow.server_conn.address
            names = [address[0] if address else "", flow.server_conn.sni or "",
                     flow.client_conn.sni or ""]  # fmt: skip
            if any(name and host_role(name) for name in names):
                flow.kill()
                if self.state is not None:
                    self.state.blocked += 1
        except Exception:
            log.exception("pixelhelper: tcp_start failed")

    def response(self, flow: http.HTTPFlow) -> Coroutine[Any, Any, None] | None:
        """Save finished flows."""
        return self._finished(flow)

    def error(self, flow: http.HTTPFlow) -> Coroutine[Any, Any, None] | None:
        """Save flows that ended in an error too (a blocked or failed beacon is still a hit)."""
        return self._finished(flow)

    def _finished(self, flow: http.HTTPFlow) -> Coroutine[Any, Any, None] | None:
        entry = self._inflight.get(flow.id)
        if entry is not None and (self._writer is not None or self._stream is not None):
            return self._save_when_inspected(flow, entry)
        self._save(flow)
        return None

    def _save(self, flow: http.HTTPFlow) -> None:
        if self._stream is not None and flow.metadata.get("pixelhelper") is not None:
            self._flows.append(flow)  # for the app's "write the session"
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
                self._save_file.handle.flush()
        except OSError as exc:  # a full disk, a file-size limit: the capture is lost
            if self._save_file is not None:
                self._save_file.discard()
                self._save_file, self._writer = None, None
            self._failed(f"the capture could not be saved, and was removed: {exc}")
        except Exception as exc:
            log.error("pixelhelper: could not save a flow: %s", exc)


# Every mitmproxy hook PixelHelper implements (a test holds this to the class).
SCRIPT_HOOKS = ("load", "configure", "running", "done", "requestheaders", "request", "response",
                "error", "tls_clienthello", "tcp_start")  # fmt: skip


# Hook names mitmproxy warns about when an addon has them (removed or deprecated events).
_RETIRED_HOOKS = frozenset(
    {"clientconnect", "clientdisconnect", "serverconnect", "serverdisconnect", "add_log"}
)


def script_namespace(helper: PixelHelper) -> dict[str, Any]:
    """The module-level names of a `mitmdump -s` script that runs `helper`.

    For every hook of every flow mitmproxy looks the hook up on the script module, then its
    `addons`, and walks on into them. On Python 3.11 a name a module lacks is costly: the
    module formats an AttributeError message that `getattr(..., None)` then throws away (1.7
    us, against 0.06 us on an object), and a request passes through a dozen hooks. So the
    script names every hook mitmproxy has: the helper's own methods, and None for the rest
    (mitmproxy skips a hook that is None), with an empty `addons`. A hook a later mitmproxy
    adds is only looked up the slow way; nothing depends on this list being complete."""
    from mitmproxy import hooks

    names: dict[str, Any] = {name: None for name in hooks.all_hooks if name not in _RETIRED_HOOKS}
    names.update({name: getattr(helper, name) for name in SCRIPT_HOOKS})
    names["addons"] = []
    return names


__all__ = ["REDACTED", "SCRIPT_HOOKS", "PixelHelper", "blocked_response", "is_tiktok_flow",
           "script_namespace"]  # fmt: skip
