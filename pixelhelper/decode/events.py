"""JSON -> `PixelEvent`: one builder per kind of pixel traffic.

Every builder starts from the same request-level fields (`base_fields`) and overrides them
with what the payload says; fields are merged as dicts, so an item never collides with the
request it came in. A malformed element of a batch becomes an event with a `decode_error`
and never costs the valid elements beside it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pixelhelper.cookies import reportable_cookies
from pixelhelper.decode.payload import MAX_NESTING, nesting_depth
from pixelhelper.models import (
    ActionDetails,
    BrowserPayload,
    EventsApiBody,
    EventsApiItem,
    PixelEvent,
)

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest
    from pixelhelper.recognise import Recognition

Fields = dict[str, Any]


def iso_from_epoch(value: Any) -> str | None:
    """An ISO-8601 UTC time for a Unix time in seconds (or, past 1e11, milliseconds)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None if value is None else str(value)[:64]
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        stamp = datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return str(value)[:64]
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def base_fields(request: CapturedRequest, recognition: Recognition) -> Fields:
    """What every event of a request shares: where it came from and how it was sent."""
    return {
        "source": request.source,
        "flow": request.flow,
        "kind": recognition.kind.value,
        "method": request.method.upper(),
        "url": request.url,
        "endpoint": recognition.endpoint,
        "vendor": recognition.vendor,
        "via": recognition.via,
        "via_host": _host(request.url) if recognition.via else None,
        "pixel_code": recognition.pixel_code,
        "pixel_codes": codes(recognition.pixel_code),
        "ip": request.client_ip,
        "user_agent": request.header("user-agent"),
        "cookies": reportable_cookies(request.header_all("cookie")),
        "capture_time": request.timestamp,
        "timestamp": iso_from_epoch(request.timestamp) if request.timestamp else None,
    }


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def event(base: Fields, **fields: Any) -> PixelEvent:
    """A `PixelEvent` from the request's fields overridden by `fields`."""
    return PixelEvent(**{**base, **fields})


def failed(base: Fields, element: Any, index: int | None, exc: Exception) -> PixelEvent:
    """The event for an element whose decoding failed unexpectedly: the error names only the
    exception's type, because its text can quote the payload (which may hold personal data)."""
    return event(
        base,
        payload=element,
        batch_index=index,
        decode_error=f"unexpected payload shape ({type(exc).__name__})",
    )


def codes(*values: str | None) -> list[str]:
    """Pixel codes from `code` and pipe-joined `codes` values, first seen first, no repeats."""
    seen: list[str] = []
    for value in values:
        for code in (value or "").split("|"):
            code = code.strip()
            if code and code not in seen:
                seen.append(code)
    return seen


def _maybe_unquote(url: str | None) -> str | None:
    """Legacy (2020) payloads percent-encode the whole page URL."""
    if url and "://" not in url and url.lower().startswith(("http%3a", "https%3a")):
        return unquote(url)
    return url


