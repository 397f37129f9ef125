"""Typed models of what the TikTok pixel sends, and of what pixelhelper reports.

TikTok publishes no specification of the browser payload and changes its SDK often, so every
wire model is lenient on purpose: every field is optional, numbers may arrive as strings (and
ids as numbers), a sub-object of the wrong type is treated as absent rather than failing the
whole event, and unknown keys are kept (`extra="allow"`) so a report never hides what was sent.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from pixelhelper.severity import Severity

# --------------------------------------------------------------------------- lenient scalars


def _to_str(value: Any) -> str | None:
    """Accept ids that arrive as numbers; keep structured values readable instead of failing."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _to_dict(value: Any) -> dict[str, Any] | None:
    """A sub-object of the wrong type is treated as absent; the raw payload still keeps it."""
    return value if isinstance(value, dict) else None


def _to_model_input(value: Any) -> Any:
    return value if isinstance(value, dict) else None


LooseStr = Annotated[str | None, BeforeValidator(_to_str)]
LooseDict = Annotated[dict[str, Any] | None, BeforeValidator(_to_dict)]


class Wire(BaseModel):
    """Base of every wire model: keep unknown keys, accept the wrong type without raising."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False, defer_build=True)


_OBJECT = BeforeValidator(_to_model_input)


# --------------------------------------------------------------------------- browser payload


class AdContext(Wire):
    """`context.ad`: where the visit came from. `callback` carries the ttclid."""

    callback: LooseStr = None
    sdk_env: LooseStr = None
    jsb_status: Any = None


class PixelContext(Wire):
    """`context.pixel`: the pixel code, and in /act hits every code on the page (`codes`)."""

    code: LooseStr = None
    codes: LooseStr = None
    runtime: LooseStr = None


class PageContext(Wire):
    """`context.page`: the page the visitor is on."""

    url: LooseStr = None
    referrer: LooseStr = None
    load_progress: LooseStr = None


class LibraryContext(Wire):
    """`context.library`: the SDK build that sent the hit."""

    name: LooseStr = None
    version: LooseStr = None


class BrowserContext(Wire):
    """`context` of a browser hit. Presence of fields varies between hits and SDK versions."""

    ad: Annotated[AdContext | None, _OBJECT] = None
    user: LooseDict = None
    pixel: Annotated[PixelContext | None, _OBJECT] = None
    page: Annotated[PageContext | None, _OBJECT] = None
    library: Annotated[LibraryContext | None, _OBJECT] = None
    device: LooseDict = None
    session_id: LooseStr = None
    pageview_id: LooseStr = None
    variation_id: LooseStr = None
    user_agent: LooseStr = Field(default=None, alias="userAgent")
    ip: LooseStr = None
    index: Any = None


class BrowserPayload(Wire):
    """Body of `POST /api/v2/pixel`, `/api/v2/pixel/act` and legacy `/api/v1/track`."""

    event: LooseStr = None
    event_id: LooseStr = None
    message_id: LooseStr = None
    timestamp: LooseStr = None
    is_onsite: Any = None
    context: Annotated[BrowserContext | None, _OBJECT] = None
    properties: LooseDict = None
    inspection: LooseDict = Field(default=None, alias="_inspection")
    signal_diagnostic_labels: LooseDict = None
    action: LooseStr = None
    auto_collected_properties: LooseDict = None
    pixel_code: LooseStr = None


# --------------------------------------------------------------------------- Events API


class EventsApiPage(Wire):
    """`data[].page` (2.0) / `context.page` (1.0)."""

    url: LooseStr = None
    referrer: LooseStr = None


class EventsApiItem(Wire):
    """One `data[]` element of Events API 2.0, or one 1.0 track/batch element."""

    type: LooseStr = None
    event: LooseStr = None
    event_time: Any = None
    event_id: LooseStr = None
    timestamp: LooseStr = None
    user: LooseDict = None
    page: Annotated[EventsApiPage | None, _OBJECT] = None
    context: LooseDict = None
    properties: LooseDict = None
    limited_data_use: Any = None


class EventsApiBody(Wire):
    """Top level of an Events API request (2.0 `event_source`/`data`, 1.0 `pixel_code`)."""

    event_source: LooseStr = None
    event_source_id: LooseStr = None
    pixel_code: LooseStr = None
    test_event_code: LooseStr = None
    partner_name: LooseStr = None


# --------------------------------------------------------------------------- report models

EventKind = Literal["script", "pixel", "action", "events_api", "other"]


class ActionDetails(BaseModel):
    """What an auto-collected `/act` hit reveals: the clicked element and page metadata."""

    model_config = ConfigDict(extra="allow")

    action: str | None = None
    page_trigger: str | None = None
    tag: str | None = None
    inner_text: str | None = None
    xpath: str | None = None
    attributes: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    """`content_data` with its JSON-in-string members decoded (open_graph, json_ld, ...)."""


class PixelEvent(BaseModel):
    """One decoded pixel hit, in a shape that is the same whatever endpoint sent it.

    Field names are the public JSON contract (issue #2); new fields may be added, none renamed.
    """

    source: str
    flow: int
    kind: EventKind
    method: str
    url: str
    endpoint: str
    pixel_code: str | None = None
    pixel_codes: list[str] = Field(default_factory=list)
    event: str | None = None
    event_id: str | None = None
    message_id: str | None = None
    timestamp: str | None = None
    page_url: str | None = None
    referrer: str | None = None
    properties: dict[str, Any] | None = None
    user: dict[str, Any] | None = None
    ip: str | None = None
    user_agent: str | None = None
    cookies: dict[str, str] = Field(default_factory=dict)
    ttclid: str | None = None
    library: str | None = None
    action: ActionDetails | None = None
    signal_diagnostics: dict[str, Any] | None = None
    """TikTok's own verdict on each match key (`signal_diagnostic_labels`), verbatim."""
    inspection: dict[str, Any] | None = None
    """The SDK's `_inspection` (identity_params: how each identity was received), verbatim."""
    event_source: str | None = None
    test_event_code: str | None = None
    decode_error: str | None = None
    warnings: list[str] = Field(default_factory=list)
    payload: Any = None
    """The decoded element exactly as sent, unknown fields included."""
    batch_index: int | None = None
    capture_time: float | None = None
    consent: dict[str, Any] | None = None
    """`--consent`: the mode the event was sent in and the consent state then (`{"mode",
    "state", "banner"}`, see `consent.timeline`); `{"mode": "gpc", ...}` for any request that
    carried `Sec-GPC: 1`; None when nothing is known."""
    step: int | None = None
    """`--journey`: the step that was under way when the hit was sent (0: the start page)."""
    vendor: str = "tiktok"
    """Whose pixel it is (`tiktok`, `meta`, a third party's vendor id; see `vendors`)."""
    via: str | None = None
    """`"first-party"`: sent through a host that is not TikTok's (a first-party proxy: server-
    side tag managers, framework proxies), recognised by its payload; `via_host` is that host."""
    via_host: str | None = None


class Finding(BaseModel):
    """A problem found in an event or a session: plain data with a stable rule id.

    `value` holds the raw evidence; outputs never print it directly but pass the whole report
    through `pixelhelper.redact`, which masks it unless the user asked for raw values.
    """

    event: int | None
    type: Literal["sensitive", "setup"]
    rule: str
    category: str
    severity: Severity
    location: str
    value: str | None = None
    message: str
    subcategory: str | None = None
    pixel_code: str | None = None
    carrier: str | None = Field(default=None, exclude=True)
    """The whole field text the value was found in (for masking encoded copies); never output."""
    stage: Literal["typed", "submitted"] | None = None
    """`form-data-leak`: whether the value left while the visitor typed, or after a submit."""
    encoding: list[str] | None = None
    """`form-data-leak`: how the value was found, innermost first (`["lowercase", "sha256"]`)."""
    field: str | None = None
    """`form-data-leak`: the CSS selector of the form field the value was typed into."""
    outcome: Literal["sent", "blocked", "redacted"] = "sent"
    """What became of the value: sent to TikTok, or kept from it by the proxy's block or
    redact mode (the finding's message then says so)."""
    consent_mode: str | None = None
    """`--consent`: the mode the finding was made in (`none`, `reject`, `accept`, `gpc`)."""
    step: int | None = None
    """`--journey`: the step under way when the event it was found in was sent."""
