"""Pixel level: is the pixel installed once, with a real code, and does it fire?"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from pixelhelper.inspect.rules.registry import (
    PIXEL_CODE,
    RuleContext,
    finding,
    session_rule,
)

if TYPE_CHECKING:
    from pixelhelper.models import Finding
    from pixelhelper.session import Session
    from pixelhelper.store import EventFacts


@session_rule("invalid-pixel-code", "high", "Pixel code is not a valid TikTok pixel ID", "pixel")
def invalid_pixel_code(
    events: Sequence[EventFacts], session: Session, ctx: RuleContext
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


def _code_location(event: EventFacts) -> str:
    if event.kind == "script":
        return "url?sdkid"
    if event.kind == "events_api":
        return "event_source_id"
    return "context.pixel.code"


@session_rule(
    "duplicate-pixel-load", "medium", "The same pixel is loaded more than once on a page", "pixel"
)
def duplicate_pixel_load(
    events: Sequence[EventFacts], session: Session, ctx: RuleContext
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
        codes = [c.strip() for c in event.raw_codes.split("|") if c.strip()]
        if len(codes) != len(set(codes)):
            yield finding(
                "duplicate-pixel-load",
                index,
                event.pixel_code,
                "context.pixel.codes",
                "The page lists the same pixel code twice in context.pixel.codes; the pixel is "
                "installed twice.",
                event.raw_codes,
            )


@session_rule(
    "pixel-without-events", "medium", "A pixel was loaded on a page but sent no event", "pixel"
)
def pixel_without_events(
    events: Sequence[EventFacts], session: Session, ctx: RuleContext
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


@session_rule(
    "no-first-party-cookie",
    "medium",
    "The pixel's first-party cookie (_ttp) is not sent",
    "pixel",
)
def no_first_party_cookie(
    events: Sequence[EventFacts], session: Session, ctx: RuleContext
) -> Iterator[Finding]:
    """TikTok's Pixel Helper reports "First-Party Cookies Not Found": the SDK loaded on the
    page, yet none of its hits carries the `_ttp` id (neither the cookie nor
    `context.user.anonymous_id`). Without it TikTok cannot tie events of one visitor together
    or to an ad click, and attribution drops.

    Fix: enable first-party cookies in Events Manager (Settings > Cookie consent), and check
    that your consent tool calls `ttq.grantConsent()` once the visitor agrees.
    """
    for page in session.pages:
        for code, entry in page.pixels.items():
            hits = [events[i] for i in entry.events if events[i].kind in ("pixel", "action")]
            if entry.loads and hits and not any(hit.first_party_id for hit in hits):
                yield finding(
                    "no-first-party-cookie",
                    entry.events[0],
                    code,
                    "cookies._ttp",
                    f"Pixel {code} loaded on {page.url or 'a page'} but none of its "
                    f"{len(hits)} hit(s) carries the first-party _ttp id; enable first-party "
                    "cookies (and consent) so TikTok can attribute these events.",
                    code,
                )
