"""Observe mode's inspection process: the same results as inspecting in the proxy, in order,
and no hit lost when the process dies."""

from __future__ import annotations

import asyncio
import os
import signal

from mitmproxy.test import taddons

from pixelhelper.audit import Audit
from pixelhelper.inspect import InspectOptions
from pixelhelper.live.addon import PixelHelper
from pixelhelper.live.remote_inspector import InspectorGone, RemoteInspector
from pixelhelper.sources import request_from_flow

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
    requests = [request_from_flow(f, "live", n) for n, f in enumerate(_hits(6))]
    local = Audit(InspectOptions())
    expected = [local.prepare(r) for r in requests]

    async def run() -> list:
        remote = RemoteInspector(InspectOptions())
        remote.start(asyncio.get_running_loop())
        try:
            return [await f for f in [remote.submit(r) for r in requests]]
        finally:
            remote.close()

    results = asyncio.run(run())
    assert [status for status, _ in results] == ["ok"] * len(requests)
    for (_, packed), prepared in zip(results, expected, strict=True):
        assert [facts.event for facts, _pickled, _found in packed] == [e.event for e, _ in prepared]
        assert [[f.model_dump() for f in found] for *_, found in packed] == [
            [f.model_dump() for f in found] for _, found in prepared
        ]


def test_a_closed_process_fails_its_futures_so_the_caller_inspects_itself():
    async def run() -> None:
        remote = RemoteInspector(InspectOptions())
        remote.start(asyncio.get_running_loop())
        remote.close()
        future = remote.submit(request_from_flow(_hits(1)[0], "live", 0))
        assert isinstance(future.exception(), InspectorGone)

    asyncio.run(run())


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
            assert addon._remote is not None and addon._remote.alive
            for flow in [site_flow(n=99), *first]:
                await tctx.cycle(addon, flow)
            for _ in range(400):  # the process answers (it warms up first)
                if not addon._inflight:
                    break
                await asyncio.sleep(0.025)
            assert not addon._inflight, "the process answered every hit"
            assert addon.state is not None and len(addon.state.events) == 10
            os.kill(addon._remote.pid or 0, signal.SIGKILL)
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
