"""Turn a recognised request's bytes into `PixelEvent` models.

The decoder never raises on bad input: a body it cannot read becomes an event whose
`decode_error` says why, because a lost hit is worse than an undecoded one. It honours
Content-Encoding, reads JSON whatever the Content-Type (sendBeacon sends `text/plain`), falls
back to base64 JSON in a GET query, and splits batches into one event per element.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import ValidationError

from pixelhelper.capture import CapturedRequest
from pixelhelper.cookies import reportable_cookies
from pixelhelper.models import (
    ActionDetails,
    BrowserPayload,
    EventsApiBody,
    EventsApiItem,
    PixelEvent,
)
from pixelhelper.recognise import Kind, Recognition, recognise

try:  # brotli is a dependency, but a decoder must still work (and say why) without it
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

MAX_BODY = 32 * 1024 * 1024
_BATCH_KEYS = ("batch", "events", "data")
_SINGLE_KEYS = ("event", "action", "message_id", "context")


class BodyError(ValueError):
    """Internal: the body could not be turned into JSON; the message becomes `decode_error`."""


# --------------------------------------------------------------------------- bytes -> text


def _decompress(body: bytes, encoding: str) -> bytes:
    out = body
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        if coding in ("identity", ""):
            continue
        try:
            if coding in ("gzip", "x-gzip"):
                out = gzip.decompress(out)
            elif coding == "deflate":
                try:
                    out = zlib.decompress(out)
                except zlib.error:
                    out = zlib.decompress(out, -zlib.MAX_WBITS)
            elif coding == "br":
                if brotli is None:
                    raise BodyError("body is brotli-compressed and the brotli module is missing")
                out = brotli.decompress(out)
            elif coding == "zstd":
                import zstandard

                out = zstandard.ZstdDecompressor().decompress(out, max_output_size=MAX_BODY)
            else:
                raise BodyError(f"unsupported Content-Encoding {coding!r}")
        except BodyError:
            raise
        except Exception as exc:
            raise BodyError(f"Content-Encoding {coding!r} could not be decoded: {exc}") from exc
    return out


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*\"?([\w.:-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def body_text(request: CapturedRequest) -> tuple[str, list[str]]:
    """Return the decoded body text and warnings about how it had to be read.

    Raises:
        BodyError: when Content-Encoding is declared but the body is not in it.
    """
    warnings: list[str] = []
    body = request.body
    encoding = request.header("content-encoding")
    if encoding:
        try:
            body = _decompress(body, encoding)
        except BodyError:
            # HAR exports often keep the header but store the already-decoded text.
            if body.lstrip()[:1] not in (b"{", b"["):
                raise
            warnings.append(f"Content-Encoding {encoding} declared but body was not encoded")
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16"), warnings
    try:
        return body.decode("utf-8"), warnings
    except UnicodeDecodeError:
        pass
    declared = _charset(request.header("content-type"))
    if declared and declared.lower().replace("-", "") != "utf8":
        try:
            text = body.decode(declared)
            warnings.append(f"body decoded as declared charset {declared}")
            return text, warnings
        except (LookupError, UnicodeDecodeError):
            pass
    warnings.append("body is not valid UTF-8; undecodable bytes were replaced")
    return body.decode("utf-8", errors="replace"), warnings


# --------------------------------------------------------------------------- text -> JSON


def _b64_json(value: str) -> Any:
    compact = value.strip()
    if len(compact) < 8 or not re.fullmatch(r"[A-Za-z0-9+/_-]+={0,2}", compact):
        return None
    padded = compact + "=" * (-len(compact) % 4)
    for decoder in (base64.urlsafe_b64decode, base64.b64decode):
        try:
            raw = decoder(padded)
            parsed = json.loads(raw.decode("utf-8"))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            continue
        if isinstance(parsed, dict | list):
            return parsed
    return None


def _json_in_pairs(pairs: list[tuple[str, str]]) -> Any:
    for _name, value in pairs:
        stripped = value.strip()
        if stripped[:1] in ("{", "["):
            try:
                parsed = json.loads(stripped)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict | list):
                return parsed
        parsed = _b64_json(value)
        if parsed is not None:
            return parsed
    return None


def parse_payload(text: str, url: str) -> Any:
    """Parse a body (or, for GET beacons, the query string) into a JSON value.

    Raises:
        BodyError: with a reason a user can act on.
    """
    stripped = text.strip()
    if stripped:
        try:
            return json.loads(stripped)
        except ValueError as exc:
            json_error = exc
        decoded = _b64_json(stripped)
        if decoded is not None:
            return decoded
        if "=" in stripped and stripped[:1] not in ("{", "["):
            decoded = _json_in_pairs(parse_qsl(stripped, keep_blank_values=True))
            if decoded is not None:
                return decoded
        raise BodyError(f"body is not valid JSON ({json_error})")
    decoded = _json_in_pairs(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    if decoded is not None:
        return decoded
    raise BodyError("empty body and no JSON payload in the query string")


def split_batch(payload: Any) -> list[tuple[int | None, Any]]:
    """Return the events inside a payload: one per batch element, or the payload itself."""
    if isinstance(payload, list):
        return list(enumerate(payload))
    if isinstance(payload, dict) and not any(k in payload for k in _SINGLE_KEYS):
        for key in _BATCH_KEYS:
            items = payload.get(key)
            if isinstance(items, list):
                return list(enumerate(items))
    return [(None, payload)]


# --------------------------------------------------------------------------- helpers


def _iso_from_epoch(value: Any) -> str | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None if value is None else str(value)
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        return (
            datetime.fromtimestamp(number, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )
    except (OverflowError, OSError, ValueError):
        return str(value)


def _maybe_unquote(url: str | None) -> str | None:
    """Legacy (2020) payloads percent-encode the whole page URL."""
    if url and "://" not in url and url.lower().startswith(("http%3a", "https%3a")):
        return unquote(url)
    return url


def _codes(*values: str | None) -> list[str]:
    seen: list[str] = []
    for value in values:
        for code in (value or "").split("|"):
            code = code.strip()
            if code and code not in seen:
                seen.append(code)
    return seen


def _decode_json_strings(data: dict[str, Any]) -> dict[str, Any]:
    """`/act` content_data members are JSON inside JSON strings; decode them one level."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, str) and value.strip()[:1] in ("{", "["):
            try:
                out[key] = json.loads(value)
                continue
            except ValueError:
                pass
        out[key] = value
    return out


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
        page_trigger=auto.get("page_trigger")
        if isinstance(auto.get("page_trigger"), str)
        else None,
        tag=trigger.get("tag") if isinstance(trigger.get("tag"), str) else None,
        inner_text=trigger.get("inner_text")
        if isinstance(trigger.get("inner_text"), str)
        else None,
        xpath=trigger.get("xpath") if isinstance(trigger.get("xpath"), str) else None,
        attributes=attributes if isinstance(attributes, dict) else None,
        metadata=_decode_json_strings(content) if isinstance(content, dict) else None,
    )


def _base_fields(request: CapturedRequest, recognition: Recognition) -> dict[str, Any]:
    return {
        "source": request.source,
        "flow": request.flow,
        "kind": recognition.kind.value,
        "method": request.method.upper(),
        "url": request.url,
        "endpoint": recognition.endpoint,
        "pixel_code": recognition.pixel_code,
        "pixel_codes": _codes(recognition.pixel_code),
        "ip": request.client_ip,
        "user_agent": request.header("user-agent"),
        "cookies": reportable_cookies(request.header_all("cookie")),
        "capture_time": request.timestamp,
        "timestamp": _iso_from_epoch(request.timestamp) if request.timestamp else None,
    }


def _ttclid_from(url: str | None, cookies: dict[str, str]) -> str | None:
    if url and "ttclid=" in url:
        for name, value in parse_qsl(urlsplit(url).query):
            if name == "ttclid" and value:
                return value
    return cookies.get("ttclid") or cookies.get("_ttclid")


# --------------------------------------------------------------------------- per kind


def _browser_event(base: dict[str, Any], element: Any, index: int | None) -> PixelEvent:
    if not isinstance(element, dict):
        return PixelEvent(
            **base,
            payload=element,
            batch_index=index,
            decode_error=f"expected a JSON object, got {type(element).__name__}",
        )
    payload = BrowserPayload.model_validate(element)
    ctx = payload.context
    page = ctx.page if ctx else None
    pixel = ctx.pixel if ctx else None
    code = (pixel.code if pixel else None) or payload.pixel_code or base["pixel_code"]
    page_url = _maybe_unquote(page.url if page else None)
    fields = dict(base)
    fields.update(
        pixel_code=code,
        pixel_codes=_codes(code, pixel.codes if pixel else None),
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
        ttclid=(ctx.ad.callback if ctx and ctx.ad else None) or None,
        library=(
            f"{ctx.library.name or 'pixel.js'} {ctx.library.version or ''}".strip()
            if ctx and ctx.library
            else None
        ),
        action=_action_details(payload),
        signal_diagnostics=payload.signal_diagnostic_labels,
        payload=element,
        batch_index=index,
    )
    fields["ttclid"] = fields["ttclid"] or _ttclid_from(page_url, fields["cookies"])
    return PixelEvent(**fields)


def _events_api_events(
    base: dict[str, Any], document: Any, warnings: list[str]
) -> list[PixelEvent]:
    if not isinstance(document, dict):
        return [
            PixelEvent(**base, payload=document, decode_error="Events API body is not an object")
        ]
    top = EventsApiBody.model_validate(document)
    source_id = top.event_source_id or top.pixel_code
    items: list[tuple[int | None, Any]]
    if isinstance(document.get("data"), list):
        items = list(enumerate(document["data"]))
    elif isinstance(document.get("batch"), list):
        items = list(enumerate(document["batch"]))
    else:
        items = [(None, document)]
    if not items:
        return [
            PixelEvent(
                **base,
                pixel_code=source_id,
                payload=document,
                decode_error="Events API batch is empty",
            )
        ]
    events = []
    for index, element in items:
        if not isinstance(element, dict):
            events.append(
                PixelEvent(
                    **base,
                    pixel_code=source_id,
                    payload=element,
                    batch_index=index,
                    decode_error=f"Events API item is not an object ({type(element).__name__})",
                )
            )
            continue
        item = EventsApiItem.model_validate(element)
        context = item.context or {}
        user = item.user if item.user is not None else _dict(context.get("user"))
        page = item.page.model_dump(exclude_none=True) if item.page else _dict(context.get("page"))
        ad = _dict(context.get("ad"))
        ip = (user or {}).get("ip") or context.get("ip")
        agent = (user or {}).get("user_agent") or context.get("user_agent")
        fields = dict(base)
        fields.update(
            pixel_code=source_id,
            pixel_codes=_codes(source_id),
            event=item.event,
            event_id=item.event_id,
            timestamp=item.timestamp or _iso_from_epoch(item.event_time) or base["timestamp"],
            page_url=_str((page or {}).get("url")),
            referrer=_str((page or {}).get("referrer")),
            properties=item.properties,
            user=user,
            ip=_str(ip),
            user_agent=_str(agent),
            ttclid=_str((user or {}).get("ttclid") or (ad or {}).get("callback")) or None,
            event_source=top.event_source,
            test_event_code=top.test_event_code,
            payload=element,
            batch_index=index,
            warnings=list(warnings),
        )
        events.append(PixelEvent(**fields))
    return events


def _dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- entry points


def decode_request(request: CapturedRequest, recognition: Recognition) -> list[PixelEvent]:
    """Decode one recognised request into its events; never raises for bad input.

    Args:
        request: The request as captured.
        recognition: What `recognise` said the request is.
    """
    try:
        return _decode(request, recognition)
    except (ValidationError, RecursionError, MemoryError, ValueError, TypeError) as exc:
        base = _base_fields(request, recognition)
        return [PixelEvent(**base, decode_error=f"unexpected payload shape: {exc}"[:500])]


def _decode(request: CapturedRequest, recognition: Recognition) -> list[PixelEvent]:
    base = _base_fields(request, recognition)
    if recognition.kind is Kind.SCRIPT:
        referer = request.header("referer")
        return [PixelEvent(**base, page_url=referer)]
    if len(request.body) > MAX_BODY:
        return [PixelEvent(**base, decode_error=f"body larger than {MAX_BODY} bytes; not decoded")]
    try:
        text, warnings = body_text(request)
        document = parse_payload(text, request.url)
    except BodyError as exc:
        if recognition.kind is Kind.OTHER:
            return [PixelEvent(**base, warnings=[f"beacon body not decoded: {exc}"])]
        return [PixelEvent(**base, decode_error=str(exc))]
    base["warnings"] = warnings
    if recognition.kind is Kind.EVENTS_API:
        return _events_api_events(
            {k: v for k, v in base.items() if k != "warnings"}, document, warnings
        )
    if recognition.kind is Kind.OTHER:
        name = document.get("metric_name") if isinstance(document, dict) else None
        return [PixelEvent(**base, event=_str(name), payload=document)]
    elements = split_batch(document)
    if not elements:
        return [PixelEvent(**base, payload=document, decode_error="batch holds no events")]
    return [_browser_event(base, element, index) for index, element in elements]


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
