"""Observe mode's inspection process: the same results as inspecting in the proxy, in order,
and no hit lost when the process dies."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import replace

from mitmproxy.test import taddons

from pixelhelper.audit import Audit
from pixelhelper.inspect import InspectOptions
from pixelhelper.live import snapshot
from pixelhelper.live.addon import PixelHelper, is_tiktok_flow
from pixelhelper.live.inspector_process import NICENESS
from pixelhelper.live.remote_inspector import InspectorGone, RemoteInspector
from pixelhelper.recognise import host_role, recognise
from pixelhelper.sources import request_from_flow
from pixelhelper.sources.writer import make_flow

from flowfactory import hit, pixel_flow, site_flow

EVENTS = ["Pageview", "ViewContent", "AddToCart", "CompletePayment", "Contact"]


def _hits(count: int, start: int = 0) -> list:
    flows = []
    for n in range(start, start + count):
        flow = pixel_flow(
            hit(
                EVENTS[n % len(EVENTS)],
                n=n,
                page=f"https://shop.example.com/p/{n}?email=a{n}%40example.com",
            ),
            n=n,
        )
        flow.response = None  # as the request hook sees it
        flows.append(flow)
    return flows


def test_the_process_packs_what_the_proxy_would_record():
    flows = [*_hits(6), site_flow(n=7)]
    requests = [request_from_flow(f, "live", n) for n, f in enumerate(flows)]
    local = Audit(InspectOptions())
    expected = [local.prepare(r) for r in requests]

    async def run() -> list:
        remote = RemoteInspector(InspectOptions())
        remote.start(asyncio.get_running_loop())
        try:
            taken = [snapshot.take(f, n) for n, f in enumerate(flows)]
            return [await f for f in [remote.submit(t) for t in taken]]
        finally:
            remote.close()

    results = asyncio.run(run())
    assert [status for status, _ in results] == ["ok"] * len(requests)
    assert results[-1] == ("ok", None)  # not TikTok's: nothing to record
    for (_, (kind, url, packed)), prepared, request in zip(results[:-1], expected, requests):
        assert (kind, url) == ("pixel", request.url)
        assert [facts.event for facts, _pickled, _found in packed] == [e.event for e, _ in prepared]
        assert [[f.model_dump() for f in found] for *_, found in packed] == [
            [f.model_dump() for f in found] for _, found in prepared
        ]


NAMES = [  # (URL, Host header): how a request may name, or seem to name, TikTok
    ("https://analytics.tiktok.com/api/v2/pixel", None),
    ("https://analytics.tiktok.com:8443/api/v2/pixel/act", None),
    ("http://203.0.113.9/api/v2/pixel", "analytics.tiktok.com"),  # transparent mode
    ("https://shop.example.com/api/v2/pixel", "Analytics.TikTok.com:443"),
    ("https://analytics.tiktok.com/api/v2/pixel", "shop.example.com"),
    ("https://business-api.tiktok.com/open_api/v1.3/event/track/", None),
    ("https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=C1", None),
    ("https://analytics.tiktok.com/unknown/endpoint", None),
    ("https://tiktok.com.evil.example/api/v2/pixel", None),
    ("https://mytiktokfans.example/api/v2/pixel", "mytiktokfans.example"),
    ("http://203.0.113.9/api/v2/pixel", "analytics.ti\u212atok.com"),  # folds to "tiktok"
    ("https://shop.example.com/", None),
]


def _flow(url: str, host: str | None):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "text/plain", "User-Agent": "UA"}
    if host:
        headers["Host"] = host
    method = "GET" if "events.js" in url or url.endswith("/") else "POST"
    return make_flow(method, url, headers=headers, body=b"{}", client_ip="192.0.2.7")


def test_a_snapshot_reads_as_the_flow_itself():
    """What the process judges from a snapshot is what the proxy judges from the flow."""
    for n, (url, host) in enumerate(NAMES):
        flow = _flow(url, host)
        names = {flow.request.host, flow.request.pretty_host, flow.request.host_header or ""}
        tiktok = any(host_role(name) is not None for name in names if name)
        assert snapshot.may_be_tiktok(flow.request.data) or not tiktok, url  # the cheap gate
        seen = snapshot.read(snapshot.take(flow, n))
        assert (seen is not None) == is_tiktok_flow(flow) == tiktok, url
        if seen is None:
            continue
        recognition = recognise(flow.request.method, flow.request.pretty_url)
        assert seen.kind == (recognition.kind if recognition else None), url
        assert seen.url == flow.request.pretty_url
        # (a live session has one port: the snapshot leaves out the port a `--consent` visit
        # tells its modes apart by)
        assert seen.request == replace(request_from_flow(flow, "live", n), listen_port=None)


def test_a_state_flowstate_does_not_expect_is_read_by_mitmproxy_alike(monkeypatch):
    """A later mitmproxy may shape a request's state differently: it is then read through
    mitmproxy's own classes, to the same result."""
    from pixelhelper.sources import flowstate

    flows = [_flow(url, host) for url, host in NAMES]
    expected = [snapshot.read(snapshot.take(flow, n)) for n, flow in enumerate(flows)]

    def unexpected(*_args):  # type: ignore[no-untyped-def]
        raise flowstate.Unexpected("request fields")

    monkeypatch.setattr(flowstate, "host_names", unexpected)
    got = [snapshot.read(snapshot.take(flow, n)) for n, flow in enumerate(flows)]
    assert got == expected and any(got)


