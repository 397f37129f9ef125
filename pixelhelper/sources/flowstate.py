"""A flow record's request, read from its serialised state the way mitmproxy presents it.

The fast flow reader parses only the few records that can be TikTok's, but building them with
mitmproxy's flow classes means importing `mitmproxy.http` and `mitmproxy.io` (TLS, certificate
and filter machinery: a fifth of a second) and running `set_state` on the whole flow. For a
record of the current flow-format version this module does the two things the audit needs:
it parses tnetstrings as `mitmproxy.io.tnetstring` does, and it computes the request's URL
with the rules of mitmproxy's `Request.pretty_url` (Host header or HTTP/2 authority over the
connection's host, default ports left out) using mitmproxy's own URL helpers. Anything it
does not expect (a missing or extra field, an unexpected type) raises `Unexpected`, and the
record is read by mitmproxy instead; the tests compare both on every capture.
"""

from __future__ import annotations

from typing import Any

from pixelhelper.capture import CapturedRequest

_FIELDS = frozenset(
    {"host", "port", "method", "scheme", "authority", "path", "http_version", "headers",
     "content", "trailers", "timestamp_start", "timestamp_end"}
)  # fmt: skip
_BYTES_FIELDS = ("method", "scheme", "authority", "path", "http_version")


class Unexpected(ValueError):
    """The state is not shaped as this module expects; let mitmproxy read it."""


def loads(data: bytes) -> Any:
    """Parse one tnetstring exactly as `mitmproxy.io.tnetstring.loads` does."""
    value, _end = _pop(data, 0, len(data))
    return value


def _pop(data: bytes, pos: int, end: int) -> tuple[Any, int]:  # noqa: PLR0911, PLR0912
    """One value at `pos` and the offset after it. One function per value, with dict keys
    (nearly always strings) read inline: this runs over every item of every candidate."""
    colon = data.find(b":", pos, end)
    if colon < 0:
        raise ValueError("not a tnetstring: missing or invalid length prefix")
    length = int(data[pos:colon])
    start = colon + 1
    tag_at = start + length
    if length < 0 or tag_at >= end:
        raise ValueError(f"not a tnetstring: invalid length prefix: {length}")
    tag = data[tag_at]
    if tag == 0x7D:  # }
        mapping = {}
        while start < tag_at:
            colon = data.find(b":", start, tag_at)
            key_length = int(data[start:colon]) if colon >= 0 else -1
            key_tag = colon + 1 + key_length
            if colon >= 0 and key_length >= 0 and key_tag < tag_at and data[key_tag] == 0x3B:
                key: Any = data[colon + 1 : key_tag].decode("utf8")
                start = key_tag + 1
            else:
                key, start = _pop(data, start, tag_at)
            mapping[key], start = _pop(data, start, tag_at)
        return mapping, tag_at + 1
    if tag == 0x2C:  # ,
        return data[start:tag_at], tag_at + 1
    if tag == 0x3B:  # ;
        return data[start:tag_at].decode("utf8"), tag_at + 1
    if tag == 0x5D:  # ]
        items = []
        while start < tag_at:
            item, start = _pop(data, start, tag_at)
            items.append(item)
        return items, tag_at + 1
    if tag == 0x23:  # #
        return int(data[start:tag_at]), tag_at + 1
    if tag == 0x5E:  # ^
        return float(data[start:tag_at]), tag_at + 1
    if tag == 0x21:  # !
        literal = data[start:tag_at]
        if literal in (b"true", b"false"):
            return literal == b"true", tag_at + 1
        raise ValueError(f"not a tnetstring: invalid boolean literal: {literal!r}")
    if tag == 0x7E:  # ~
        if tag_at > start:
            raise ValueError("not a tnetstring: invalid null literal")
        return None, tag_at + 1
    raise ValueError(f"unknown type tag: {tag}")


def _host_header(state: dict[str, Any], authority: str) -> str | None:
    """`Request.host_header`: HTTP/2 and 3 prefer the authority; folded Host headers."""
    if state["http_version"] in (b"HTTP/2.0", b"HTTP/3") and authority:
        return authority
    values = [
        value.decode("utf-8", "surrogateescape")
        for name, value in state["headers"]
        if name.lower() == b"host"
    ]
    return ", ".join(values) if values else None


def _authority(raw: bytes) -> str:
    try:
        return raw.decode("idna")
    except UnicodeError:
        return raw.decode("utf8", "surrogateescape")


def pretty_url(state: dict[str, Any]) -> str:
    """The request's URL as `mitmproxy.http.Request.pretty_url` computes it."""
    from mitmproxy.net.http import url

    authority = _authority(state["authority"])
    scheme = state["scheme"].decode("utf-8", "surrogateescape")
    path = state["path"].decode("utf-8", "surrogateescape")
    if state["method"].decode("utf-8", "surrogateescape").upper() == "CONNECT":
        return authority
    host_header = _host_header(state, authority)
    if not host_header:
        return url.unparse(scheme, state["host"], state["port"], path)
    host, port = url.parse_authority(host_header, check=False)
    return url.unparse(scheme, host, port or url.default_port(scheme) or 443, path)


def host_names(state: dict[str, Any]) -> set[str]:
    """The names a live request is judged by (`is_tiktok_flow`): the host the proxy dials,
    the Host header or HTTP/2 authority (`Request.host_header`), and its host part
    (`Request.pretty_host`)."""
    from mitmproxy.net.http import url

    host_header = _host_header(state, _authority(state["authority"]))
    pretty = url.parse_authority(host_header, check=False)[0] if host_header else state["host"]
    return {state["host"], pretty, host_header or ""} - {""}


def _checked(state: Any) -> dict[str, Any]:
    if not isinstance(state, dict) or set(state) != _FIELDS:
        raise Unexpected("request fields")
    if not isinstance(state["host"], str) or not isinstance(state["port"], int):
        raise Unexpected("host")
    if not all(isinstance(state[name], bytes) for name in _BYTES_FIELDS):
        raise Unexpected("request line")
    headers = state["headers"]  # lists as a file holds them, tuples as a live request does
    if not isinstance(headers, list | tuple) or not all(
        isinstance(pair, list | tuple)
        and len(pair) == 2
        and all(isinstance(x, bytes) for x in pair)
        for pair in headers
    ):
        raise Unexpected("headers")
    if not isinstance(state["content"], bytes | None):
        raise Unexpected("content")
    return state


def request_from_state(
    request_state: Any, client_state: Any, source: str, index: int
) -> CapturedRequest:
    """The plain request of a flow's `request` and `client_conn` states."""
    state = _checked(request_state)
    peer = client_state.get("peername") if isinstance(client_state, dict) else None
    sock = client_state.get("sockname") if isinstance(client_state, dict) else None
    return CapturedRequest(
        method=state["method"].decode("utf-8", "surrogateescape").upper(),
        url=pretty_url(state),
        headers=tuple(
            (name.decode("utf-8", "replace"), value.decode("utf-8", "replace"))
            for name, value in state["headers"]
        ),
        body=state["content"] or b"",
        client_ip=peer[0] if peer and peer[0] else None,
        timestamp=state["timestamp_start"],
        source=source,
        flow=index,
        listen_port=port_of(sock),
    )


def port_of(address: Any) -> int | None:
    """The port of a connection's (host, port) address, as a flow stores it (None for none,
    or port 0: an address that was never bound)."""
    if isinstance(address, (list, tuple)) and len(address) >= 2 and type(address[1]) is int:
        return address[1] or None
    return None
