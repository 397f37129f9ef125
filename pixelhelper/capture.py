"""The plain-value request that enters the pure core.

Everything upstream (mitmproxy flows, HAR entries, the live proxy) is converted into a
`CapturedRequest`; nothing downstream ever sees a mitmproxy object. That keeps the core fast to
test and lets other tools reuse it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CapturedRequest:
    """One HTTP request as seen on the wire.

    Attributes:
        method: HTTP method, upper case.
        url: Absolute URL including the query string.
        headers: Header pairs in wire order; names keep their original case.
        body: The body bytes exactly as sent (still content-encoded).
        client_ip: Address of the browser that sent it, when the capture knows it.
        timestamp: Unix time the request started, when known.
        source: Where the request came from (a file path, or "live").
        flow: 0-based index of the flow inside `source`.
        listen_port: The proxy port the browser sent it to, when the capture knows it (a
            `--consent` visit gives each mode's browser context a port of its own).
    """

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    client_ip: str | None = None
    timestamp: float | None = None
    source: str = ""
    flow: int = 0
    extra: dict[str, str] = field(default_factory=dict, compare=False)
    listen_port: int | None = None

    def header(self, name: str) -> str | None:
        """Return the first header called `name` (case-insensitive), HTTP/2 pseudo-headers too."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        """Return every value of header `name` (case-insensitive)."""
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]