def test_requests_submitted_close_together_go_out_as_one_frame(monkeypatch):
    """Under load each frame costs the proxy a write and a read that wake the other
    process: hits submitted within a few milliseconds of the last frame share the next."""
    import pixelhelper.live.remote_inspector as remote_module

    sizes: list[int] = []
    real_frame = remote_module.frame

    def counting(batch):  # type: ignore[no-untyped-def]
        sizes.append(len(batch))
        return real_frame(batch)

    monkeypatch.setattr(remote_module, "frame", counting)
    flows = _hits(7)

    async def run() -> list:
        remote = RemoteInspector(InspectOptions())
        remote.start(asyncio.get_running_loop())
        try:
            first = remote.submit(snapshot.take(flows[0], 0))
            await first  # the process is up (it took a while): the next hit goes at once
            rest = []
            for n, flow in enumerate(flows[1:], start=1):
                rest.append(remote.submit(snapshot.take(flow, n)))
                await asyncio.sleep(0)  # each in its own turn of the loop
            return [await first, *[await f for f in rest]]
        finally:
            remote.close()

    results = asyncio.run(run())
    assert [status for status, _ in results] == ["ok"] * 7
    assert [len(packed) for _, (_kind, _url, packed) in results] == [1] * 7
    assert sizes[:2] == [1, 1] and sum(sizes) == 7  # nearly always [1, 1, 5]
    assert len(sizes) <= 4, sizes  # (a very slow machine may cut the burst once or twice)


def test_a_closed_process_fails_its_futures_so_the_caller_inspects_itself():
    async def run() -> None:
        remote = RemoteInspector(InspectOptions())
        remote.start(asyncio.get_running_loop())
        remote.close()
        future = remote.submit(snapshot.take(_hits(1)[0], 0))
        assert isinstance(future.exception(), InspectorGone)

    asyncio.run(run())


def test_closing_ends_the_process_at_once_not_by_a_kill():
    """The process exits on its own when the proxy closes the socket, without holding the
    proxy's shutdown for the kill timeout."""

    async def run() -> int | None:
        remote = RemoteInspector(InspectOptions())
        remote.start(asyncio.get_running_loop())
        assert await remote.submit(snapshot.take(site_flow(n=1), 0)) == ("ok", None)
        process = remote._process
        assert process is not None
        remote.close()
        return process.returncode

    assert asyncio.run(run()) == 0, "it exited by itself (killed after the timeout: -9)"


def _recorded(addon: PixelHelper) -> list[tuple[str | None, str | None]]:
    assert addon.state is not None
    return [(f.event, f.page_url) for f in addon.state.events.facts]


def test_observe_mode_records_every_hit_in_order_even_when_the_process_dies():
    addon = PixelHelper(inspector_process=True)
    first, second = _hits(10), _hits(10, start=10)

    async def run() -> None:
        with taddons.context(addon) as tctx:
            tctx.configure(addon, pixelhelper_view="none", pixelhelper_summary=False)
            addon.running()
            assert addon.observer.remote is not None and addon.observer.remote.alive
            for flow in [site_flow(n=99), *first]:
                await tctx.cycle(addon, flow)
            for _ in range(400):  # the process answers (it warms up first)
                if not addon.observer.inflight:
                    break
                await asyncio.sleep(0.025)
            assert not addon.observer.inflight, "the process answered every hit"
            assert addon.state is not None and len(addon.state.events) == 10
            os.kill(addon.observer.remote.pid or 0, signal.SIGKILL)
            for flow in second:
                await tctx.cycle(addon, flow)
            addon.done()  # whatever is still in flight is inspected in the proxy

    reference = PixelHelper()  # inspects in the proxy itself

    async def inline() -> None:
        with taddons.context(reference) as tctx:
            tctx.configure(reference, pixelhelper_view="none", pixelhelper_summary=False)
            reference.running()
            for flow in _hits(20):
                await tctx.cycle(reference, flow)
            reference.done()

    async def both() -> None:  # one loop: mitmproxy's log handler keeps the first one
        await run()
        await inline()

    asyncio.run(both())
    assert _recorded(addon) == _recorded(reference)
    assert addon.state is not None and reference.state is not None
    ours = [(f.rule, f.event, f.location) for f in addon.state.audit.result.findings]
    theirs = [(f.rule, f.event, f.location) for f in reference.state.audit.result.findings]
    assert ours == theirs and ours, "the same findings, on the same events"


