"""Builders of realistic pixel flows for tests (payload shapes from ../shared/captures)."""

from __future__ import annotations

import json
from typing import Any

from pixelhelper.sources.writer import make_flow

CODE = "CQ8PJ3RC77U4LT2MKR2G"
UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)


def hit(
    event: str = "Pageview",
    page: str = "https://shop.example.com/",
    code: str = CODE,
    n: int = 0,
    **fields: Any,
) -> dict[str, Any]:
    """A /api/v2/pixel body shaped like the 2025 SDK's."""
    body: dict[str, Any] = {
        "event": event,
        "event_id": fields.pop("event_id", ""),
        "message_id": f"messageId-{1767258000000 + n}-{4812039475610 + n}-{code}",
        "is_onsite": False,
        "timestamp": f"2026-01-01T09:00:{n % 60:02d}.000Z",
        "context": {
            "ad": {"sdk_env": "external", "jsb_status": 2},
            "device": {"platform": "pc"},
            "user": fields.pop("user", {"anonymous_id": "01JZGKKZ7YCQWRDASWKDH1J19Z_.tt.1"}),
            "pixel": {"code": code, "runtime": "1"},
            "page": {"url": page, "referrer": "", "load_progress": "2"},
            "library": {"name": "pixel.js", "version": "2.2.1"},
            "userAgent": UA,
        },
        "properties": fields.pop("properties", {}),
        "_inspection": {},
    }
    body.update(fields)
    return body


def pixel_flow(
    body: Any, path: str = "/api/v2/pixel", n: int = 0, cookie: str | None = None, **headers: str
):
    """A sendBeacon-style POST to analytics.tiktok.com."""
    all_headers = {"Content-Type": "text/plain;charset=UTF-8", "User-Agent": UA, **headers}
    if cookie:
        all_headers["Cookie"] = cookie
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return make_flow(
        "POST",
        f"https://analytics.tiktok.com{path}",
        headers=all_headers,
        body=raw,
        client_ip="192.0.2.44",
        timestamp=1_767_258_000.0 + n,
    )


def loader_flow(code: str = CODE, referer: str = "https://shop.example.com/", n: int = 0):
    """The per-pixel events.js load."""
    return make_flow(
        "GET",
        f"https://analytics.tiktok.com/i18n/pixel/events.js?sdkid={code}&lib=ttq",
        headers={"Referer": referer, "User-Agent": UA},
        timestamp=1_767_258_000.0 + n,
        response_type="application/javascript",
    )


def site_flow(url: str = "https://shop.example.com/", n: int = 0):
    """Unrelated traffic that must never be reported."""
    return make_flow(
        "GET",
        url,
        headers={"User-Agent": UA},
        timestamp=1_767_258_000.0 + n,
        response_type="text/html",
        response_body=b"<html></html>",
    )


def payload_event(payload: Any, source: str = "test"):  # type: ignore[no-untyped-def]
    """A decoded /api/v2/pixel event holding `payload`, for detector tests without a capture."""
    from pixelhelper.models import PixelEvent

    return PixelEvent(
        source=source,
        flow=0,
        kind="pixel",
        method="POST",
        url="https://analytics.tiktok.com/api/v2/pixel",
        endpoint="api/v2/pixel",
        payload=payload,
    )
