"""Recognise TikTok pixel traffic by what it sends, on any host: first-party proxies.

Server-side tag managers (server-side GTM, stape) and framework proxies (Nuxt Scripts) pass
the pixel's own JSON through the site's own host (`https://shop.example/tt-proxy/api/v2/pixel`,
`https://metrics.shop.example/e`), where host-based recognition never looks. The payload keeps
its shape, which is what is recognised here: an object (or a batch of them) with a string
`message_id`, an `event` or an `action`, and a TikTok pixel code in `context.pixel.code`,
`context.pixel.codes` or the URL's `sdkid`. An ordinary API call that happens to have a
`message_id` has no pixel code of TikTok's shape, and is left alone.

Cheap on other traffic: only POST bodies of at most MAX_BODY bytes that contain the bytes
`message_id` are parsed at all (one substring search; `may_carry_payload`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pixelhelper.inspect.rules.registry import PIXEL_CODE
from pixelhelper.recognise import PAYLOAD_MARKER, Kind, Recognition, host_role, load_vendors

MARKER = PAYLOAD_MARKER
MARKER_TEXT = MARKER.decode()
MAX_BODY = 256 * 1024  # a pixel hit is a few KB; a batch of them stays far below this
MAX_URL = 64 * 1024  # a GET beacon's whole URL
MAX_DEPTH = 64
VIA = "first-party"


def may_carry_payload(method: str, body: bytes | None, url: str = "") -> bool:
    """Could this request carry a pixel payload on a host that is not TikTok's: a small POST
    body, or a query (a GET beacon), that names `message_id`?"""
    posted = method.upper() == "POST" and body is not None and 0 < len(body) <= MAX_BODY
    return (posted and MARKER in body) or _in_query(url)  # type: ignore[operator]


def _in_query(url: str) -> bool:
    return 0 < len(url) <= MAX_URL and MARKER_TEXT in url


def recognise_payload(
    method: str, url: str, body: bytes | None, content_encoding: str | None = None
) -> Recognition | None:
    """A Recognition marked `via="first-party"` when the body is a TikTok pixel payload on a
    host that is not TikTok's (and TikTok is among the vendors in use)."""
    if not may_carry_payload(method, body, url):
        return None
    if not any(vendor.id == "tiktok" for vendor in load_vendors()):
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if host and host_role(host) is not None:
        return None  # TikTok's own host: recognised there by path, or not at all
    try:
        query_code = _query_code(url)
    except ValueError:
        return None
    document = _document(method, body, url, content_encoding)
    if document is None:
        return None
    elements = document if isinstance(document, list) else _batch(document)
    kinds = {_shape(item, query_code) for item in elements[:100]} - {None}
    if not kinds:
        return None
    path = urlsplit(url).path.rstrip("/")
    if Kind.ACTION in kinds and Kind.PIXEL not in kinds or path.endswith("/pixel/act"):
        return Recognition(Kind.ACTION, "api/v2/pixel/act", query_code, VIA)
    return Recognition(Kind.PIXEL, "api/v2/pixel", query_code, VIA)


def _document(method: str, body: bytes | None, url: str, encoding: str | None) -> Any:
    """The JSON the request carries: its body (plain JSON, not content-encoded), else a JSON
    value in its query (plain or base64, as TikTok's GET beacons send it)."""
    if body and MARKER in body and len(body) <= MAX_BODY and encoding in (None, "", "identity"):
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            pass
    if _in_query(url):
        from pixelhelper.decode.payload import query_payload

        try:
            return query_payload(url)
        except Exception:  # noqa: BLE001  (a query that is no payload: not a pixel's)
            return None
    return None


def _batch(document: Any) -> list[Any]:
    if isinstance(document, dict):
        for key in ("batch", "events", "data"):
            items = document.get(key)
            if isinstance(items, list) and "message_id" not in document:
                return items
    return [document]


def _shape(item: Any, query_code: str | None) -> Kind | None:
    if not isinstance(item, dict):
        return None
    message_id = item.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        return None
    if not (query_code or _payload_code(item)):
        return None
    if isinstance(item.get("event"), str) and item["event"]:
        return Kind.PIXEL
    if isinstance(item.get("action"), str) and item["action"]:
        return Kind.ACTION
    return None


def _payload_code(item: dict[str, Any]) -> str | None:
    context = item.get("context")
    pixel = context.get("pixel") if isinstance(context, dict) else None
    if not isinstance(pixel, dict):
        return None
    code = pixel.get("code")
    if isinstance(code, str) and PIXEL_CODE.match(code):
        return code
    codes = pixel.get("codes")
    if isinstance(codes, str):
        codes = codes.split(",")
    if isinstance(codes, list):
        return next((c for c in codes if isinstance(c, str) and PIXEL_CODE.match(c.strip())), None)
    return None


def _query_code(url: str) -> str | None:
    query = urlsplit(url).query
    if "sdkid" not in query:
        return None
    values = parse_qs(query).get("sdkid") or []
    return next((v for v in values if PIXEL_CODE.match(v)), None)
