"""Decide whether a request is pixel traffic, and which kind, from method and URL alone:
`recognise` asks each active vendor (`vendors`); TikTok's own rules are here
(`recognise_tiktok`), the first vendor's.

Recognition must be cheap (it runs on every flow the proxy sees) and strict: calling an embed,
a video or another vendor's pixel a TikTok event would make every report wrong. Hosts are judged
by their registered domain through the bundled public-suffix list (`domains`), so lookalikes
such as `analytics.tiktok.com.evil.example` never match and nothing is ever downloaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlsplit

from pixelhelper.domains import ascii_name, split

# Bytes that every host a vendor recognises contains, whatever its (ASCII) case: readers
# search raw records for them to skip the traffic that cannot be a pixel's without parsing it.
# The built-in vendors' (TikTok's, the Meta Pixel's); `vendors.active` sets those in use.
HOST_MARKERS = (b"tiktok", b"pangle-ads", b"facebook")
MAX_MARKER = 32  # the longest marker a vendor may declare (the readers' overlap)
_TIKTOK, _PANGLE, _FACEBOOK = HOST_MARKERS
_extra: tuple[bytes, ...] = ()  # a third party's vendors' markers (`use_markers`)
# (the built-in markers stay in use whichever vendors are: a candidate is only read further,
# and recognition asks the active vendors alone)


def use_markers(markers: tuple[bytes, ...]) -> None:
    """The host markers of the vendors in use (`vendors.active`), beside the built-in ones."""
    global _extra
    extra = dict.fromkeys(m.lower()[:MAX_MARKER] for m in markers if m)
    _extra = tuple(m for m in extra if m not in HOST_MARKERS)


def mentions_host_marker(raw: bytes) -> bool:
    """Can these raw bytes name a pixel host? False means they cannot (the readers' and the
    proxy's cheap test before anything is parsed). Spelled out: it runs on every request."""
    lowered = raw.lower()
    if _TIKTOK in lowered or _PANGLE in lowered or _FACEBOOK in lowered:
        return True
    return bool(_extra) and any(marker in lowered for marker in _extra)


PAYLOAD_MARKER = b"message_id"  # in every pixel payload (`firstparty`: on any host)
RECORD_MARKERS = (*HOST_MARKERS, PAYLOAD_MARKER)


def mentions_record_marker(raw: bytes) -> bool:
    """Can these raw bytes (a whole saved request) be pixel traffic: a pixel host, or a
    payload sent through another host? The capture readers' cheap test, on every record."""
    lowered = raw.lower()
    if _TIKTOK in lowered or PAYLOAD_MARKER in lowered or _PANGLE in lowered:
        return True
    if _FACEBOOK in lowered:
        return True
    return bool(_extra) and any(marker in lowered for marker in _extra)


class Kind(StrEnum):
    """What a recognised request is. The values are part of the JSON contract."""

    SCRIPT = "script"
    PIXEL = "pixel"
    ACTION = "action"
    EVENTS_API = "events_api"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Recognition:
    """The verdict for one request.

    Attributes:
        kind: The kind of pixel traffic.
        endpoint: A short stable name of the endpoint, e.g. `api/v2/pixel` or `events_api/2.0`.
        pixel_code: The pixel code the URL itself names (`sdkid=`), if any.
        via: How it was recognised, when not by TikTok's host (`firstparty`).
        vendor: Whose traffic it is (`vendors`).
    """

    kind: Kind
    endpoint: str
    pixel_code: str | None = None
    via: str | None = None
    vendor: str = "tiktok"
    """`"first-party"`: recognised by its payload on a host that is not TikTok's."""


class HostRole(StrEnum):
    """Which TikTok service a host belongs to."""

    ANALYTICS = "analytics"
    BUSINESS_API = "business_api"


@lru_cache(maxsize=4096)
def host_role(host: str) -> HostRole | None:
    """Classify a host name; None for anything that is not TikTok pixel infrastructure."""
    if not ascii_name(host):
        return None
    host = host.lower().rstrip(".")
    parts = split(host)
    registered = parts.registered
    labels = parts.subdomain.split(".") if parts.subdomain else []
    if registered == "tiktok.com":
        # regional variants: business-api-sg., analytics-sg., analytics.us., us.analytics. ...
        if any(label.startswith("business-api") for label in labels):
            return HostRole.BUSINESS_API
        if any(label.startswith("analytics") for label in labels):
            return HostRole.ANALYTICS
        return None
    if registered == "tiktokw.us" and labels:
        return HostRole.ANALYTICS
    if registered == "pangle-ads.com" and any(label.startswith("analytics") for label in labels):
        return HostRole.ANALYTICS
    return None


_EVENTS_API = re.compile(r"^/open_api/v\d+(?:\.\d+)?/(event/track|pixel/track|pixel/batch)/?$")
_SCRIPT = re.compile(r"^/i18n/pixel/(?:.+/)?[^/]+\.js$")
_OTHER_PATHS = re.compile(
    r"^/(?:api/v2/(?:pixel/[^/]+|performance[^/]*|interaction|pcm|shopify_pixel|monitor"
    r"|pangle_pixel|pangle_disable_cookie)"
    r"|i18n/pixel/(?:enable|disable)_cookie|ipv6/enrich_ipv6)/?$"
)
_NO_BODY_METHODS = frozenset({"OPTIONS", "HEAD", "CONNECT", "TRACE"})


def _query_value(query: str, name: str) -> str | None:
    values = parse_qs(query, keep_blank_values=True).get(name)
    return values[0] if values else None


def _analytics_kind(method: str, path: str, query: str) -> Recognition | None:
    if _SCRIPT.match(path):
        if method != "GET":
            return None
        return Recognition(Kind.SCRIPT, path.removeprefix("/"), _query_value(query, "sdkid"))
    if path in ("/api/v2/pixel", "/api/v2/pixel/"):
        return Recognition(Kind.PIXEL, "api/v2/pixel")
    if path in ("/api/v1/track", "/api/v1/track/"):
        return Recognition(Kind.PIXEL, "api/v1/track")
    if path in ("/api/v2/pixel/act", "/api/v2/pixel/act/"):
        return Recognition(Kind.ACTION, "api/v2/pixel/act")
    if _OTHER_PATHS.match(path):
        return Recognition(Kind.OTHER, path.strip("/"))
    return None


def _events_api_kind(path: str) -> Recognition | None:
    match = _EVENTS_API.match(path)
    if not match:
        return None
    endpoint = "events_api/2.0" if match.group(1) == "event/track" else "events_api/1.0"
    return Recognition(Kind.EVENTS_API, endpoint)


def recognise(method: str, url: str) -> Recognition | None:
    """What kind of pixel traffic a request is, by the first active vendor that knows it;
    None if it is none."""
    for vendor in load_vendors():
        found = vendor.recognise(method, url)
        if found is not None:
            return found
    return None


def load_vendors() -> tuple[Any, ...]:
    """The active vendors (`vendors.active`, cached there; their host markers in use from
    the first call on)."""
    from pixelhelper.vendors import active

    return active()


def request_parts(method: str, url: str) -> tuple[str, SplitResult] | None:
    """The upper-cased method and the split URL of a request that may be pixel traffic:
    None for a method that sends nothing (OPTIONS, HEAD...), a URL that does not parse, or a
    host that is not plain ASCII (each vendor's recogniser starts here)."""
    method = method.upper()
    if method in _NO_BODY_METHODS:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.hostname or not ascii_name(parts.netloc):
        return None  # (`hostname` is lower-cased: a Kelvin sign would be a "k" by then)
    return method, parts


def recognise_tiktok(method: str, url: str) -> Recognition | None:
    """Return what kind of TikTok pixel traffic a request is, or None if it is none.

    Args:
        method: The HTTP method.
        url: The absolute request URL.
    """
    split_up = request_parts(method, url)
    if split_up is None:
        return None
    method, parts = split_up
    role = host_role(str(parts.hostname))
    if role is None:
        return None
    if role is HostRole.BUSINESS_API:
        return _events_api_kind(parts.path) if method == "POST" else None
    return _analytics_kind(method, parts.path, parts.query)
