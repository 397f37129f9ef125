"""Meta Pixel requests -> `PixelEvent`s.

A browser hit's parameters come in the query (GET, the image pixel), an urlencoded or
multipart form (POST, `navigator.sendBeacon`), or both; they are merged, kept flat and
exactly as sent in `payload` (`cd[value]`, `ud[em]`: what a report's locations name), and
read into the shared fields: `id` the pixel, `ev` the event, `eid` its id, `dl`/`rl` the page
and referrer, `cd[...]` the custom data (`properties`), `ud[...]` advanced matching and
`fbp`/`fbc` (`user`). A Conversions API call has one event per `data[]` item (`event_name`,
`event_id`, `event_source_url`, `action_source`, `user_data`, `custom_data`); its
`access_token` is a credential, never kept in an event.
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from pixelhelper.decode.body import BodyError, body_text
from pixelhelper.decode.events import base_fields, event, failed
from pixelhelper.decode.payload import parse_payload
from pixelhelper.recognise import Kind

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest
    from pixelhelper.models import PixelEvent
    from pixelhelper.recognise import Recognition

MAX_FIELDS = 2000  # parameters read per hit
_SDK_FIELDS = ("fbp", "fbc")


def decode_meta(request: CapturedRequest, recognition: Recognition) -> list[PixelEvent]:
    """The request's events; a body that cannot be read is the event's `decode_error`."""
    base = base_fields(request, recognition)
    try:
        if recognition.kind is Kind.SCRIPT:
            return [event(base, page_url=request.header("referer"))]
        if recognition.kind is Kind.EVENTS_API:
            return _conversions_api(request, base)
        return [_browser_hit(request, base)]
    except BodyError as exc:
        return [event(base, decode_error=str(exc))]
    except Exception as exc:  # noqa: BLE001  (never a lost hit)
        return [failed(base, None, None, exc)]


def _browser_hit(request: CapturedRequest, base: dict[str, Any]) -> PixelEvent:
    params = dict(_query(request.url))
    warnings: list[str] = []
    if request.body:
        text, warnings = body_text(request)
        params.update(_form(text, request.header("content-type") or "", request.body))
    custom = _bracketed(params, "cd")
    user = _bracketed(params, "ud")
    for name in _SDK_FIELDS:
        if params.get(name):
            user[name] = params[name]
    code = params.get("id") or None
    return event(
        base,
        pixel_code=code,
        pixel_codes=[code] if code else [],
        event=params.get("ev") or None,
        event_id=params.get("eid") or None,
        page_url=params.get("dl") or request.header("referer") or None,
        referrer=params.get("rl") or None,
        properties=custom or None,
        user=user or None,
        payload=params,
        warnings=warnings,
        event_source="automatic" if params.get("es") == "automatic" else None,
    )


def _conversions_api(request: CapturedRequest, base: dict[str, Any]) -> list[PixelEvent]:
    text, warnings = body_text(request)
    content_type = (request.header("content-type") or "").lower()
    if "json" in content_type or text.lstrip().startswith(("{", "[")):
        document = parse_payload(text, request.url)
    else:  # a form: `data` is the JSON array, beside `access_token`
        form = dict(_form(text, content_type, request.body))
        document = {key: value for key, value in form.items() if key != "access_token"}
        if isinstance(form.get("data"), str):
            document["data"] = parse_payload(form["data"], request.url)
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        return [event(base, payload=_without_token(document), warnings=warnings,
                      decode_error="Conversions API body has no data[]")]  # fmt: skip
    test_code = document.get("test_event_code")
    out = []
    for index, item in enumerate(document["data"][:1000]):
        try:
            out.append(_server_event(base, item, index, test_code, warnings))
        except Exception as exc:  # noqa: BLE001  (one bad item never costs its neighbours)
            out.append(failed(base, item, index, exc))
    return out or [event(base, payload={}, decode_error="Conversions API data[] is empty")]


def _server_event(
    base: dict[str, Any], item: Any, index: int, test_code: Any, warnings: list[str]
) -> PixelEvent:
    if not isinstance(item, dict):
        return event(base, payload=item, batch_index=index, decode_error="data[] item is no object")
    user = item.get("user_data")
    custom = item.get("custom_data")
    return event(
        base,
        event=_text(item.get("event_name")),
        event_id=_text(item.get("event_id")),
        page_url=_text(item.get("event_source_url")),
        properties=custom if isinstance(custom, dict) else None,
        user=user if isinstance(user, dict) else None,
        event_source=_text(item.get("action_source")),
        test_event_code=_text(test_code),
        payload=item,
        batch_index=index,
        warnings=warnings,
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _query(url: str) -> list[tuple[str, str]]:
    try:
        query = urlsplit(url).query
    except ValueError:
        return []
    return parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_FIELDS)


def _form(text: str, content_type: str, raw: bytes) -> list[tuple[str, str]]:
    """An urlencoded or multipart form body (a beacon sends either); nothing from others."""
    lowered = content_type.lower()
    if "multipart/form-data" in lowered:
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + raw
        )
        fields = []
        for part in message.iter_parts() if message.is_multipart() else ():
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                content = part.get_content()
                fields.append((name, content if isinstance(content, str) else content.decode(
                    "utf-8", "replace")))  # fmt: skip
            if len(fields) >= MAX_FIELDS:
                break
        return fields
    stripped = text.strip()
    if not stripped or stripped.startswith(("{", "[")) or "=" not in stripped:
        return []
    try:
        return parse_qsl(stripped, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        return []


def _bracketed(params: dict[str, str], prefix: str) -> dict[str, Any]:
    """`cd[value]=9.99&cd[currency]=EUR` -> `{"value": "9.99", "currency": "EUR"}`."""
    opening = prefix + "["
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key.startswith(opening) and key.endswith("]"):
            out[key[len(opening) : -1]] = value
    return out


def _without_token(document: Any) -> Any:
    if isinstance(document, dict):
        return {k: v for k, v in document.items() if k != "access_token"}
    return document


__all__ = ["decode_meta", "json"]
