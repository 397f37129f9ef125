"""Pixel traffic sent through the site's own host (a first-party proxy)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pixelhelper.inspect.rules.registry import RuleContext, event_rule, finding

if TYPE_CHECKING:
    from pixelhelper.models import Finding, PixelEvent


@event_rule("first-party-proxy", "info", "Pixel traffic sent through the site's own host", "pixel")
def first_party_proxy(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """The pixel's payload went to a host that is not TikTok's (a server-side tag manager such
    as server-side GTM or stape, or a framework proxy such as Nuxt Scripts, forwarding it from
    the site's own domain). Ad blockers, browser extensions (TikTok's Pixel Helper included)
    and host-based audits do not see it; the data reaches TikTok all the same, so every check
    here applies to it.

    Fix: nothing to fix by itself. Make sure the proxy is documented in the privacy notice
    and that it forwards no more than the pixel needs (a proxy can strip or hash fields
    before they leave).
    """
    if event.via == "first-party" and event.batch_index in (None, 0):
        yield finding(
            "first-party-proxy", index, event.pixel_code, "url",
            f"Sent through {event.via_host or 'the site'}'s own host "
            f"(not TikTok's); blockers and browser extensions do not see it.",
        )  # fmt: skip
