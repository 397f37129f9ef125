"""Setup rules: is the pixel installed and are its events and parameters right?

Each rule is a small function registered with a stable id, a severity, a one-line summary and a
help text (its docstring), the way bandit registers plugins. Event rules see one event; session
rules see every event and the page/pixel grouping, so they can find duplicates and missing
events. Findings are plain data (`type: "setup"`, the rule id in `rule`, the Pixel Helper level
`pixel` / `event` / `parameter` in `category`). `pixelhelper rules` prints this registry.
"""

from __future__ import annotations

import inspect
import json
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from pixelhelper.inspect.identities import KnownIdentities
from pixelhelper.models import Finding, PixelEvent, Severity
from pixelhelper.session import Session

Level = Literal["pixel", "event", "parameter"]
PIXEL_CODE = re.compile(r"^[0-9A-V]{19}[0G]$")
SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
ERROR_SEVERITIES = ("critical", "high")


@dataclass(frozen=True)
class RuleContext:
    """What rules may consult besides the events: the tester's known identities."""

    identities: KnownIdentities | None = None


EventCheck = Callable[[int, PixelEvent, RuleContext], Iterable[Finding]]
SessionCheck = Callable[[Sequence[PixelEvent], Session, RuleContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A registered rule (or, with no check, a detector's descriptor for listings and SARIF)."""

    id: str
    severity: Severity
    summary: str
    help: str
    level: Level | str
    scope: Literal["event", "session", "detector"]
    check: Callable[..., Iterable[Finding]] | None = None


RULES: dict[str, Rule] = {}


def describe(rule_id: str, severity: Severity, summary: str, help_text: str, level: str) -> None:
    """Register a descriptor for findings produced elsewhere (the sensitive-data detectors), so
    every rule id a report can contain is listed by `pixelhelper rules`."""
    RULES.setdefault(rule_id, Rule(rule_id, severity, summary, help_text, level, "detector"))


def _register(
    rule_id: str, severity: Severity, summary: str, level: Level, scope: Literal["event", "session"]
) -> Callable[[Callable[..., Iterable[Finding]]], Callable[..., Iterable[Finding]]]:
    def decorate(func: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        if rule_id in RULES:
            raise ValueError(f"duplicate rule id {rule_id}")
        help_text = inspect.cleandoc(func.__doc__ or summary)
        RULES[rule_id] = Rule(rule_id, severity, summary, help_text, level, scope, func)
        return func

    return decorate


def event_rule(
    rule_id: str, severity: Severity, summary: str, level: Level
) -> Callable[[EventCheck], EventCheck]:
    """Register a rule over single events."""
    return _register(rule_id, severity, summary, level, "event")


def session_rule(
    rule_id: str, severity: Severity, summary: str, level: Level
) -> Callable[[SessionCheck], SessionCheck]:
    """Register a rule over the whole session."""
    return _register(rule_id, severity, summary, level, "session")


def finding(
    rule_id: str,
    event: int | None,
    pixel_code: str | None,
    location: str,
    message: str,
    value: Any = None,
    severity: Severity | None = None,
) -> Finding:
    """Build a setup finding for a registered rule."""
    rule = RULES[rule_id]
    shown = value if value is None or isinstance(value, str) else json.dumps(value)
    return Finding(
        event=event,
        type="setup",
        rule=rule_id,
        category=str(rule.level),
        severity=severity or rule.severity,
        location=location,
        value=shown,
        message=message,
        pixel_code=pixel_code,
    )


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class Reference:
    """TikTok's standard events and currencies (data/standard_events.toml)."""

    standard: frozenset[str]
    automatic: frozenset[str]
    legacy: dict[str, str]
    value_events: frozenset[str]
    currencies: frozenset[str]


@cache
def reference() -> Reference:
    """Load the shipped reference data once."""
    raw = resources.files("pixelhelper").joinpath("data/standard_events.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    return Reference(
        standard=frozenset(data["standard"]),
        automatic=frozenset(data["automatic"]),
        legacy=dict(data["legacy"]),
        value_events=frozenset(data["value_events"]["names"]),
        currencies=frozenset(data["currencies"]["supported"]),
    )


def _is_conversion(event: PixelEvent) -> bool:
    """Events a site sends on purpose (not script loads, beacons or auto-collected actions)."""
    return event.kind in ("pixel", "events_api") and event.decode_error is None


def _props(event: PixelEvent) -> dict[str, Any]:
    return event.properties if isinstance(event.properties, dict) else {}


def _user_path(event: PixelEvent) -> str:
    return "user" if event.kind == "events_api" else "context.user"


def _number(value: Any) -> float | None:
    """The number a value stands for, accepting numeric strings as TikTok does."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


# --------------------------------------------------------------------------- pixel level


@session_rule("invalid-pixel-code", "high", "Pixel code is not a valid TikTok pixel ID", "pixel")
def invalid_pixel_code(
    events: Sequence[PixelEvent], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """A TikTok pixel code is 20 characters of 0-9 and A-V (an upper-case base32hex xid) and
    ends in 0 or G, e.g. `CQ8PJ3RC77U4LT2MKR2G`. A code of any other shape cannot belong to a
    pixel in Events Manager, so every event sent with it is lost.

    Fix: copy the pixel ID from TikTok Events Manager (Assets > Events > Web events) into the
    `ttq.load('...')` call of the base code, and into `event_source_id` of Events API calls.
    """
    seen: set[str] = set()
    for index, event in enumerate(events):
        for code in event.pixel_codes or ([event.pixel_code] if event.pixel_code else []):
            if code in seen:
                continue
            seen.add(code)
            if not PIXEL_CODE.match(code):
                yield finding(
                    "invalid-pixel-code",
                    index,
                    code,
                    _code_location(event),
                    f"Pixel code '{code}' is not 20 characters of [0-9A-V] ending in 0 or G; "
                    "copy the pixel ID from TikTok Events Manager.",
                    code,
                )


def _code_location(event: PixelEvent) -> str:
    if event.kind == "script":
        return "url?sdkid"
    if event.kind == "events_api":
        return "event_source_id"
    return "context.pixel.code"


@session_rule(
    "duplicate-pixel-load", "medium", "The same pixel is loaded more than once on a page", "pixel"
)
def duplicate_pixel_load(
    events: Sequence[PixelEvent], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """The base code (`events.js?sdkid=CODE`) for one pixel ran twice on the same page, usually
    because the pixel is installed both by hand and by a plugin or tag manager. Every event may
    then be sent twice and reported twice.

    Fix: keep one installation of the pixel per page (remove the hard-coded snippet or the
    plugin/GTM tag).
    """
    for page in session.pages:
        for code, entry in page.pixels.items():
            if len(entry.loads) > 1:
                for load in entry.loads[1:]:
                    yield finding(
                        "duplicate-pixel-load",
                        load,
                        code,
                        "url?sdkid",
                        f"Pixel {code} was loaded {len(entry.loads)} times on "
                        f"{page.url or 'one page'}; keep a single installation.",
                        code,
                    )
    for index, event in enumerate(events):
        codes = [c.strip() for c in _raw_codes(event).split("|") if c.strip()]
        if len(codes) != len(set(codes)):
            yield finding(
                "duplicate-pixel-load",
                index,
                event.pixel_code,
                "context.pixel.codes",
                "The page lists the same pixel code twice in context.pixel.codes; the pixel is "
                "installed twice.",
                _raw_codes(event),
            )


def _raw_codes(event: PixelEvent) -> str:
    node: Any = event.payload
    for key in ("context", "pixel", "codes"):
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, str) else ""


@session_rule(
    "pixel-without-events", "medium", "A pixel was loaded on a page but sent no event", "pixel"
)
def pixel_without_events(
    events: Sequence[PixelEvent], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """The pixel's base code loaded, yet the page sent no event for that pixel code: not even
    the automatic `Pageview`. The pixel is "not firing": the base code is incomplete (no
    `ttq.page()`), blocked by a consent tool, or the page was left before the SDK finished.

    Fix: make sure the base code calls `ttq.page()`, and that consent, if required, is granted
    before events are expected.
    """
    for page in session.pages:
        for code, entry in page.pixels.items():
            if entry.loads and not entry.events:
                yield finding(
                    "pixel-without-events",
                    entry.loads[0],
                    code,
                    "url?sdkid",
                    f"Pixel {code} loaded on {page.url or 'a page'} but sent no event; check that "
                    "the base code calls ttq.page() and that consent does not block it.",
                    code,
                )


# --------------------------------------------------------------------------- event level


@event_rule("empty-event-name", "high", "Event name is empty", "event")
def empty_event_name(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """TikTok's Pixel Helper reports "Event name/type is empty": `ttq.track('')` or an Events
    API item without `event`. TikTok cannot attribute or optimise on an event without a name.

    Fix: pass a standard event name (e.g. `ttq.track('AddToCart', {...})`).
    """
    if _is_conversion(event) and not (event.event or "").strip():
        yield finding(
            "empty-event-name",
            index,
            event.pixel_code,
            "event",
            "The event has no name; call ttq.track() with a standard event name such as "
            "'ViewContent' or 'Purchase'.",
        )


@event_rule("custom-event", "info", "Not a standard event: reporting only", "event")
def custom_event(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """The event name is not one of TikTok's standard events. Custom events are allowed but can
    only be used for reporting and audiences; TikTok does not optimise ad delivery on them.

    Fix: if the event means one of the standard events (AddToCart, Purchase, SubmitForm...),
    send that name instead.
    """
    ref = reference()
    name = (event.event or "").strip()
    if not _is_conversion(event) or not name:
        return
    if name in ref.standard or name in ref.automatic or name in ref.legacy:
        return
    near = next((s for s in ref.standard | ref.automatic if s.lower() == name.lower()), None)
    hint = f" Did you mean '{near}'? Names are case-sensitive." if near else ""
    yield finding(
        "custom-event",
        index,
        event.pixel_code,
        "event",
        f"'{name}' is a custom event: usable for reporting and audiences, not for optimisation."
        + hint,
        name,
    )


@event_rule(
    "legacy-event-name", "info", "Event name is no longer in TikTok's standard list", "event"
)
def legacy_event_name(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """`ClickButton`, `CompletePayment` and `PlaceAnOrder` were standard events until April 2025
    and are gone from TikTok's September 2025 list. TikTok still accepts them, but new
    optimisation goals use the current names.

    Fix: send `Purchase` instead of `CompletePayment` and `PlaceAnOrder`; replace
    `ClickButton` with the event the click stands for.
    """
    name = (event.event or "").strip()
    if _is_conversion(event) and name in reference().legacy:
        yield finding(
            "legacy-event-name",
            index,
            event.pixel_code,
            "event",
            f"'{name}' is a legacy event name; send {reference().legacy[name]} instead.",
            name,
        )


@event_rule("missing-value", "high", "A value-bearing event has no value", "parameter")
def missing_value(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """Purchase, CompletePayment and PlaceAnOrder carry the order total in `value`. Without it,
    value-based optimisation and ROAS reporting have nothing to work with.

    Fix: add `value` (the order total as a number) and `currency` to the event's parameters.
    """
    value_event = (event.event or "") in reference().value_events
    if _is_conversion(event) and value_event and _props(event).get("value") in (None, ""):
        yield finding(
            "missing-value",
            index,
            event.pixel_code,
            "properties.value",
            f"{event.event} has no 'value'; add the order total as a number "
            "(e.g. value: 24.90) so ROAS can be measured.",
        )


@event_rule("missing-currency", "high", "A value is sent without a currency", "parameter")
def missing_currency(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """TikTok needs `currency` (ISO 4217) with every `value`, and on every value-bearing event.
    A value without a currency cannot be converted, so it is dropped from ROAS.

    Fix: add `currency` (e.g. 'USD') next to `value`.
    """
    if not _is_conversion(event):
        return
    props = _props(event)
    value_event = (event.event or "") in reference().value_events
    has_value = props.get("value") not in (None, "")
    if (value_event or has_value) and props.get("currency") in (None, ""):
        yield finding(
            "missing-currency",
            index,
            event.pixel_code,
            "properties.currency",
            f"{event.event or 'The event'} has no 'currency'; add an ISO 4217 code such as "
            "'USD' next to 'value'.",
        )


@event_rule("invalid-value", "high", "value is not a number >= 0", "parameter")
def invalid_value(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """`value` must be a number of at least 0 (a numeric string such as "24.90" is accepted).
    Text like "24,90", "$24.90" or a negative amount is rejected by TikTok and the event's value
    is lost.

    Fix: send the plain number, with a dot as decimal separator and no currency symbol.
    """
    if not _is_conversion(event):
        return
    value = _props(event).get("value")
    if value in (None, ""):
        return
    number = _number(value)
    if number is None or number < 0:
        yield finding(
            "invalid-value",
            index,
            event.pixel_code,
            "properties.value",
            f"value {value!r} is not a number >= 0; send a plain number like 24.90.",
            value,
        )


@event_rule("invalid-currency", "high", "currency is not a supported ISO 4217 code", "parameter")
def invalid_currency(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """TikTok accepts 62 ISO 4217 currency codes, upper case (USD, EUR, GBP, JPY, ...). Any other
    text, a lower-case code or a symbol makes the value unusable.

    Fix: send one of the supported three-letter codes in upper case.
    """
    if not _is_conversion(event):
        return
    currency = _props(event).get("currency")
    if currency in (None, ""):
        return
    if not isinstance(currency, str) or currency not in reference().currencies:
        hint = ""
        if isinstance(currency, str) and currency.strip().upper() in reference().currencies:
            hint = f" Use '{currency.strip().upper()}'."
        yield finding(
            "invalid-currency",
            index,
            event.pixel_code,
            "properties.currency",
            f"currency {currency!r} is not one of TikTok's supported ISO 4217 codes.{hint}",
            currency,
        )


@event_rule(
    "invalid-content-type", "medium", "content_type is not product or product_group", "parameter"
)
def invalid_content_type(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """`content_type` must be `product` (the ids are SKUs) or `product_group` (the ids are item
    groups). Other values break catalogue matching for Video Shopping Ads.

    Fix: send content_type 'product' or 'product_group'.
    """
    if not _is_conversion(event):
        return
    props = _props(event)
    places: list[tuple[str, Any]] = [("properties.content_type", props.get("content_type"))]
    contents = props.get("contents")
    if isinstance(contents, list):
        for i, item in enumerate(contents):
            if isinstance(item, dict):
                places.append((f"properties.contents[{i}].content_type", item.get("content_type")))
    for location, value in places:
        if value is not None and value not in ("product", "product_group"):
            yield finding(
                "invalid-content-type",
                index,
                event.pixel_code,
                location,
                f"content_type {value!r} must be 'product' or 'product_group'.",
                value,
            )


@event_rule(
    "invalid-contents", "medium", "contents is not a list of objects with content_id", "parameter"
)
def invalid_contents(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """`contents` lists the products of the event: an array of objects, each with at least
    `content_id` (and ideally `content_name`, `price`, `quantity`). A string, an object, or
    items without `content_id` cannot be matched to the catalogue.

    Fix: send contents: [{content_id: 'SKU-1', quantity: 1, price: 24.9}, ...].
    """
    if not _is_conversion(event):
        return
    contents = _props(event).get("contents")
    if contents is None:
        return
    if not isinstance(contents, list):
        yield finding(
            "invalid-contents",
            index,
            event.pixel_code,
            "properties.contents",
            f"contents is a {type(contents).__name__}, not an array of objects.",
            contents,
        )
        return
    for i, item in enumerate(contents):
        if not isinstance(item, dict):
            yield finding(
                "invalid-contents",
                index,
                event.pixel_code,
                f"properties.contents[{i}]",
                f"contents[{i}] is not an object; each item needs a content_id.",
                item,
            )
        elif item.get("content_id") in (None, ""):
            yield finding(
                "invalid-contents",
                index,
                event.pixel_code,
                f"properties.contents[{i}]",
                f"contents[{i}] has no content_id; add the product's SKU or id.",
            )


@event_rule(
    "content-ids-shape", "medium", "content_id / content_ids in the wrong form", "parameter"
)
def content_ids_shape(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """At the event level TikTok documents `content_ids` (plural: an id or an array of ids);
    inside each `contents` item it documents `content_id` (singular). A singular `content_id`
    at the event level, a plural `content_ids` inside an item, or `content_ids` that is neither
    an id nor an array of ids is not read as intended.

    Fix: use properties.content_ids = ['SKU-1', 'SKU-2'] or contents[].content_id = 'SKU-1'.
    """
    if not _is_conversion(event):
        return
    props = _props(event)
    if "content_id" in props and "content_ids" not in props and "contents" not in props:
        yield finding(
            "content-ids-shape",
            index,
            event.pixel_code,
            "properties.content_id",
            "Use 'content_ids' (plural) at the event level, or put 'content_id' inside contents[].",
            props["content_id"],
        )
    ids = props.get("content_ids")
    if ids is not None and not (
        isinstance(ids, str | int)
        or (isinstance(ids, list) and all(isinstance(x, str | int) for x in ids))
    ):
        yield finding(
            "content-ids-shape",
            index,
            event.pixel_code,
            "properties.content_ids",
            "content_ids must be an id or an array of ids.",
            ids,
        )
    contents = props.get("contents")
    if isinstance(contents, list):
        for i, item in enumerate(contents):
            if isinstance(item, dict) and "content_ids" in item and "content_id" not in item:
                yield finding(
                    "content-ids-shape",
                    index,
                    event.pixel_code,
                    f"properties.contents[{i}].content_ids",
                    "Inside contents[] the key is 'content_id' (singular).",
                    item["content_ids"],
                )


@event_rule(
    "missing-event-id", "low", "No event_id: browser/server deduplication impossible", "event"
)
def missing_event_id(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """TikTok deduplicates an event sent by both the pixel and the Events API only when both
    carry the same `event_id` (and event name and pixel). Without it, a purchase reported by
    both is counted twice; with the pixel alone, retries cannot be recognised.

    Fix: generate one id per action (e.g. the order number) and send it as
    `ttq.track('Purchase', {...}, {event_id: 'order-100234'})` and as `event_id` in the Events API.
    The automatic Pageview is not checked.
    """
    if not _is_conversion(event) or not (event.event or "").strip():
        return
    if event.event in reference().automatic:
        return
    if not (event.event_id or "").strip():
        yield finding(
            "missing-event-id",
            index,
            event.pixel_code,
            "event_id",
            f"{event.event} has no event_id; pass one (e.g. the order id) so the pixel and the "
            "Events API can be deduplicated.",
        )


_IDENTITY_FIELDS: dict[str, Severity] = {
    "email": "high",
    "phone_number": "high",
    "phone": "high",
    "first_name": "medium",
    "last_name": "medium",
    "city": "medium",
    "state": "medium",
    "country": "medium",
    "zip_code": "medium",
    "zip": "medium",
}


def _identity_values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [str(value)]
    return []


@event_rule("unhashed-identity", "high", "Advanced-matching data sent in plain text", "parameter")
def unhashed_identity(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """Advanced-matching fields (email, phone, names, address fields) must reach TikTok as
    SHA-256 hashes (64 hex characters). Sent in plain text they expose the visitor's identity
    in transit and in TikTok's logs, and the pixel's own hashing was bypassed.

    Fix: pass the raw values to `ttq.identify()` so the SDK hashes them, or hash them yourself
    with SHA-256 after normalising (trim + lower-case email; E.164 phone) before the Events API.
    """
    user = event.user if isinstance(event.user, dict) else {}
    base = _user_path(event)
    for key, severity in _IDENTITY_FIELDS.items():
        for value in _identity_values(user.get(key)):
            if value.strip() and not SHA256_HEX.match(value.strip()):
                yield finding(
                    "unhashed-identity",
                    index,
                    event.pixel_code,
                    f"{base}.{key}",
                    f"{base}.{key} is sent in plain text; send its SHA-256 hash instead.",
                    severity=severity,
                )


@event_rule(
    "identity-not-normalised", "medium", "A hashed identity was not normalised first", "parameter"
)
def identity_not_normalised(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """The tester's known identity (`--known-identities`) arrived hashed, but hashed from a
    non-normalised form (mixed case or spaces in the email, a phone without E.164 `+` and
    country code). TikTok hashes its own copy normalised, so such hashes never match anyone.

    Fix: trim and lower-case emails; format phones as E.164 (+14155550132) before hashing.
    """
    if not ctx.identities:
        return
    user = event.user if isinstance(event.user, dict) else {}
    base = _user_path(event)
    for key in _IDENTITY_FIELDS:
        for value in _identity_values(user.get(key)):
            for digest, match in ctx.identities.lookup(value):
                if not match.normalised:
                    yield finding(
                        "identity-not-normalised",
                        index,
                        event.pixel_code,
                        f"{base}.{key}",
                        f"{base}.{key} is the {match.algorithm.upper()} of the test {match.kind} "
                        f"hashed '{match.variant}', not normalised; TikTok cannot match it.",
                        digest,
                    )


@event_rule(
    "signal-rejected", "medium", "TikTok's own diagnostics mark a match key invalid", "parameter"
)
def signal_rejected(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """The pixel reports TikTok's verdict on each match key in `signal_diagnostic_labels`. A
    label `invalid` means TikTok rejected the value (e.g. `abnormal_types: ["invalid_country"]`
    for a phone number without a country code), so it will not be used for matching.

    Fix: correct the value at its source (for phones: E.164 with country code).
    """
    labels = event.signal_diagnostics if isinstance(event.signal_diagnostics, dict) else {}
    for key, verdict in labels.items():
        if isinstance(verdict, dict) and verdict.get("label") == "invalid":
            abnormal = verdict.get("abnormal_types") or []
            why = f" ({', '.join(map(str, abnormal))})" if abnormal else ""
            yield finding(
                "signal-rejected",
                index,
                event.pixel_code,
                f"signal_diagnostic_labels.{key}",
                f"TikTok marked {key} invalid{why}; fix the value at its source.",
                abnormal or None,
            )


@event_rule("decode-error", "high", "A pixel request could not be decoded", "event")
def decode_error(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """The request went to a TikTok pixel endpoint but its body could not be read (not JSON,
    truncated, wrongly encoded). TikTok most likely rejected it too, so whatever it reported is
    lost.

    Fix: look at the raw request (the `decode_error` says what was wrong); a custom integration
    that builds the body by hand is the usual cause.
    """
    if event.decode_error:
        yield finding(
            "decode-error",
            index,
            event.pixel_code,
            "body",
            f"The request could not be decoded: {event.decode_error}",
        )


# --------------------------------------------------------------------------- session level


def _channel(event: PixelEvent) -> str:
    return "server" if event.kind == "events_api" else "browser"


@session_rule("duplicate-event", "medium", "The same event was sent twice", "event")
def duplicate_event(
    events: Sequence[PixelEvent], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """The same pixel sent the same event name with the same non-empty `event_id` twice from
    the same side (browser or server), or sent a byte-identical payload twice. TikTok keeps the
    first and drops the rest within 48 hours, so this usually means a tag fires twice.

    Fix: make the tag fire once per action (check for both a plugin and a hand-written call,
    or a trigger bound to several elements).
    """
    by_id: dict[tuple[str, str | None, str, str], int] = {}
    by_body: dict[str, int] = {}
    for index, event in enumerate(events):
        if not _is_conversion(event):
            continue
        name = event.event or ""
        event_id = (event.event_id or "").strip()
        if event_id:
            key = (_channel(event), event.pixel_code, name, event_id)
            if key in by_id:
                yield finding(
                    "duplicate-event",
                    index,
                    event.pixel_code,
                    "event_id",
                    f"{name} with event_id '{event_id}' was already sent (event #{by_id[key]}); "
                    "the tag fires twice.",
                    event_id,
                )
                continue
            by_id[key] = index
        body = json.dumps(event.payload, sort_keys=True)
        if body in by_body:
            yield finding(
                "duplicate-event",
                index,
                event.pixel_code,
                "body",
                f"{name or 'The event'} is byte-identical to event #{by_body[body]}; the same "
                "payload was sent twice.",
            )
        else:
            by_body[body] = index


@session_rule(
    "events-api-no-dedup",
    "high",
    "Pixel and Events API send the same event without a shared event_id",
    "event",
)
def events_api_no_dedup(
    events: Sequence[PixelEvent], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """The pixel and the Events API both reported the same event (same pixel code and event
    name), but no browser event carries the server event's `event_id`. TikTok can only
    deduplicate on a shared event_id, so the conversion is counted twice and ROAS is inflated.

    Fix: send the same event_id from the browser (`ttq.track(name, props, {event_id})`) and the
    server (`data[].event_id`).
    """
    browser: dict[tuple[str | None, str], set[str]] = {}
    for event in events:
        if event.kind == "pixel" and event.decode_error is None and event.event:
            ids = browser.setdefault((event.pixel_code, event.event), set())
            ids.add((event.event_id or "").strip())
    for index, event in enumerate(events):
        if event.kind != "events_api" or not event.event:
            continue
        sent = browser.get((event.pixel_code, event.event))
        if sent is None:
            continue
        event_id = (event.event_id or "").strip()
        if not event_id or event_id not in sent:
            yield finding(
                "events-api-no-dedup",
                index,
                event.pixel_code,
                "event_id",
                f"{event.event} was sent by the pixel and by the Events API without a shared "
                "event_id; send the same event_id from both so TikTok counts it once.",
                event_id or None,
            )


# --------------------------------------------------------------------------- running


def event_findings(index: int, event: PixelEvent, ctx: RuleContext) -> list[Finding]:
    """Every event rule's findings for one event."""
    out: list[Finding] = []
    for rule in RULES.values():
        if rule.scope == "event" and rule.check is not None:
            out.extend(rule.check(index, event, ctx))
    return out


def session_findings(
    events: Sequence[PixelEvent], session: Session, ctx: RuleContext
) -> list[Finding]:
    """Every session rule's findings."""
    out: list[Finding] = []
    for rule in RULES.values():
        if rule.scope == "session" and rule.check is not None:
            out.extend(rule.check(events, session, ctx))
    return out
