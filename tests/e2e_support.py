"""Local servers and a proxy for end-to-end tests. Everything listens on 127.0.0.1 only."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pixelhelper.live.browser import CHROMIUM
from pixelhelper.live.proxy import ProxyConfig, free_port, start_background, stop

from conftest import EXAMPLES

SITE = EXAMPLES / "site"


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    return None


needs_chromium = pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))


class _QuietSite(SimpleHTTPRequestHandler):
    files: dict[str, Path] = {}  # paths served from elsewhere (`site_server(files=...)`)

    def translate_path(self, path: str) -> str:
        elsewhere = self.files.get(path.split("?", 1)[0])
        return str(elsewhere) if elsewhere else super().translate_path(path)

    def do_POST(self) -> None:  # noqa: N802  (a form posted to a static page: that page)
        self.do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def site_server(directory: Path = SITE, files: dict[str, Path] | None = None) -> Iterator[str]:
    """Serve `directory` (examples/site) on 127.0.0.1, with `files` (URL path -> file) from
    elsewhere; yield its base URL."""
    quiet = type("Site", (_QuietSite,), {"files": dict(files or {})})
    handler = functools.partial(quiet, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class StandIn:
    """A local stand-in for analytics.tiktok.com that records what reaches it."""

    url: str
    received: list[Received] = field(default_factory=list)


@contextlib.contextmanager
def standin_server() -> Iterator[StandIn]:
    """Yield a recording HTTP server on 127.0.0.1."""
    standin = StandIn("")

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            standin.received.append(
                Received(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
            )
            payload = b"/* stand-in */" if self.path.split("?")[0].endswith(".js") else b""
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _record  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def running_proxy(
    tmp_path: Path, mode: str, standin: StandIn | None = None, **settings: object
) -> Iterator[ProxyConfig]:
    """mitmdump with the pixelhelper addon; TikTok's hosts mapped to `standin` if given."""
    config = ProxyConfig(
        port=free_port(),
        mode=mode,
        view="lines",
        summary=False,
        save=str(tmp_path / "session.flow"),
        report=str(tmp_path / "report.json"),
    )
    for key, value in settings.items():
        setattr(config, key, value)
    if standin is not None:
        target = standin.url
        config.extra = [
            "--set",
            f"map_remote=|https://analytics\\.tiktok\\.com|{target}",
            "--set",
            f"map_remote=|https://business-api\\.tiktok\\.com|{target}",
        ]
    process = start_background(config, tmp_path / "mitmdump.log")
    try:
        yield config
    finally:
        stop(process)


def browse_site(base: str, proxy: ProxyConfig, actions) -> None:  # type: ignore[no-untyped-def]
    """Drive headless Chromium through the proxy; `actions(page)` does the clicking."""
    from playwright.sync_api import sync_playwright

    from pixelhelper.live.browser import CHROMIUM_FLAGS

    args = [*CHROMIUM_FLAGS, "--disable-gpu"] + (["--no-sandbox"] if os.geteuid() == 0 else [])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=args,
            proxy={"server": f"http://127.0.0.1:{proxy.port}"},
        )
        context = browser.new_context(ignore_https_errors=True)
        page = context.new_page()
        actions(page, base)
        page.wait_for_timeout(1000)  # let the last beacons leave
        context.close()
        browser.close()


def tmux_available() -> bool:
    return shutil.which("tmux") is not None


TIKTOK_HOSTS = (
    "analytics.tiktok.com",
    "ANALYTICS.TikTok.COM",
    "analytics.tiktok.com.",
    "analytics-sg.tiktok.com",
    "analytics.us.tiktok.com",
    "us.analytics.tiktok.com",
    "business-api.tiktok.com",
    "analytics.tiktokw.us",
    "analytics.pangle-ads.com",
)


def map_all_tiktok_to(target: str) -> list[str]:
    """mitmproxy options sending every TikTok pixel host to a local stand-in: whatever the
    addon forwards reaches `target`, and nothing ever leaves the machine."""
    pattern = r"^(https?://)[^/]*(tiktok\.com|tiktokw\.us|pangle-ads\.com)\.?(:\d+)?"
    return ["--set", f"map_remote=!~d tiktok | ~d pangle-ads!{pattern}!{target}"]


def proxied_request(
    port: int,
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> int:
    """Send one request through the proxy on 127.0.0.1 (HTTPS by CONNECT, certificate not
    checked: the proxy's own CA signs it); return the status."""
    import http.client
    import ssl
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = f"{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=20, context=context
        )
        conn.set_tunnel(parts.netloc.rstrip("."), 443)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        target = url
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()
