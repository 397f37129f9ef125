"""Which Meta Pixel traffic a request is, from method and URL alone (hosts judged by their
registered domain, as TikTok's are: `facebook.com.evil.example` is nobody's pixel)."""

from __future__ import annotations

import re
from functools import lru_cache

from pixelhelper.domains import ascii_name, split
from pixelhelper.recognise import Kind, Recognition, request_parts

VENDOR = "meta"
_CONFIG = re.compile(r"^/signals/config/(\d{6,20})/?$")
_SCRIPT = re.compile(  # the pixel's own scripts only: connect.facebook.net also serves the
    r"^/(?:[a-z]{2}_[A-Z]{2}/)?fbevents(?:\.plugins\.[\w.]+)?\.js$"  # login SDK (sdk.js)
    r"|^/signals/plugins/[\w.-]+\.js$|^/signals/fbevents\.js$"
)
_CAPI = re.compile(r"^/v\d+(?:\.\d+)?/(\d{6,20})/events/?$")


@lru_cache(maxsize=4096)
def meta_host(host: str) -> str | None:
    """`loader`, `tracker` or `graph` for a Meta Pixel host; None for any other."""
    if not ascii_name(host):
        return None
    host = host.lower().rstrip(".")
    parts = split(host)
    if parts.registered == "facebook.net" and parts.subdomain == "connect":
        return "loader"
    if parts.registered == "facebook.com":
        if parts.subdomain in ("", "www", "web", "m"):
            return "tracker"
        if parts.subdomain == "graph":
            return "graph"
    return None


def recognise_meta(method: str, url: str) -> Recognition | None:
    """What kind of Meta Pixel traffic a request is, or None."""
    split_up = request_parts(method, url)
    if split_up is None:
        return None
    method, parts = split_up
    role = meta_host(str(parts.hostname))
    if role is None:
        return None
    path = parts.path
    if role == "loader":
        if method != "GET":
            return None
        config = _CONFIG.match(path)
        if config:
            return Recognition(Kind.SCRIPT, "signals/config", config.group(1), vendor=VENDOR)
        if _SCRIPT.match(path):
            return Recognition(Kind.SCRIPT, path.rsplit("/", 1)[-1], vendor=VENDOR)
        return None
    if role == "tracker":
        if path in ("/tr", "/tr/"):
            return Recognition(Kind.PIXEL, "tr", vendor=VENDOR)
        return None
    capi = _CAPI.match(path)
    if capi and method == "POST":
        return Recognition(Kind.EVENTS_API, "conversions_api", capi.group(1), vendor=VENDOR)
    return None
