"""The proxies pixelhelper starts hold no body whole that a site can make large: non-pixel bodies
stream through (mitmproxy's `stream_large_bodies`), and a pixel request too large to inspect
is cut off in block mode rather than forwarded."""

from __future__ import annotations

import contextlib
import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pixelhelper.live.proxy import ProxyConfig, free_port, start_background, stop

from e2e_support import map_all_tiktok_to, proxied_request, standin_server

DOWNLOAD = 400 << 20
CHUNK = 1 << 20


@contextmanager
def large_download_site() -> Iterator[int]:
    """A site on 127.0.0.1 whose one page is `DOWNLOAD` bytes, written a MiB at a time."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(DOWNLOAD))
            self.end_headers()
            block = b"\0" * CHUNK
            for _ in range(DOWNLOAD // CHUNK):
                self.wfile.write(block)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _peak_rss(pid: int) -> int:
    """The process's peak resident memory in bytes (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def test_a_large_download_streams_through_the_proxy(tmp_path):
    config = ProxyConfig(port=free_port(), view="none", summary=False,
                         save=str(tmp_path / "s.flow"))  # fmt: skip
    process = start_background(config, tmp_path / "mitmdump.log")
    try:
        with large_download_site() as site_port:
            conn = http.client.HTTPConnection("127.0.0.1", config.port, timeout=60)
            conn.request("GET", f"http://127.0.0.1:{site_port}/big.bin")
            response = conn.getresponse()
            received = 0
            while chunk := response.read(CHUNK):
                received += len(chunk)
            conn.close()
        peak = _peak_rss(process.pid)
    finally:
        stop(process)
    assert received == DOWNLOAD
    # held whole, the body alone would take the proxy past 400 MiB (it took 4.2 GB for 1 GB)
    assert peak < 250 << 20, f"proxy peak RSS {peak >> 20} MiB for a {DOWNLOAD >> 20} MiB body"


def test_a_pixel_request_too_large_to_inspect_never_reaches_tiktok_in_block_mode(tmp_path):
    body = b'{"event":"Purchase","context":{"pixel":{"code":"X"}},"pad":"' + b"x" * (3 << 20)
    with standin_server() as standin:
        config = ProxyConfig(port=free_port(), mode="block", view="none", summary=False,
                             extra=map_all_tiktok_to(standin.url))  # fmt: skip
        process = start_background(config, tmp_path / "mitmdump.log")
        try:
            for scheme in ("http", "https"):
                url = f"{scheme}://analytics.tiktok.com/api/v2/pixel"
                with contextlib.suppress(OSError):  # cut off: closed without an answer
                    proxied_request(config.port, "POST", url, body)
            # the proxy still serves the next, ordinary hit
            small = b'{"event":"Pageview","context":{"pixel":{"code":"CQ8PJ3RC77U4LT2MKR2G"}}}'
            status = proxied_request(
                config.port, "POST", "http://analytics.tiktok.com/api/v2/pixel", small
            )
        finally:
            stop(process)
        assert standin.received == []
    assert status in (200, 204)
