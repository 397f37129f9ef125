"""Block mode's local answers: what the pixel SDK is told instead of TikTok's reply, which
flows go to TikTok by any name, and the options that would let them pass unanswered."""

from __future__ import annotations

import json
from typing import Any

from mitmproxy import exceptions, http

from pixelhelper.live import snapshot
from pixelhelper.recognise import Kind

_CORS = {"Access-Control-Allow-Credentials": "true", "Cache-Control": "no-store"}
# Hosts whose ignore/allow rules block mode must not honour (it would forward them raw).
_CANONICAL_HOSTS = ("analytics.tiktok.com", "analytics-sg.tiktok.com", "analytics.us.tiktok.com",
                    "business-api.tiktok.com", "analytics.pangle-ads.com")  # fmt: skip


def blocked_response(flow: http.HTTPFlow, kind: Kind | None) -> http.Response:
    """A local answer the pixel SDK accepts, so the page behaves as if TikTok had replied."""
    headers = dict(_CORS)
    origin = flow.request.headers.get("origin")
    headers["Access-Control-Allow-Origin"] = origin or "*"
    if flow.request.method.upper() == "OPTIONS":  # a CORS preflight: allow what was asked
        asked = flow.request.headers.get("access-control-request-headers", "content-type")
        headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = asked
        headers["Access-Control-Max-Age"] = "600"
        return http.Response.make(204, b"", headers)
    if kind is Kind.SCRIPT:
        headers["Content-Type"] = "application/javascript"
        return http.Response.make(200, b"/* blocked by pixelhelper */\n", headers)
    if kind is Kind.EVENTS_API:
        headers["Content-Type"] = "application/json"
        body = {"code": 0, "message": "OK (blocked by pixelhelper)", "request_id": "", "data": {}}
        return http.Response.make(200, json.dumps(body).encode(), headers)
    headers["Content-Type"] = "text/plain;charset=UTF-8"
    return http.Response.make(200, b"", headers)


def is_tiktok_flow(flow: http.HTTPFlow) -> bool:
    """True when the request goes to a TikTok pixel host by any name the proxy may use: the
    destination it dials, the URL's authority, or the Host header (which can disagree)."""
    return snapshot.is_tiktok(flow.request)


def enforce_local_answers(opts: Any) -> None:
    """Block and redact answer TikTok locally: never dial it first, never pass it raw."""
    if getattr(opts, "connection_strategy", "lazy") != "lazy":
        opts.update(connection_strategy="lazy")
    import re

    for pattern in getattr(opts, "ignore_hosts", ()):
        if any(re.search(pattern, f"{host}:443") for host in _CANONICAL_HOSTS):
            raise exceptions.OptionsError(
                f"ignore_hosts {pattern!r} would pass TikTok's pixel hosts through "
                f"unblocked in {opts.pixelhelper_mode} mode"
            )
    allowed = getattr(opts, "allow_hosts", ())
    if allowed and not any(re.search(p, f"{h}:443") for p in allowed for h in _CANONICAL_HOSTS):
        raise exceptions.OptionsError(
            f"allow_hosts would pass TikTok's pixel hosts through unblocked in "
            f"{opts.pixelhelper_mode} mode; add analytics.tiktok.com to it"
        )
