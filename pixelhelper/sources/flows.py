"""Read mitmproxy flow files (`.flow`, `.mitm`) with mitmproxy's own reader.

A damaged record can fail deep inside tnetstring parsing or flow deserialisation with almost
any exception; each is turned into one error on the file's stats, after every request read
before the damage has been yielded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from pixelhelper.capture import CapturedRequest
from pixelhelper.sources.flowstate import port_of

if TYPE_CHECKING:
    from pixelhelper.sources.stats import Meter, SourceStats


def read_flow_file(
    handle: BinaryIO, source: str, stats: SourceStats, meter: Meter | None = None
) -> Iterator[CapturedRequest]:
    """Yield the HTTP requests of a flow file; record damage on `stats`, never raise."""
    from mitmproxy import exceptions, http
    from mitmproxy.io import FlowReader

    reader = FlowReader(handle)
    try:
        for index, flow in enumerate(reader.stream()):
            stats.flows += 1
            if meter is not None:
                meter.position = handle.tell()
            if isinstance(flow, http.HTTPFlow):
                yield request_from_flow(flow, source, index)
    except exceptions.FlowReadException as exc:
        stats.errors.append(f"corrupt or truncated flow file ({_where(stats)}): {str(exc)[:200]}")
    except (Exception, RecursionError) as exc:
        stats.errors.append(
            f"unreadable flow file ({_where(stats)}): {type(exc).__name__}: {str(exc)[:200]}"
        )


def _where(stats: SourceStats) -> str:
    return f"after {stats.flows} flows" if stats.flows else "at the start"


def request_from_flow(
    flow: Any, source: str, index: int, url: str | None = None
) -> CapturedRequest:
    """Convert a mitmproxy HTTPFlow into the core's plain-value request (`url`: its
    `pretty_url`, when the caller has it already)."""
    request = flow.request
    headers = tuple(
        (k.decode("utf-8", "replace"), v.decode("utf-8", "replace"))
        for k, v in request.headers.fields
    )
    peer = getattr(flow.client_conn, "peername", None)
    client_ip = peer[0] if peer and peer[0] else None
    return CapturedRequest(
        method=request.method,
        url=request.pretty_url if url is None else url,
        headers=headers,
        body=request.raw_content or b"",
        client_ip=client_ip,
        timestamp=request.timestamp_start,
        source=source,
        flow=index,
        listen_port=port_of(getattr(flow.client_conn, "sockname", None)),
    )
