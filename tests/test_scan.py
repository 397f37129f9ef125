"""`pixelhelper scan` end to end, and the proxy helpers it relies on."""

from __future__ import annotations

import json
from pathlib import Path

from pixelhelper.cli import main
from pixelhelper.live.browser import ca_spki_hash
from pixelhelper.live.proxy import ProxyConfig, instructions

from e2e_support import needs_chromium, site_server


@needs_chromium
def test_scan_records_and_audits(tmp_path, capsys):
    save = tmp_path / "scan.flow"
    with site_server() as base:
        code = main(
            [
                "scan",
                f"{base}/index.html",
                f"{base}/product.html",
                "--click",
                "#add-to-cart",
                "--click",
                "#book",
                "--wait",
                "0.5",
                "--mode",
                "block",
                "--save",
                str(save),
                "--format",
                "json",
            ]
        )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads(captured.out)
    assert report["sources"][0]["path"] == str(save)
    names = [e["event"] for e in report["events"]]
    assert names.count("Pageview") == 2 and "AddToCart" in names and "Click" in names
    assert any(
        f["rule"] == "sensitive-health" and f["severity"] == "critical" for f in report["findings"]
    )


@needs_chromium
def test_scan_reports_unreachable_pages(tmp_path, capsys):
    code = main(
        [
            "scan",
            "http://127.0.0.1:9/nothing-listens-here",
            "--wait",
            "0",
            "--timeout",
            "5",
            "--save",
            str(tmp_path / "x.flow"),
            "--format",
            "json",
        ]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert "nothing-listens-here" in captured.err
    assert json.loads(captured.out)["events"] == []


@needs_chromium
def test_scan_of_pages_without_a_pixel_is_a_normal_result(tmp_path, capsys):
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    (tmp_path / "plain.html").write_text("<!doctype html><title>No pixel</title><p>hello</p>")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    save = tmp_path / "none.flow"
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/plain.html"
        code = main(["scan", url, "--wait", "0.2", "--save", str(save), "--format", "json"])
    finally:
        server.shutdown()
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "no TikTok pixel on these pages" in captured.err
    assert "scan saved" not in captured.err and not save.exists()
    assert json.loads(captured.out)["events"] == []


def test_scan_on_a_taken_port_never_claims_a_capture(tmp_path, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["scan", "http://127.0.0.1:9/", "--port", str(port), "--save",
                     str(tmp_path / "s.flow")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and f"port {port}" in err and "saved" not in err


def test_proxy_command_is_local_and_lazy():
    command = ProxyConfig(port=9999, mode="block", save="s.flow").command()
    assert command[command.index("--listen-host") + 1] == "127.0.0.1"
    assert "connection_strategy=lazy" in command
    assert "pixelhelper_mode=block" in command and "pixelhelper_save=s.flow" in command


def test_instructions_warn_about_all_interfaces():
    assert "WARNING" in instructions("0.0.0.0", 8080, "observe")
    assert "WARNING" not in instructions("127.0.0.1", 8080, "observe")


def test_spki_hash_of_a_ca(tmp_path):
    from mitmproxy.certs import CertStore

    CertStore.from_store(tmp_path, "mitmproxy", 2048)
    digest = ca_spki_hash(tmp_path)
    assert digest and len(digest) == 44 and digest.endswith("=")
    assert ca_spki_hash(tmp_path / "missing") is None


@needs_chromium
def test_browser_option_trusts_only_the_proxy_ca(tmp_path):
    """`live --browser`'s Chromium: proxied, and HTTPS to TikTok works through mitmproxy's CA
    (trusted by SPKI, not by ignoring errors), so the pixel's beacons reach the addon."""
    import time

    from pixelhelper.audit import audit_paths
    from pixelhelper.live.browser import launch_browser

    from e2e_support import running_proxy

    with site_server() as base, running_proxy(tmp_path, "block") as proxy:
        browser = launch_browser("127.0.0.1", proxy.port, f"{base}/index.html", headless=True)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not _has_pageview(tmp_path / "session.flow"):
                time.sleep(0.5)
        finally:
            browser.close()
    events = audit_paths([tmp_path / "session.flow"]).events
    assert any(e.event == "Pageview" for e in events)
    assert not Path(browser.profile).exists()  # the profile (browsing data) is removed


def _has_pageview(path) -> bool:  # type: ignore[no-untyped-def]
    from pixelhelper.audit import audit_paths

    return path.exists() and any(e.event == "Pageview" for e in audit_paths([path]).events)
