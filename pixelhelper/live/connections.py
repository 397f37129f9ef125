"""Block and redact mode below HTTP: a TLS connection to a TikTok host is always intercepted
(never passed through raw, never waiting on a connection to TikTok), and raw TCP to one (not
HTTP the proxy can answer) is cut. A mitmproxy addon of its own, composed beside the
`PixelHelper` addon."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from mitmproxy import ctx

from pixelhelper.recognise import host_role

log = logging.getLogger("pixelhelper")


class ConnectionGuard:
    """`count_blocked()` is called for each connection cut."""

    def __init__(self, count_blocked: Callable[[], None]) -> None:
        self._count_blocked = count_blocked

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
                self._count_blocked()
        except Exception:
            log.exception("pixelhelper: tcp_start failed")
