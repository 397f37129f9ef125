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

from pixelhelper.firstparty import MARKER, MAX_BODY, may_carry_payload, recognise_payload
from pixelhelper.recognise import Kind, Recognition, host_role, mentions_host_marker, recognise
from pixelhelper.sources import flowstate

if TYPE_CHECKING:
    from mitmproxy import http

    from pixelhelper.capture import CapturedRequest

Snapshot = tuple[dict[str, Any], Any, int]
"""A request's state, its client's address (`peername`) and the flow's number."""


def may_be_tiktok(data: http.RequestData) -> bool:
    """Does any name of the request hold a host marker? Every name `host_role` accepts does,
    so a request without one is not TikTok's: checked on the raw fields, before mitmproxy
    parses a Host header or an authority (a tenth of a pixel hit's cost in the proxy)."""
    names = [data.host.encode("utf-8", "surrogateescape"), data.authority]
    names += [value for name, value in data.headers.fields
              if len(name) == 4 and name.lower() == b"host"]  # fmt: skip
    return mentions_host_marker(b" ".join(names))


def may_be_proxied(data: http.RequestData) -> bool:
    """Could a request to another host carry a pixel payload (a first-party proxy)? One
    substring search of a small POST body (`firstparty.may_carry_payload`), on the raw
    fields: one call per request that is not TikTok's."""
    content = data.content
    posted = data.method == b"POST" and content is not None and 0 < len(content) <= MAX_BODY
    return (posted and MARKER in content) or MARKER in data.path  # type: ignore[operator]


def names_of(request: http.Request) -> set[str]:
    """The names a request is judged by: the host the proxy dials, the Host header or HTTP/2
    authority (which can disagree with it), and that header's host part."""
    return {request.host, request.pretty_host, request.host_header or ""} - {""}


def names_are_tiktok(request: http.Request) -> bool:
    """Is any of the request's names a TikTok pixel host? (`is_tiktok` after the marker test.)"""
    return any(host_role(name) is not None for name in names_of(request))


def is_tiktok(request: http.Request) -> bool:
    """Does the request go to a TikTok pixel host, by any of its names?"""
    return may_be_tiktok(request.data) and names_are_tiktok(request)


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
    try:
        names = flowstate.host_names(state)
        if not any(host_role(name) is not None for name in names):
            return _read_other(snapshot)
        request = flowstate.request_from_state(state, {"peername": peer}, "live", index)
    except (flowstate.Unexpected, KeyError, TypeError):  # a state another mitmproxy shapes
        return _read_with_mitmproxy(snapshot)
    return _seen(request)


def _seen(request: CapturedRequest) -> Seen:
    recognition = recognise(request.method, request.url)
    return Seen(recognition.kind if recognition else None, request.url, request)


def _read_other(snapshot: Snapshot) -> Seen | None:
    """A request that is not to a TikTok host: another vendor's pixel hit (only what that
    vendor recognises: the rest of its hosts is the user's browsing), or a payload sent
    through the site's own host; None for anything else."""
    state, peer, index = snapshot
    request = flowstate.request_from_state(state, {"peername": peer}, "live", index)
    recognition = recognise(request.method, request.url)
    if recognition is None and may_carry_payload(request.method, request.body, request.url):
        recognition = recognise_proxied(request)
    return Seen(recognition.kind, request.url, request) if recognition else None


def recognise_proxied(request: CapturedRequest) -> Recognition | None:
    """`firstparty.recognise_payload` of a plain request."""
    return recognise_payload(request.method, request.url, request.body,
                             request.header("content-encoding"))  # fmt: skip


def _read_with_mitmproxy(snapshot: Snapshot) -> Seen | None:
    """`read` through mitmproxy's own classes, for a state `flowstate` does not expect."""
    from mitmproxy import connection, http

    from pixelhelper.sources.flows import request_from_flow

    state, peer, index = snapshot
    client = connection.Client(peername=peer or ("", 0), sockname=("", 0))
    flow = http.HTTPFlow(client, connection.Server(address=None))
    flow.request = http.Request.from_state(state)
    if not is_tiktok(flow.request):
        request = request_from_flow(flow, "live", index)
        recognition = recognise(request.method, request.url)
        if recognition is None and may_be_proxied(flow.request.data):
            recognition = recognise_proxied(request)
        return Seen(recognition.kind, request.url, request) if recognition else None
    return _seen(request_from_flow(flow, "live", index))


def body_size(snapshot: Snapshot) -> int:
    """The request body's size, without reading anything else."""
    return len(snapshot[0].get("content") or b"")
