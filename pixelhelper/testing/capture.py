"""The proxy a test session browses through, and the traffic each test saw.

The proxy saves the session's pixel traffic flow by flow (see `live.recorder`) into a file
that is renamed into place when the session ends; until then it is the only `.part` file in
the plugin's private directory. A test's traffic is what was appended to it since the test
began: whole flows, each flushed as it is saved.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SETTLE = 0.5  # seconds the capture must stay the same size before it is read
MAX_SETTLE = 5.0


@dataclass
class PixelProxy:
    """A running pixelhelper proxy (block mode unless asked otherwise).

    `playwright` is the `proxy` setting for Playwright (`browser.new_context(proxy=...)`, or
    pytest-playwright's `browser_context_args`); `context_args` adds trusting the proxy's CA
    (the proxy signs every HTTPS page with it: `ca_cert` is its certificate)."""

    host: str
    port: int
    mode: str
    directory: Path
    process: Any = field(repr=False, default=None)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def playwright(self) -> dict[str, str]:
        return {"server": self.url}

    @property
    def proxy(self) -> dict[str, str]:
        """The same as `playwright`: Playwright's `proxy` setting."""
        return self.playwright

    @property
    def server(self) -> str:
        """The same as `url`."""
        return self.url

    @property
    def context_args(self) -> dict[str, Any]:
        return {"proxy": self.playwright, "ignore_https_errors": True}

    @property
    def ca_cert(self) -> Path:
        return Path.home() / ".mitmproxy" / "mitmproxy-ca-cert.pem"

    @property
    def capture(self) -> Path:
        """Where the session's capture is once the proxy stops."""
        return self.directory / "session.flow"

    def _writing(self) -> Path | None:
        found = sorted(self.directory.glob(".session.flow.*.part"))
        return found[0] if found else (self.capture if self.capture.exists() else None)

    def position(self) -> int:
        """How much traffic has been saved so far (a test's start)."""
        path = self._writing()
        return path.stat().st_size if path is not None else 0

    def traffic_since(self, position: int, into: Path) -> bool:
        """Copy what was saved after `position` into the file `into`, once the capture has
        stopped growing (the last beacons of a page reach the proxy after the test's last
        step); False if nothing was."""
        path = self._writing()
        if path is None:
            return False
        last, still = -1, time.monotonic()
        deadline = time.monotonic() + MAX_SETTLE
        while time.monotonic() < deadline:
            size = path.stat().st_size
            if size != last:
                last, still = size, time.monotonic()
            elif time.monotonic() - still >= SETTLE:
                break
            time.sleep(0.05)
        if last <= position:
            return False
        with path.open("rb") as source, into.open("wb") as target:
            source.seek(position)
            shutil.copyfileobj(source, target)
        return True


def start(mode: str = "block") -> PixelProxy:
    """Start the proxy on a free loopback port, saving pixel traffic in a private directory."""
    from pixelhelper.live.proxy import ProxyConfig, free_port, start_background

    directory = Path(tempfile.mkdtemp(prefix="pixelhelper-pytest-"))
    proxy = PixelProxy(host="127.0.0.1", port=free_port("127.0.0.1"), mode=mode,
                       directory=directory)  # fmt: skip
    config = ProxyConfig(host=proxy.host, port=proxy.port, mode=mode, save=str(proxy.capture),
                         view="none", summary=False, inspector_process=False)  # fmt: skip
    proxy.process = start_background(config, directory / "proxy.log")
    return proxy


def stop(proxy: PixelProxy, keep: str | None = None) -> None:
    """Stop the proxy (the capture is put in place); keep it at `keep`, else remove it all."""
    from pixelhelper.live.proxy import stop as stop_process

    try:
        if proxy.process is not None:
            stop_process(proxy.process)
        if keep and proxy.capture.exists():
            Path(keep).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(proxy.capture, keep)
    finally:
        shutil.rmtree(proxy.directory, ignore_errors=True)
