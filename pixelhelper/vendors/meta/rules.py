"""The Meta Pixel's setup rules, in the spirit of Meta's own Pixel Helper: a real pixel ID,
standard event names, value and currency on purchases, `eid` for browser/server
deduplication, advanced matching hashed, each pixel and event once."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from pixelhelper.inspect.rules.registry import (
    SHA256_HEX,
    RuleContext,
    event_rule,
    finding,
    session_rule,
)

if TYPE_CHECKING:
    from pixelhelper.models import Finding, PixelEvent, Severity
    from pixelhelper.session import Session
    from pixelhelper.store import EventFacts

VENDOR = "meta"
PIXEL_ID = re.compile(r"^\d{15,16}$")
STANDARD = frozenset({
    "AddPaymentInfo", "AddToCart", "AddToWishlist", "CompleteRegistration", "Contact",
    "CustomizeProduct", "Donate", "FindLocation", "InitiateCheckout", "Lead", "PageView",
    "Purchase", "Schedule", "Search", "StartTrial", "SubmitApplication", "Subscribe",
    "ViewContent",
})  # fmt: skip
AUTOMATIC = frozenset({"SubscribedButtonClick", "Microdata", "PageView"})
HASHED: dict[str, Severity] = {"em": "high", "ph": "high", "fn": "medium", "ln": "medium",
                               "db": "medium", "ge": "medium", "ct": "medium", "st": "medium",
                               "zp": "medium", "country": "medium"}  # fmt: skip
SENDS = ("pixel", "events_api")


def _where(event: PixelEvent, field: str, section: str) -> str:
    prefix = {"user": "ud", "properties": "cd"}[section]
    return f"{prefix}[{field}]" if event.kind == "pixel" else f"{_server(section)}.{field}"


def _server(section: str) -> str:
    return {"user": "user_data", "properties": "custom_data"}[section]


@session_rule("meta-invalid-pixel-id", "high", "Meta Pixel ID is not a valid pixel ID", "pixel",
              vendor=VENDOR)  # fmt: skip
def invalid_pixel_id(
    events: Sequence[EventFacts], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """A Meta Pixel ID (a dataset ID) is 15 or 16 digits, e.g. `1234567890123456`. Hits sent
    with anything else (a placeholder left in the base code, a variable that did not
    resolve) reach no pixel.

    Fix: copy the ID from Events Manager (Data sources > your pixel > Settings) into
    `fbq('init', '...')` and the Conversions API URL.
    """
    seen: set[str] = set()
    for index, facts in enumerate(events):
        code = facts.pixel_code
        if facts.kind in SENDS and code and code not in seen:
            seen.add(code)
            if not PIXEL_ID.match(code):
                yield finding("meta-invalid-pixel-id", index, code, "id",
                              "Not a Meta Pixel ID (15 or 16 digits).", code)  # fmt: skip


@event_rule("meta-custom-event", "info", "Not a standard Meta Pixel event", "event",
            vendor=VENDOR)  # fmt: skip
def custom_event(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """Meta optimises and reports standard events (`Purchase`, `Lead`, `AddToCart`...);
    a custom event (`fbq('trackCustom', ...)`) is reported as given and needs a custom
    conversion before ads can optimise for it.

    Fix: use the standard event that fits, or define a custom conversion for it.
    """
    name = event.event
    if event.kind in SENDS and name and name not in STANDARD and name not in AUTOMATIC:
        yield finding("meta-custom-event", index, event.pixel_code, "ev",
                      f"'{name}' is not a standard Meta Pixel event.", name)  # fmt: skip


@event_rule("meta-missing-value-currency", "high", "Purchase without value or currency",
            "parameter", vendor=VENDOR)  # fmt: skip
def missing_value_currency(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """Meta requires `value` and `currency` on `Purchase` events (`cd[value]`,
    `cd[currency]`; `custom_data.value` and `.currency` on the Conversions API); without
    them the purchase counts, but its value does not, and value optimisation fails.

    Fix: `fbq('track', 'Purchase', {value: 49.00, currency: 'USD'})`.
    """
    if event.kind not in SENDS or event.event != "Purchase":
        return
    custom = event.properties or {}
    for field in ("value", "currency"):
        if custom.get(field) in (None, ""):
            yield finding("meta-missing-value-currency", index, event.pixel_code,
                          _where(event, field, "properties"),
                          f"Purchase sent without `{field}`.")  # fmt: skip


@event_rule("meta-missing-event-id", "low", "No event ID for browser/server deduplication",
            "event", vendor=VENDOR)  # fmt: skip
def missing_event_id(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """An event sent from the browser and from the Conversions API is counted once only when
    both carry the same event ID (`eid` on the pixel, `event_id` on the server). Without one
    Meta keeps both, or drops one it cannot match.

    Fix: pass `{eventID: id}` as the fourth argument of `fbq('track', ...)` and the same id
    as `event_id` on the server.
    """
    if event.kind not in SENDS or not event.event or event.event_id:
        return
    if event.event_source == "automatic" or event.event in AUTOMATIC:
        return  # sent by the pixel itself: nothing to deduplicate against
    where = "eid" if event.kind == "pixel" else "event_id"
    yield finding("meta-missing-event-id", index, event.pixel_code, where,
                  f"'{event.event}' has no event ID.")  # fmt: skip


def _values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float)]
    return [str(value)] if isinstance(value, str | int | float) else []


@event_rule("meta-unhashed-user-data", "high", "Advanced matching sent unhashed", "parameter",
            vendor=VENDOR)  # fmt: skip
def unhashed_user_data(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """Advanced matching fields (`ud[em]`, `ud[ph]`, names, birth date, city, postcode...;
    `user_data` on the Conversions API) must be normalised and SHA-256 hashed before they
    leave the site. The pixel's JavaScript hashes what `fbq('init', id, {...})` gives it; a
    plain value on the wire means a tag built the request by hand, or passed the data
    another way, and the visitor's identity travels in clear.

    Fix: pass the data to `fbq('init', ...)`, or hash it (lower-cased and trimmed, phone
    numbers in E.164 digits) before sending it yourself.
    """
    if event.kind not in SENDS:
        return
    for field, severity in HASHED.items():
        for value in _values((event.user or {}).get(field)):
            if value and not SHA256_HEX.match(value):
                yield finding("meta-unhashed-user-data", index, event.pixel_code,
                              _where(event, field, "user"),
                              f"`{field}` sent without hashing.", value, severity)  # fmt: skip


@session_rule("meta-duplicate-event", "medium", "The same Meta event sent twice", "event",
              vendor=VENDOR)  # fmt: skip
def duplicate_event(
    events: Sequence[EventFacts], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """The same pixel sent the same event with the same event ID twice from the browser on
    one page: a tag that fires twice (the base code and a tag manager both tracking), which
    Meta may count twice.

    Fix: track each event in one place.
    """
    counts: Counter[tuple[str, str | None, str | None, str | None, str]] = Counter()
    for index, facts in enumerate(events):
        if facts.kind != "pixel" or not facts.event_id or not facts.pixel_code:
            continue
        key = (facts.source, facts.page_url, facts.pixel_code, facts.event, facts.event_id)
        counts[key] += 1
        if counts[key] == 2:
            yield finding("meta-duplicate-event", index, facts.pixel_code, "eid",
                          f"'{facts.event}' with event ID {facts.event_id!r} sent twice on "
                          "this page.")  # fmt: skip


@session_rule("meta-duplicate-pixel", "medium", "The Meta Pixel loaded twice on a page",
              "pixel", vendor=VENDOR)  # fmt: skip
def duplicate_pixel(
    events: Sequence[EventFacts], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """The pixel's configuration (`signals/config/<id>`) was fetched twice for one page: the
    pixel was initialised twice, and each event may be sent twice.

    Fix: keep one base code (remove the copy in the theme or the tag manager).
    """
    counts: Counter[tuple[str, str | None, str]] = Counter()
    for index, facts in enumerate(events):
        if facts.kind == "script" and facts.endpoint == "signals/config" and facts.pixel_code:
            key = (facts.source, facts.page_url, facts.pixel_code)
            counts[key] += 1
            if counts[key] == 2:
                yield finding("meta-duplicate-pixel", index, facts.pixel_code, "url",
                              "The pixel was loaded twice on this page.")  # fmt: skip
