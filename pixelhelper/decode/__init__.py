"""Decode: a recognised request's bytes -> `PixelEvent` models.

The decoder never raises on bad input: a body it cannot read becomes an event whose
`decode_error` says why, because a lost hit is worse than an undecoded one. It honours
Content-Encoding (bounded, `body`), reads JSON whatever the Content-Type (sendBeacon sends
`text/plain`), falls back to base64 JSON in a GET query (`payload`), and splits batches into
one event per element (`events`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pixelhelper.decode.body import MAX_BODY, BodyError, body_text
from pixelhelper.decode.events import base_fields, browser_event, event, events_api_events, failed
from pixelhelper.decode.payload import MAX_NESTING, parse_payload, split_batch
from pixelhelper.recognise import Kind, Recognition, recognise

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest
    from pixelhelper.models import PixelEvent

__all__ = [
    "MAX_BODY",
    "MAX_NESTING",
    "BodyError",
    "body_text",
    "decode",
    "decode_request",
    "iter_events",
    "parse_payload",
    "split_batch",
]


def decode_request(request: CapturedRequest, recognition: Recognition) -> list[PixelEvent]:
    """Decode one recognised request into its events, by its vendor's decoder; never raises
    for bad input.

    Args:
        request: The request as captured.
        recognition: What `recognise` said the request is.
    """
    if recognition.vendor != "tiktok":
        from pixelhelper.vendors import by_id

        vendor = by_id(recognition.vendor)
        if vendor is not None:
            try:
                return vendor.decode(request, recognition)
            except Exception as exc:  # a vendor's decoder must not lose the hit
                return [failed(base_fields(request, recognition), None, None, exc)]
    return decode_tiktok(request, recognition)


def decode_tiktok(request: CapturedRequest, recognition: Recognition) -> list[PixelEvent]:
    """TikTok's hits (the first vendor's decoder)."""
    base = base_fields(request, recognition)
    try:
        return _decode(request, recognition, base)
    except Exception as exc:
        return [failed(base, None, None, exc)]


def _decode(
    request: CapturedRequest, recognition: Recognition, base: dict[str, Any]
) -> list[PixelEvent]:
    if recognition.kind is Kind.SCRIPT:
        return [event(base, page_url=request.header("referer"))]
    try:
        text, warnings = body_text(request)
        document = parse_payload(text, request.url)
    except BodyError as exc:
        if recognition.kind is Kind.OTHER and "nested deeper" not in str(exc):
            return [event(base, warnings=[f"beacon body not decoded: {exc}"])]
        return [event(base, decode_error=str(exc))]
    base["warnings"] = warnings
    if recognition.kind is Kind.EVENTS_API:
        return events_api_events(base, document)
    if recognition.kind is Kind.OTHER:
        name = document.get("metric_name") if isinstance(document, dict) else None
        return [event(base, event=None if name is None else str(name), payload=document)]
    elements = split_batch(document)
    if not elements:
        return [event(base, payload=document, decode_error="batch holds no events")]
    return [_browser_event(base, element, index) for index, element in elements]


def _browser_event(base: dict[str, Any], element: Any, index: int | None) -> PixelEvent:
    """One batch element; its failure is its own decode error, never its neighbours'."""
    try:
        return browser_event(base, element, index)
    except Exception as exc:
        return failed(base, element, index, exc)


def decode(request: CapturedRequest) -> list[PixelEvent]:
    """Recognise and decode; an empty list means the request is not TikTok pixel traffic."""
    recognition = recognise(request.method, request.url)
    if recognition is None:
        return []
    return decode_request(request, recognition)


def iter_events(requests: Iterator[CapturedRequest]) -> Iterator[PixelEvent]:
    """Decode a stream of requests lazily, yielding only pixel events."""
    for request in requests:
        yield from decode(request)
