"""The addon inside a real mitmproxy master (mitmproxy.test.taddons), no network involved."""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from mitmproxy import exceptions
from mitmproxy.test import taddons

from pixelhelper.audit import audit_paths
from pixelhelper.live.addon import PixelHelper
from pixelhelper.sources.writer import make_flow

from flowfactory import hit, loader_flow, pixel_flow, site_flow


def _fresh(flow):
    """A flow as the proxy sees it in the request hook: no response yet."""
    flow.response = None
    return flow


def _run(addon, flows, **options):
    with taddons.context(addon) as tctx:
        tctx.configure(addon, pixelhelper_view="none", pixelhelper_summary=False, **options)
        addon.running()
        for flow in flows:
            asyncio.run(tctx.cycle(addon, flow))
        addon.done()
    return flows


MALFORMED = [
    b"",
    b"{not json",
    b"\x00\x01\x02\xff" * 50,
    b'{"event": 5, "context": [1, 2], "properties": "x"}',
    json.dumps({"batch": []}).encode(),
    json.dumps([None, 1, "x"]).encode(),
]


def _traffic():
    flows = [_fresh(site_flow(n=0)), _fresh(loader_flow(n=1))]
    flows += [_fresh(pixel_flow(body, n=2 + i)) for i, body in enumerate(MALFORMED)]
    gz = pixel_flow(hit("Purchase"), n=20)
    gz.request.headers["content-encoding"] = "gzip"
    gz.request.raw_content = b"not gzip at all"
    flows.append(_fresh(gz))
    flows.append(_fresh(make_flow("GET", "https://www.tiktok.com/@creator/video/1", timestamp=1.0)))
    flows.append(
        _fresh(
            pixel_flow(
                hit("Pageview", page="https://shop.example.com/?email=jane%40example.com"), n=30
            )
        )
    )
    return flows


def test_observe_mode_lets_every_flow_through_unchanged(tmp_path):
    flows = _traffic()
    before = [(f.request.url, f.request.raw_content) for f in flows]
    addon = PixelHelper()
    _run(addon, flows, pixelhelper_mode="observe", pixelhelper_save=str(tmp_path / "s.flow"))
    assert [(f.request.url, f.request.raw_content) for f in flows] == before
    assert all(f.response is None for f in flows)  # nothing answered locally
    result = addon.state.audit.result
    assert len([e for e in result.events if e.decode_error]) >= 4
    assert any(f.category == "email" for f in result.findings)


def test_block_mode_answers_every_pixel_request_locally():
    flows = _traffic()
    addon = PixelHelper()
    _run(addon, flows, pixelhelper_mode="block")
    for flow in flows:
        pixel = "pixelhelper" in flow.metadata
        assert (flow.response is not None) == pixel, flow.request.pretty_url
        if pixel:
            assert flow.response.status_code == 200
            assert flow.metadata["pixelhelper"]["blocked"] is True
    script = flows[1]
    assert script.response.headers["content-type"] == "application/javascript"


def test_block_mode_fails_closed_when_inspection_breaks(monkeypatch):
    addon = PixelHelper()
    flows = [_fresh(pixel_flow(hit("Purchase"))), _fresh(site_flow())]
    with taddons.context(addon) as tctx:
        tctx.configure(
            addon, pixelhelper_view="none", pixelhelper_summary=False, pixelhelper_mode="block"
        )
        monkeypatch.setattr(addon.state, "prepare", lambda request: 1 / 0)
        for flow in flows:
            asyncio.run(tctx.cycle(addon, flow))
    assert flows[0].response is not None and flows[0].metadata["pixelhelper"]["blocked"]
    assert flows[1].response is None
    assert addon.state.errors == 1


def test_a_mode_changed_while_running_applies_to_the_next_request():
    """The request hook reads the mode from the state `configure` rebuilds, not per request
    from mitmproxy's options: a change (`:set` in mitmproxy's console) must still reach it."""
    addon = PixelHelper()
    first, second = _fresh(pixel_flow(hit("Pageview"))), _fresh(pixel_flow(hit("Purchase")))
    with taddons.context(addon) as tctx:
        tctx.configure(addon, pixelhelper_view="none", pixelhelper_summary=False)
        asyncio.run(tctx.cycle(addon, first))
        tctx.configure(addon, pixelhelper_mode="block")
        asyncio.run(tctx.cycle(addon, second))
        tctx.configure(addon, pixelhelper_mode="observe")
        third = _fresh(pixel_flow(hit("Lead")))
        asyncio.run(tctx.cycle(addon, third))
    assert first.response is None  # observed, forwarded
    assert second.response is not None and second.metadata["pixelhelper"]["blocked"] is True
    assert third.response is None


def test_observe_mode_survives_inspection_errors(monkeypatch):
    addon = PixelHelper()
    flow = _fresh(pixel_flow(hit("Purchase")))
    with taddons.context(addon) as tctx:
        tctx.configure(addon, pixelhelper_view="none", pixelhelper_summary=False)
        monkeypatch.setattr(addon.state, "prepare", lambda request: 1 / 0)
        asyncio.run(tctx.cycle(addon, flow))
    assert flow.response is None and flow.error is None


