"""What observe mode copies of a pixel request in the proxy, and reads from it elsewhere.

mitmproxy runs every flow's hooks on one event loop, and at full load the time the addon
spends there is the proxy's lost throughput; code that runs there also runs cold (mitmproxy's
own work evicts it from the caches between two hits), several times slower than measured on
its own. So in observe mode the request hook only copies the request's state, as mitmproxy
holds it (`Request.get_state`: references to immutable fields, no parsing), and the
inspection process reads it: its names judged as `is_tiktok_flow` judges a flow's, its URL
and fields computed by `flowstate`, the same rules the flow-file reader applies to the same
state once it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pixelhelper.recognise import Kind, host_role, recognise
from pixelhelper.sources import flowstate

if TYPE_CHECKING:
    from mitmproxy import http

    from pixelhelper.capture import CapturedRequest

Snapshot = tuple[dict[str, Any], Any, int]
"""A request's state, its client's address (`peername`) and the flow's number."""


def take(flow: http.HTTPFlow, index: int) -> Snapshot:
    """The request as it is now (later addons may rewrite it), for `read` to read later."""
    return flow.request.get_state(), getattr(flow.client_conn, "peername", None), index


@dataclass(frozen=True, slots=True)
class Seen:
    """A request to a TikTok pixel host: its kind (None: a TikTok host, but no endpoint
    pixelhelper knows), its URL as mitmproxy shows it, and the plain request."""

    kind: Kind | None
    url: str
    request: CapturedRequest


def read(snapshot: Snapshot) -> Seen | None:
    """The request of a snapshot; None when none of its names is a TikTok pixel host."""
    state, peer, index = snapshot
    if not any(host_role(name) is not None for name in flowstate.host_names(state)):
        return None
    request = flowstate.request_from_state(state, {"peername": peer}, "live", index)
    recognition = recognise(request.method, request.url)
    return Seen(recognition.kind if recognition else None, request.url, request)


def body_size(snapshot: Snapshot) -> int:
    """The request body's size, without reading anything else."""
    return len(snapshot[0].get("content") or b"")
