"""Consent: what a pixel sent before a choice, after "Reject all" and under Global Privacy
Control (`scan`/`crawl --consent`, or any request that carried `Sec-GPC: 1`).

Each event's `consent` (`{"mode", "state", "banner"}`) is set where it is decoded, from the
mode it was sent in and the time of the choice (`consent.timeline`). Only pixel and action
hits count: a loaded SDK script sends nothing by itself (the report's `consent` section says
whether it loaded before the choice).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from pixelhelper.inspect.rules.registry import RuleContext, describe, event_rule, finding

if TYPE_CHECKING:
    from pixelhelper.consent.timeline import ModeLog
    from pixelhelper.models import Finding, PixelEvent

SENDS = ("pixel", "action", "events_api")
_MODE_WORDS = {"none": "with no consent action", "reject": "in reject mode",
               "accept": "in accept mode", "gpc": "with Global Privacy Control on"}  # fmt: skip


def _made(rule_id: str, event: PixelEvent, index: int, message: str) -> Finding:
    made = finding(rule_id, index, event.pixel_code, "consent", message)
    made.consent_mode = str((event.consent or {}).get("mode") or "") or None
    return made


def _what(event: PixelEvent) -> str:
    if event.kind == "action":
        return f"an auto-collected '{event.event or 'action'}' hit"
    return f"'{event.event}'" if event.event else "an event"


@event_rule(
    "pixel-before-consent", "high", "A pixel event was sent before consent", "consent", vendor=None
)
def before_consent(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """A pixel or auto-collected action hit was sent while a consent banner was shown and the
    visitor had made no choice. Where consent is needed before tracking (the EU and UK under
    the GDPR and ePrivacy rules, and wherever the site promises it), a pixel may only fire
    after an opt-in.

    Fix: hold the pixel until the visitor chooses: call `ttq.holdConsent()` before
    `ttq.page()`, then `ttq.grantConsent()` when the visitor accepts and
    `ttq.revokeConsent()` when they reject (or let your consent platform load the pixel only
    after consent).
    """
    consent = event.consent or {}
    if event.kind in SENDS and consent.get("state") == "no-choice" and consent.get("banner"):
        yield _made(
            "pixel-before-consent", event, index,
            f"{_what(event)} was sent while the consent banner waited for a choice "
            f"({_MODE_WORDS.get(str(consent.get('mode')), 'in this visit')}).",
        )  # fmt: skip


@event_rule(
    "pixel-after-reject",
    "critical",
    "A pixel event was sent after Reject all",
    "consent",
    vendor=None,
)
def after_reject(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """A pixel or auto-collected action hit was sent after the visitor rejected tracking in
    the consent banner ("Reject all"). Data sent against an explicit refusal is what
    regulators fine.

    Fix: call `ttq.revokeConsent()` when the visitor rejects (and make sure nothing calls
    `ttq.grantConsent()` or reloads the pixel later); check that your consent platform maps
    the TikTok pixel to a category the visitor can refuse.
    """
    consent = event.consent or {}
    if event.kind in SENDS and consent.get("state") == "rejected":
        yield _made(
            "pixel-after-reject", event, index,
            f"{_what(event)} was sent after the visitor chose 'Reject all'.",
        )  # fmt: skip


@event_rule(
    "gpc-ignored",
    "high",
    "A pixel event was sent under Global Privacy Control",
    "consent",
    vendor=None,
)
def gpc_ignored(index: int, event: PixelEvent, ctx: RuleContext) -> Iterator[Finding]:
    """A pixel or auto-collected action hit was sent while the browser sent Global Privacy
    Control (`Sec-GPC: 1`, `navigator.globalPrivacyControl`). California, Colorado,
    Connecticut and other states treat GPC as the visitor's opt-out of the sale or sharing of
    personal data, which includes ad pixels.

    Fix: when `navigator.globalPrivacyControl` is true, do not load the pixel or call
    `ttq.revokeConsent()` before any event; most consent platforms have a GPC setting.
    """
    consent = event.consent or {}
    if event.kind in SENDS and consent.get("state") == "gpc":
        yield _made(
            "gpc-ignored", event, index,
            f"{_what(event)} was sent although the browser signalled Global Privacy Control.",
        )  # fmt: skip


describe(
    "consent-banner-not-found",
    "info",
    "No consent banner to act on was found",
    "In reject or accept mode no consent banner that autoconsent recognises was found on the "
    "visited pages, so the mode could not make a choice and its events say nothing about "
    "consent. The site may have no banner, or one autoconsent does not know.\n\nFix: "
    "nothing, if the site needs no banner; otherwise check that the banner is shown to this "
    "visitor, or record the visit with a journey that answers it.",
    "consent",
)
describe(
    "consent-action-failed",
    "medium",
    "The consent banner could not be answered",
    "A consent banner was found, and the opt-out or opt-in did not complete (a button that "
    "did nothing, a banner that came back). The mode's events after it say nothing about "
    "what the site does after a choice.\n\nFix: check that the banner's reject and accept "
    "buttons work; a banner that keeps coming back after a choice is a bug for visitors too.",
    "consent",
)


def mode_findings(logs: Iterable[ModeLog]) -> list[Finding]:
    """The findings a mode makes by itself: no banner to answer, or an answer that failed."""
    out = []
    for log in logs:
        if log.mode not in ("reject", "accept"):
            continue
        verb = "reject" if log.mode == "reject" else "accept"
        if log.banner_at is None:
            out.append(finding(
                "consent-banner-not-found", None, None, f"consent.{log.mode}",
                f"{log.mode} mode found no consent banner to {verb}: its events show the site "
                "without a choice.",
            ))  # fmt: skip
        elif log.action == "failed":
            where = f" ({log.cmp})" if log.cmp else ""
            out.append(finding(
                "consent-action-failed", None, None, f"consent.{log.mode}",
                f"{log.mode} mode found a consent banner{where} and could not {verb} it "
                f"({log.attempts} attempt{'s' if log.attempts != 1 else ''}).",
            ))  # fmt: skip
    for item in out:
        item.consent_mode = item.location.removeprefix("consent.")
    return out