def test_redact_mode_rewrites_body_url_and_referer():
    body = hit(
        "Lead",
        page="https://shop.example.com/thanks?email=jane.doe%40example.com",
        user={"email": "jane.doe@example.com", "phone_number": "+1 415 555 0132"},
        properties={"description": "Book an HIV test"},
    )
    flow = _fresh(
        pixel_flow(body, Referer="https://shop.example.com/thanks?email=jane.doe%40example.com")
    )
    flow.request.headers["content-encoding"] = "gzip"
    flow.request.raw_content = gzip.compress(json.dumps(body).encode())
    addon = PixelHelper()
    _run(addon, [flow], pixelhelper_mode="redact")
    assert flow.response is None  # forwarded
    sent = flow.request.get_text()
    assert "jane.doe" not in sent and "415 555" not in sent and "HIV" not in sent
    assert json.loads(sent)["context"]["user"]["email"] == "REDACTED"
    assert json.loads(sent)["event"] == "Lead"  # the rest is intact
    assert "jane.doe" not in flow.request.headers["referer"]
    assert flow.request.headers["content-encoding"] == "gzip"  # still a valid gzip body
    assert "email at context.user.email" in flow.metadata["pixelhelper"]["redacted"]


def test_save_writes_pixel_flows_only_unless_save_all(tmp_path):
    for save_all, expected in ((False, 3), (True, 4)):
        path = tmp_path / f"s{save_all}.flow"
        flows = [
            _fresh(site_flow()),
            _fresh(loader_flow()),
            _fresh(pixel_flow(hit("Pageview"))),
            _fresh(pixel_flow(hit("ViewContent"))),
        ]
        addon = PixelHelper()
        # the addon saves in the response hook; give each flow the response the server sent
        with taddons.context(addon) as tctx:
            tctx.configure(
                addon,
                pixelhelper_view="none",
                pixelhelper_summary=False,
                pixelhelper_save=str(path),
                pixelhelper_save_all=save_all,
            )
            addon.running()
            for flow in flows:
                pending = addon.request(flow)
                if pending is not None:
                    asyncio.run(pending)
                flow.response = site_flow().response
                addon.response(flow)
            addon.done()
        assert audit_paths([path]).sources[0].flows == expected


def test_report_written_on_exit(tmp_path):
    report = tmp_path / "r.json"
    addon = PixelHelper()
    _run(addon, [_fresh(pixel_flow(hit("Pageview")))], pixelhelper_report=str(report))
    assert json.loads(report.read_text())["events"][0]["event"] == "Pageview"


def test_bad_options_are_rejected(tmp_path):
    addon = PixelHelper()
    with taddons.context(addon) as tctx:
        with pytest.raises(exceptions.OptionsError):
            tctx.configure(addon, pixelhelper_mode="bogus")
        with pytest.raises(exceptions.OptionsError):
            tctx.configure(addon, pixelhelper_known_identities=str(tmp_path / "missing"))


def test_mitmdump_runs_the_addon_script_on_its_own(tmp_path):
    """`mitmdump -s addons/tiktok_pixel.py`, here reading a capture instead of listening."""
    root = Path(__file__).resolve().parent.parent
    report = tmp_path / "r.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from mitmproxy.tools.main import mitmdump; mitmdump()",
            "-q",
            "-n",
            "-r",
            str(root / "examples" / "shop-session.flow"),
            "-s",
            str(root / "addons" / "tiktok_pixel.py"),
            "--set",
            f"pixelhelper_report={report}",
            "--set",
            "pixelhelper_view=lines",
            "--set",
            "pixelhelper_summary=false",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 8 and "Purchase" in lines[-1]  # the Meta Pixel's PageView too
    assert "jane.doe@example.com" not in proc.stdout
    assert len(json.loads(report.read_text())["events"]) == 8


@pytest.mark.parametrize(
    "script",
    [
        Path(__file__).resolve().parent.parent / "addons" / "tiktok_pixel.py",
        Path(__file__).resolve().parent.parent / "pixelhelper" / "live" / "mitmdump_entry.py",
    ],
    ids=["addons", "package"],
)
def test_the_scripts_expose_every_hook_the_addon_implements(script):
    """Both `-s` scripts put the hooks on the module itself; a hook missing from SCRIPT_HOOKS
    would silently never run, so the list is held to every mitmproxy hook the class defines."""
    import runpy

    import mitmproxy.tools.dump  # noqa: F401  (registers every hook mitmproxy has)
    from mitmproxy.hooks import all_hooks

    from pixelhelper.live.connections import ConnectionGuard

    implemented = {name for name in all_hooks if callable(getattr(PixelHelper, name, None))}
    implemented |= {name for name in all_hooks if callable(getattr(ConnectionGuard, name, None))}
    assert implemented >= {"load", "configure", "request", "response", "done", "tcp_start"}
    namespace = runpy.run_path(str(script))
    exposed = {name for name in all_hooks if callable(namespace.get(name))}
    assert exposed == implemented
    # Every other hook is named too, as None, so that mitmproxy's lookups never miss on the
    # module (a costly AttributeError on 3.11); retired names would make mitmproxy warn.
    assert {name for name in all_hooks if name not in namespace} <= {"add_log"}
    assert all(namespace[name] is None for name in all_hooks if name in namespace
               and name not in implemented)  # fmt: skip
    assert namespace["addons"] == []  # walked into for every hook of every flow: kept empty
    owners = {type(hook.__self__) for name, hook in namespace.items() if name in implemented}
    assert owners == {PixelHelper, ConnectionGuard}


def test_warns_once_when_listening_beyond_loopback(caplog):
    addon = PixelHelper()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, pixelhelper_view="none", pixelhelper_summary=False)
        tctx.options.update(listen_host="0.0.0.0")
        addon.running()
        addon.running()
        addon.done()
    warnings = [r for r in caplog.records if "beyond this machine" in r.getMessage()]
    assert len(warnings) == 1


def test_block_mode_makes_connections_lazy():
    addon = PixelHelper()
    with taddons.context(addon) as tctx:
        from mitmproxy.addons.proxyserver import Proxyserver

        tctx.master.addons.add(Proxyserver())
        tctx.options.update(connection_strategy="eager")
        tctx.configure(addon, pixelhelper_mode="block", pixelhelper_view="none")
        assert tctx.options.connection_strategy == "lazy"