def _decode_json_strings(data: dict[str, Any]) -> dict[str, Any]:
    """`/act` content_data members are JSON inside JSON strings; decode them one level, within
    the nesting bound (a member too deep stays the string that was sent)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            try:
                parsed = json.loads(value)
            except (ValueError, RecursionError):
                parsed = None
            if parsed is not None and nesting_depth(parsed) <= MAX_NESTING:
                out[key] = parsed
                continue
        out[key] = value
    return out


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _action_details(payload: BrowserPayload) -> ActionDetails | None:
    auto = payload.auto_collected_properties
    if payload.action is None and auto is None:
        return None
    auto = auto or {}
    found = auto.get("trigger_element")
    trigger: dict[str, Any] = found if isinstance(found, dict) else {}
    content = auto.get("content_data")
    attributes = trigger.get("attributes")
    return ActionDetails(
        action=payload.action,
        page_trigger=_str_or_none(auto.get("page_trigger")),
        tag=_str_or_none(trigger.get("tag")),
        inner_text=_str_or_none(trigger.get("inner_text")),
        xpath=_str_or_none(trigger.get("xpath")),
        attributes=attributes if isinstance(attributes, dict) else None,
        metadata=_decode_json_strings(content) if isinstance(content, dict) else None,
    )


def _ttclid_from(url: str | None, cookies: dict[str, str]) -> str | None:
    if url and "ttclid=" in url:
        try:
            pairs = parse_qsl(urlsplit(url).query)
        except ValueError:
            pairs = []
        for name, value in pairs:
            if name == "ttclid" and value:
                return value
    return cookies.get("ttclid") or cookies.get("_ttclid")


def browser_event(base: Fields, element: Any, index: int | None) -> PixelEvent:
    """One browser hit (`/api/v2/pixel`, `/act`, legacy `/api/v1/track`, one batch element)."""
    if not isinstance(element, dict):
        return event(
            base,
            payload=element,
            batch_index=index,
            decode_error=f"expected a JSON object, got {type(element).__name__}",
        )
    payload = BrowserPayload.model_validate(element)
    ctx = payload.context
    page = ctx.page if ctx else None
    pixel = ctx.pixel if ctx else None
    code = (pixel.code if pixel else None) or payload.pixel_code or base["pixel_code"]
    all_codes = codes(code, pixel.codes if pixel else None)
    page_url = _maybe_unquote(page.url if page else None)
    library = ctx.library if ctx else None
    return event(
        base,
        # a hit that names its pixels only in `codes` (an auto-collected /act) belongs to the
        # first of them, like one with a `code`
        pixel_code=code or (all_codes[0] if all_codes else None),
        pixel_codes=all_codes,
        event=payload.event if payload.action is None else payload.action,
        event_id=payload.event_id,
        message_id=payload.message_id,
        timestamp=payload.timestamp or base["timestamp"],
        page_url=page_url,
        referrer=_maybe_unquote(page.referrer if page else None),
        properties=payload.properties,
        user=ctx.user if ctx else None,
        user_agent=(ctx.user_agent if ctx else None) or base["user_agent"],
        ip=(ctx.ip if ctx else None) or base["ip"],
        ttclid=(ctx.ad.callback if ctx and ctx.ad else None)
        or _ttclid_from(page_url, base["cookies"]),
        library=f"{library.name or 'pixel.js'} {library.version or ''}".strip()
        if library
        else None,
        action=_action_details(payload),
        signal_diagnostics=payload.signal_diagnostic_labels,
        inspection=payload.inspection or None,
        payload=element,
        batch_index=index,
    )


def _dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _events_api_item(
    base: Fields, top: EventsApiBody, element: Any, index: int | None
) -> PixelEvent:
    source_id = top.event_source_id or top.pixel_code
    common = {"pixel_code": source_id, "pixel_codes": codes(source_id), "batch_index": index,
              "event_source": top.event_source, "test_event_code": top.test_event_code}  # fmt: skip
    if not isinstance(element, dict):
        return event(
            base,
            **common,
            payload=element,
            decode_error=f"Events API item is not an object ({type(element).__name__})",
        )
    item = EventsApiItem.model_validate(element)
    context = item.context or {}
    user = item.user if item.user is not None else _dict(context.get("user"))
    page = item.page.model_dump(exclude_none=True) if item.page else _dict(context.get("page"))
    ad = _dict(context.get("ad"))
    return event(
        base,
        **common,
        event=item.event,
        event_id=item.event_id,
        timestamp=item.timestamp or iso_from_epoch(item.event_time) or base["timestamp"],
        page_url=_str((page or {}).get("url")),
        referrer=_str((page or {}).get("referrer")),
        properties=item.properties,
        user=user,
        ip=_str((user or {}).get("ip") or context.get("ip")),
        user_agent=_str((user or {}).get("user_agent") or context.get("user_agent")),
        ttclid=_str((user or {}).get("ttclid") or (ad or {}).get("callback")) or None,
        payload=element,
    )


def events_api_events(base: Fields, document: Any) -> list[PixelEvent]:
    """Events API 2.0 (`data[]`) and 1.0 (`batch[]` or a single event): one event per item."""
    if not isinstance(document, dict):
        return [event(base, payload=document, decode_error="Events API body is not an object")]
    top = EventsApiBody.model_validate(document)
    items: list[tuple[int | None, Any]]
    if isinstance(document.get("data"), list):
        items = list(enumerate(document["data"]))
    elif isinstance(document.get("batch"), list):
        items = list(enumerate(document["batch"]))
    else:
        items = [(None, document)]
    if not items:
        source_id = top.event_source_id or top.pixel_code
        return [
            event(
                base,
                pixel_code=source_id,
                pixel_codes=codes(source_id),
                payload=document,
                decode_error="Events API batch is empty",
            )
        ]
    out = []
    for index, element in items:
        try:
            out.append(_events_api_item(base, top, element, index))
        except Exception as exc:  # one bad item never costs the valid ones beside it
            out.append(failed(base, element, index, exc))
    return out
