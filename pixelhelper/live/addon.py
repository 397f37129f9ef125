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
import ipaddress
import logging
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from mitmproxy import ctx, http
from rich.console import Console

from pixelhelper.live import snapshot
from pixelhelper.live.answers import blocked_response, is_tiktok_flow
from pixelhelper.live.connections import ConnectionGuard
from pixelhelper.live.logs import ScrubFilter, quiet_cancelled_connections
from pixelhelper.live.observer import BACKLOG, INLINE_LIMIT, Observed, RemoteObserver
from pixelhelper.live.options import checked_state, declare_options, refuse_repeated_options
from pixelhelper.live.recorder import Recorder
from pixelhelper.live.redaction import REDACTED, Outcome, redact_request, reword_for_mode
from pixelhelper.live.screen import Screen, exit_report
from pixelhelper.live.script import SCRIPT_HOOKS, script_namespace
from pixelhelper.live.state import LiveState, in_thread, paused_gc
from pixelhelper.live.watchdog import ParentWatchdog
from pixelhelper.recognise import Kind, Recognition, recognise
from pixelhelper.sources import request_from_flow

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest

log = logging.getLogger("pixelhelper")
log.addFilter(ScrubFilter())


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
    """mitmproxy addon: live TikTok Pixel Helper. Its hooks judge each request and, for pixel
    traffic, inspect, block or redact it; what it shows (`screen.Screen`), what it saves
    (`recorder.Recorder`) and observe mode's inspection process (`observer.RemoteObserver`)
    are its parts, and the parent watchdog (`watchdog.ParentWatchdog`) an addon of its own."""

    def __init__(self, console: Console | None = None, inspector_process: bool = False) -> None:
        """`inspector_process`: in observe mode, inspect in a separate process
        (`inspector_process`) and forward each pixel request at once; the proxies `pixelhelper
        live` and `mitmdump -s` start use it, in-process tests and embedders need not."""
        self.state: LiveState | None = None
        self.screen = Screen(console)
        self.recorder = Recorder()
        self.observer = RemoteObserver(inspector_process, self._record_observed)
        self.watchdog = ParentWatchdog()
        self.connections = ConnectionGuard(self._count_blocked)
        self._warned_listen = False

    # ------------------------------------------------------------------ options

    def load(self, loader: Any) -> None:
        """Declare the `pixelhelper_*` options (mitmproxy's namespace is global)."""
        declare_options(loader)
        refuse_repeated_options(loader.master)
        quiet_cancelled_connections()

    def configure(self, updated: set[str]) -> None:
        """Validate options and (re)build the inspection state (`options.checked_state`)."""
        opts = ctx.options
        self.recorder.save_all = opts.pixelhelper_save_all  # read here, not per flow (a copy)
        state = checked_state(opts, updated, rebuild=self.state is None)
        if state is not None:
            self.state = state
            self.observer.renew()  # the process inspects with the old options

    # ------------------------------------------------------------------ lifecycle

    def running(self) -> None:
        """Open the save file, warn about a public listener, start the view and the
        parent watchdog."""
        self._warn_listen()
        self.watchdog.running()
        if ctx.options.pixelhelper_save:
            self.recorder.open(ctx.options.pixelhelper_save)
        try:
            self.screen.start(self.state, self._write_session)
            self.recorder.keep_flows = self.screen.stream is not None
        except Exception:
            log.exception("pixelhelper: could not start the view")
        remote = self.observer.ensure(self.state)
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

    def done(self) -> None:
        """Record what is in flight, stop the view, close the save file, print the summary
        and write the report."""
        for step in (self.watchdog.done, self.observer.catch_up, self.observer.stop,
                     self.screen.stop, self.recorder.close, self._exit_report):  # fmt: skip
            try:
                step()
            except Exception as exc:
                log.error("pixelhelper: error while shutting down: %s: %s", type(exc).__name__, exc)

    def _exit_report(self) -> None:
        if self.state is not None:
            exit_report(self.state)

    def _write_session(self, flow_path: str, report_path: str) -> None:
        """The app asked to write the session now (flow file and JSON report)."""
        self.observer.catch_up()
        self.screen.note(self.state, self.recorder.write_session(flow_path, report_path,
                                                                 self.state))  # fmt: skip

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
                if not snapshot.may_be_proxied(flow.request.data):
                    return None  # nearly every flow
                return self._proxied(flow, mode, state)
            if mode == "observe" and self.observer.ensure(state):
                self.observer.submit(flow, state)  # judged there: not a name parsed here
                observer = self.observer
                return observer.caught_up() if len(observer.inflight) > BACKLOG else None
            recognition = recognise(flow.request.method, flow.request.pretty_url)
            if recognition is None and not snapshot.names_are_tiktok(flow.request):
                # another vendor's host: only what it recognises is its pixel's (the rest of
                # facebook.com is the user's browsing); or a payload through a proxied path
                if not snapshot.may_be_proxied(flow.request.data):
                    return None
                return self._proxied(flow, mode, state)
        except Exception:
            log.exception("pixelhelper: recognition failed")
            recognition = None
            if mode == "observe":
                return None
        return self._request(flow, recognition, mode, state)

    def _proxied(
        self, flow: http.HTTPFlow, mode: str, state: LiveState
    ) -> Coroutine[Any, Any, None] | None:
        """A request to another host whose body may be a pixel payload (a first-party proxy):
        handled as a pixel hit when it is one, in every mode; left alone otherwise."""
        try:
            from pixelhelper.sources.flows import request_from_flow

            recognition = snapshot.recognise_proxied(request_from_flow(flow, "live", 0))
        except Exception:
            log.exception("pixelhelper: recognition failed")
            return None
        if recognition is None:
            return None
        return self._request(flow, recognition, mode, state)

    # ------------------------------------------------------- observe mode, other process

    def _record_observed(self, entry: Observed) -> None:
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
            self.screen.print(self.screen.lines(state, indices))
            if self.screen.stream is not None:
                seen = seen or snapshot.read(entry.taken)
                if seen is not None:
                    self.screen.send_records(state, indices, seen.request, entry.flow)
        except Exception as exc:  # never the user's browsing: logged, and the proxy goes on
            state.errors += 1
            name = "" if isinstance(exc, _RemoteError) else f"{type(exc).__name__}: "
            log.error("pixelhelper: observe mode failed: %s%s", name, exc)

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
            self.screen.note(state, message)
            if self.screen.view not in ("live", "stream"):
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
            lines = self.screen.lines(state, indices)
        self.screen.print(lines)
        if self.screen.stream is not None:
            await self._offload(
                self.screen.send_records, state, indices, captured, flow, len(captured.body)
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
        return indices, self.screen.lines(state, indices) if lines else [], outcome

    @staticmethod
    async def _offload(func: Any, *args: Any) -> Any:
        """Run `func(*args[:-1])` inline for small bodies, in a thread for large ones (the last
        argument is the body size), so a huge body never stalls the proxy's other flows."""
        *call, size = args
        if size <= INLINE_LIMIT:
            return func(*call)
        return await in_thread(func, *call)

    def _count_blocked(self) -> None:
        if self.state is not None:
            self.state.blocked += 1

    def _block(
        self, flow: http.HTTPFlow, recognition: Recognition | None, meta: dict[str, Any]
    ) -> None:
        if flow.response is not None:
            return
        flow.response = blocked_response(flow, recognition.kind if recognition else None)
        meta["blocked"] = True
        if self.state is not None:
            self.state.blocked += 1

    def response(self, flow: http.HTTPFlow) -> Coroutine[Any, Any, None] | None:
        """Save finished flows."""
        return self._finished(flow)

    def error(self, flow: http.HTTPFlow) -> Coroutine[Any, Any, None] | None:
        """Save flows that ended in an error too (a blocked or failed beacon is still a hit)."""
        return self._finished(flow)

    def _finished(self, flow: http.HTTPFlow) -> Coroutine[Any, Any, None] | None:
        entry = self.observer.inflight.get(flow.id)
        if entry is not None and (self.recorder.saving or self.screen.stream is not None):
            return self._save_when_inspected(flow, entry)
        self.recorder.save(flow)
        return None

    async def _save_when_inspected(self, flow: http.HTTPFlow, entry: Observed) -> None:
        """A saved or streamed flow carries its events: wait (briefly) until they are in."""
        await self.observer.when_inspected(entry)
        self.recorder.save(flow)


__all__ = ["REDACTED", "SCRIPT_HOOKS", "PixelHelper", "blocked_response", "is_tiktok_flow",
           "script_namespace"]  # fmt: skip
