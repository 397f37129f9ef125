"""Event level: names, ids and decoding of each event."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pixelhelper.inspect.rules.reference import (
    _is_conversion,
    _number,
    reference,
)
from pixelhelper.inspect.rules.registry import (
    RuleContext,
    event_rule,
    finding,
)

if TYPE_CHECKING:
    from pixelhelper.models import Finding, PixelEvent


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
    if not _is_conversion(event) or not name or _standard_variant(event.event or "") is not None:
        return  # a misspelt standard name is event-name-case, not a custom event
    if name in ref.standard or name in ref.automatic or name in ref.legacy:
        return
    yield finding(
        "custom-event",
        index,
        event.pixel_code,
        "event",
        f"'{name}' is a custom event: usable for reporting and audiences, not for optimisation.",
        name,
    )


def _standard_variant(name: str) -> str | None:
    """The standard name `name` almost is (other case, surrounding spaces), or None."""
    ref = reference()
    known = ref.standard | ref.automatic | frozenset(ref.legacy)
    if name in known or not name.strip():
        return None
    stripped = name.strip()
    return next((k for k in known if k.lower() == stripped.lower()), None)


@event_rule(
    "event-name-case", "medium", "A standard event name with the wrong case or spaces", "event"
)
def event_name_case(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """Event names are case- and space-sensitive: "Purchase " (trailing space), "purchase" or
    "ADDTOCART" are not the standard events they look like. TikTok treats them as custom
    events, so they are left out of optimisation and of the standard event's reporting.

    Fix: send the exact standard name (`Purchase`, `AddToCart`, `ViewContent`...), trimmed.
    """
    if not _is_conversion(event):
        return
    near = _standard_variant(event.event or "")
    if near is not None:
        yield finding(
            "event-name-case",
            index,
            event.pixel_code,
            "event",
            f"{event.event!r} is not the standard event {near!r}: names are case- and "
            f"space-sensitive; send exactly '{near}'.",
            event.event,
        )


_MS_THRESHOLD = 1e11  # a Unix time in seconds passes this in the year 5138
_FUTURE_SLACK = 300.0
_STALE_AFTER = 7 * 24 * 3600.0


def _event_time(event: PixelEvent) -> tuple[bool, object]:
    payload = event.payload if isinstance(event.payload, dict) else {}
    return "event_time" in payload, payload.get("event_time")


@event_rule(
    "invalid-event-time", "high", "Events API event_time is missing or not Unix seconds", "event"
)
def invalid_event_time(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """Events API 2.0 requires `event_time`: the Unix time of the event in **seconds** (a
    number). Milliseconds, a date string, a missing value or a time in the future are rejected
    or misdated by TikTok, and the event is lost or attributed to the wrong day.

    Fix: send `Math.floor(Date.now() / 1000)` (or your language's equivalent) as a number.
    """
    if event.kind != "events_api" or event.endpoint != "events_api/2.0" or event.decode_error:
        return
    present, value = _event_time(event)
    number = _number(value)
    problem = None
    if not present or value in (None, ""):
        problem = "event_time is missing"
    elif number is None:
        problem = f"event_time {value!r} is not a number"
    elif number > _MS_THRESHOLD:
        problem = f"event_time {value!r} is in milliseconds; TikTok documents Unix seconds"
    elif number <= 0:
        problem = f"event_time {value!r} is not a Unix time"
    elif event.capture_time and number > event.capture_time + _FUTURE_SLACK:
        ahead = (number - event.capture_time) / 3600
        problem = f"event_time {value!r} is {ahead:.1f} h after the request was sent"
    if problem:
        yield finding(
            "invalid-event-time",
            index,
            event.pixel_code,
            "event_time",
            f"{problem}; send the event's Unix time in seconds, as a number.",
            None if value is None else value,
        )


@event_rule("stale-event-time", "medium", "Events API event_time more than 7 days old", "event")
def stale_event_time(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """TikTok accepts web events up to 7 days after they happened. An `event_time` older than
    that (compared with when the request was sent) is dropped, and usually means a clock, a
    time zone or a queue is wrong.

    Fix: send events within minutes of the action; check the server clock and any retry queue.
    """
    if event.kind != "events_api" or event.endpoint != "events_api/2.0" or not event.capture_time:
        return
    number = _number(_event_time(event)[1])
    if number is None or number > _MS_THRESHOLD or number <= 0:
        return
    age = event.capture_time - number
    if age > _STALE_AFTER:
        yield finding(
            "stale-event-time",
            index,
            event.pixel_code,
            "event_time",
            f"event_time is {age / 86400:.1f} days before the request was sent; TikTok drops "
            "web events older than 7 days.",
            _event_time(event)[1],
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