def test_pixel_requests_wait_while_the_process_is_far_behind(monkeypatch):
    """Back-pressure: past `BACKLOG` hits in flight a pixel request waits until the process
    catches up, or at most `BACKLOG_WAIT`; other traffic never waits, and no hit is lost."""
    from pixelhelper.live import addon as addon_module
    from pixelhelper.live import observer as observer_module

    monkeypatch.setattr(addon_module, "BACKLOG", 3)  # when a request waits
    monkeypatch.setattr(observer_module, "BACKLOG", 3)  # until when it waits
    addon = PixelHelper(inspector_process=True)
    flows = _hits(6)

    async def run() -> tuple[list[bool], bool, float, int]:
        with taddons.context(addon) as tctx:
            tctx.configure(addon, pixelhelper_view="none", pixelhelper_summary=False)
            addon.running()
            assert addon.observer.remote is not None and addon.observer.remote.pid is not None
            os.kill(addon.observer.remote.pid, signal.SIGSTOP)  # the process falls behind
            try:
                held = [addon.request(flow) for flow in flows]
                site_waits = addon.request(site_flow(n=99)) is not None
                monkeypatch.setattr(observer_module, "BACKLOG_WAIT", 0.2)
                loop = asyncio.get_running_loop()
                start = loop.time()
                await held[-1]  # the process is stopped: given up after the longest wait
                waited = loop.time() - start
            finally:
                os.kill(addon.observer.remote.pid, signal.SIGCONT)
            monkeypatch.setattr(observer_module, "BACKLOG_WAIT", 60.0)
            await held[-2]  # returns once the process has caught up
            behind = len(addon.observer.inflight)
            for coroutine in held:
                if coroutine is not None:
                    coroutine.close()
            for _ in range(400):
                if not addon.observer.inflight:
                    break
                await asyncio.sleep(0.025)
            addon.done()
            return [c is not None for c in held], site_waits, waited, behind

    waits, site_waits, waited, behind = asyncio.run(run())
    assert waits == [False, False, False, True, True, True]
    assert not site_waits, "traffic that is not TikTok's never waits"
    assert waited >= 0.2, waited
    assert behind <= 3
    assert addon.state is not None
    assert [f.event for f in addon.state.events.facts] == [EVENTS[n % 5] for n in range(6)]


def test_a_saved_session_holds_each_hit_with_its_events(tmp_path):
    """A finished flow waits for its inspection, so the saved flow carries its events."""
    from mitmproxy.io import FlowReader

    from pixelhelper.audit import audit_paths

    saved = tmp_path / "session.flow"
    addon = PixelHelper(inspector_process=True)
    flows = [pixel_flow(hit(EVENTS[n % len(EVENTS)], n=n), n=n) for n in range(8)]

    async def run() -> None:
        with taddons.context(addon) as tctx:
            tctx.configure(addon, pixelhelper_view="none", pixelhelper_summary=False,
                           pixelhelper_save=str(saved))  # fmt: skip
            addon.running()
            for flow in flows:  # request, then response: the response waits for the result
                await tctx.cycle(addon, flow)
            addon.done()

    asyncio.run(run())
    with saved.open("rb") as handle:
        metas = [f.metadata.get("pixelhelper") for f in FlowReader(handle).stream()]
    assert [m["events"] for m in metas] == [[n] for n in range(8)]
    assert len(audit_paths([saved]).events) == 8


def test_the_process_yields_the_cpu_to_the_proxy():
    """On a busy machine the proxy's flows, which the user waits on, come before verdicts."""

    async def run() -> int:
        remote = RemoteInspector(InspectOptions())
        remote.start(asyncio.get_running_loop())
        try:
            assert await remote.submit(snapshot.take(site_flow(n=1), 0)) == ("ok", None)
            assert remote.pid is not None
            return os.getpriority(os.PRIO_PROCESS, remote.pid)
        finally:
            remote.close()

    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert asyncio.run(run()) == min(ours + NICENESS, 19)  # 19: the lowest priority there is
