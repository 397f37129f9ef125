"""Across the session: the same event twice, and browser and server events deduplicated."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from pixelhelper.inspect.rules.reference import (
    _is_conversion,
)
from pixelhelper.inspect.rules.registry import (
    RuleContext,
    finding,
    session_rule,
)

if TYPE_CHECKING:
    from pixelhelper.models import Finding
    from pixelhelper.session import Session
    from pixelhelper.store import EventFacts


def _channel(event: EventFacts) -> str:
    return "server" if event.kind == "events_api" else "browser"


def _scope(event: EventFacts, index: int, session: Session) -> tuple[str, int | str]:
    """Where a repeat is a duplicate: one page visit for browser events, one capture file for
    server events (they belong to no visit)."""
    if event.kind == "events_api":
        return (event.source, "server")
    page = session.visit_of(index)
    return (event.source, id(page) if page is not None else "no page")


@session_rule("duplicate-event", "medium", "The same event was sent twice", "event")
def duplicate_event(
    events: Sequence[EventFacts], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """Within one page visit, the same pixel sent the same event name with the same non-empty
    `event_id` twice from the same side (browser or server), or sent a byte-identical payload
    twice. TikTok keeps the first and drops the rest within 48 hours, so this usually means a
    tag fires twice. (The same event_id again after a reload is `static-event-id`.)

    Fix: make the tag fire once per action (check for both a plugin and a hand-written call,
    or a trigger bound to several elements).
    """
    by_id: dict[tuple[object, ...], int] = {}
    by_body: dict[tuple[object, ...], int] = {}
    for index, event in enumerate(events):
        if not _is_conversion(event):
            continue
        scope = _scope(event, index, session)
        name = event.event or ""
        event_id = (event.event_id or "").strip()
        if event_id:
            key = (scope, _channel(event), event.pixel_code, name, event_id)
            if key in by_id:
                yield finding(
                    "duplicate-event",
                    index,
                    event.pixel_code,
                    "event_id",
                    f"{name} with event_id '{event_id}' was already sent on this page visit "
                    f"(event #{by_id[key]}); the tag fires twice.",
                    event_id,
                )
                continue
            by_id[key] = index
        body = (scope, event.payload_digest)
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
    "static-event-id", "medium", "The same event_id is sent again on every page visit", "event"
)
def static_event_id(
    events: Sequence[EventFacts], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """A later visit of a page (a reload, a return) sent the same event with the same
    `event_id` as an earlier visit. The id is fixed in the tag instead of generated per action,
    so TikTok deduplicates real, separate conversions away: every visit after the first is
    lost. (Twice within one visit is `duplicate-event`.)

    Fix: generate the event_id per action (an order number, or a random id per page load and
    event), never a constant in the tag.
    """
    first: dict[tuple[object, ...], tuple[int, int]] = {}
    reported: set[tuple[object, ...]] = set()
    for index, event in enumerate(events):
        event_id = (event.event_id or "").strip()
        if event.kind != "pixel" or event.decode_error or not event_id:
            continue
        page = session.visit_of(index)
        if page is None:
            continue
        key = (event.source, page.url, event.pixel_code, event.event or "", event_id)
        seen = first.get(key)
        if seen is None:
            first[key] = (id(page), index)
        elif seen[0] != id(page) and (key, id(page)) not in reported:
            reported.add((key, id(page)))  # repeats inside this visit are duplicate-event
            yield finding(
                "static-event-id",
                index,
                event.pixel_code,
                "event_id",
                f"{event.event or 'The event'} sent event_id '{event_id}' again on a new visit "
                f"of {page.url or 'the page'} (first in event #{seen[1]}); generate one per "
                "action, or TikTok drops the later conversions as duplicates.",
                event_id,
            )


@session_rule(
    "events-api-no-dedup",
    "high",
    "Pixel and Events API send the same event without a shared event_id",
    "event",
)
def events_api_no_dedup(
    events: Sequence[EventFacts], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """The pixel and the Events API both reported the same event (same pixel code and event
    name), but no browser event carries the server event's `event_id`. TikTok can only
    deduplicate on a shared event_id, so the conversion is counted twice and ROAS is inflated.

    Fix: send the same event_id from the browser (`ttq.track(name, props, {event_id})`) and the
    server (`data[].event_id`).
    """
    browser: dict[tuple[str, str | None, str], set[str]] = {}
    for event in events:
        if event.kind == "pixel" and event.decode_error is None and event.event:
            ids = browser.setdefault((event.source, event.pixel_code, event.event), set())
            ids.add((event.event_id or "").strip())
    for index, event in enumerate(events):
        if event.kind != "events_api" or not event.event:
            continue
        sent = browser.get((event.source, event.pixel_code, event.event))
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
