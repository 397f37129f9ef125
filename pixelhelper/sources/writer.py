"""Write captures: build mitmproxy flows from plain values, save them as .flow or HAR.

Used by `live --save`, `scan`, the example generator and the tests, so every capture this
project writes is a real mitmproxy file that `pixelhelper audit` (and mitmproxy) can read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mitmproxy import connection, http
from mitmproxy.io import FlowWriter

from pixelhelper.files import atomic_output, write_text


def make_flow(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    body: bytes | str = b"",
    client_ip: str = "127.0.0.1",
    timestamp: float = 1_767_225_600.0,
    status: int = 200,
    response_body: bytes = b"",
    response_type: str = "text/plain",
) -> http.HTTPFlow:
    """Build a complete HTTPFlow (request and response) with deterministic timestamps."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    request = http.Request.make(method, url, body, [(k.encode(), v.encode()) for k, v in pairs])
    request.timestamp_start = timestamp
    request.timestamp_end = timestamp + 0.001
    client = connection.Client(
        peername=(client_ip, 50123), sockname=("127.0.0.1", 8080), timestamp_start=timestamp
    )
    server = connection.Server(address=(request.host, request.port))
    flow = http.HTTPFlow(client, server)
    flow.request = request
    flow.response = http.Response.make(status, response_body, {"content-type": response_type})
    flow.response.timestamp_start = timestamp + 0.02
    flow.response.timestamp_end = timestamp + 0.021
    return flow


def write_flow_file(path: str | Path, flows: Iterable[http.HTTPFlow]) -> int:
    """Write flows to a mitmproxy flow file (0600: it holds raw traffic); return how many."""
    count = 0
    with atomic_output(path, private=True) as output:
        writer = FlowWriter(output.handle)
        for flow in flows:
            writer.add(flow)
            count += 1
    return count


def har_document(flows: Iterable[http.HTTPFlow]) -> dict[str, Any]:
    """A HAR 1.2 document of the flows, as browsers' DevTools export it."""
    from mitmproxy.addons.savehar import SaveHar

    document: dict[str, Any] = SaveHar().make_har(list(flows))
    return document


def write_har(path: str | Path, flows: Iterable[http.HTTPFlow]) -> None:
    """Write flows as a HAR file (0600, like every capture)."""
    write_text(path, json.dumps(har_document(flows), indent=1), private=True)
