"""Perform one journey step in every lane (Playwright pages, one per consent mode).

Each step acts as a visitor does and then waits for what it sets off (a page load, the
network going quiet, at most `AFTER` seconds) so that the hits it causes are captured while
it is still the current step. Typing follows `forms.fill` (click, key by key, Tab). Never
typed into: payment-card fields (any step), passwords (`identity` fills, and every fill of a
crawl, which visits sites that are not the user's). Never submitted: a form with card fields.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from pixelhelper.journey.model import Step

AFTER = 2.0  # seconds a step may wait for the network to go quiet after it
CONSENT_WAIT = 8.0  # seconds a `consent` step waits for a banner (at most its timeout)
FIRST_LOOK = 2.0  # seconds before autoconsent is asked to look for the banner again
_CARD = re.compile(r"card|kart|carte|tarjeta|cc.?num|cc.?exp|cvc|cvv|csc|security.?code|iban",
                   re.IGNORECASE)  # fmt: skip
_DESCRIBE = """el => ({
  tag: el.tagName.toLowerCase(), type: (el.getAttribute('type') || '').toLowerCase(),
  autocomplete: el.getAttribute('autocomplete') || '', words: [el.getAttribute('name'), el.id,
  el.getAttribute('placeholder'), el.getAttribute('aria-label'),
  ...[...(el.labels || [])].map(l => l.textContent)].filter(Boolean).join(' ').slice(0, 500)
})"""
_FORM_OF = """el => {
  const form = el.tagName === 'FORM' ? el : (el.form || el.closest('form'));
  if (!form) return null;
  const fields = [...form.elements].map(f => ((f.getAttribute('autocomplete') || '') + ' ' +
    (f.getAttribute('name') || '') + ' ' + (f.id || '')).slice(0, 300));
  return {action: form.getAttribute('action') || '', fields: fields.slice(0, 200)};
}"""
_SUBMIT = """el => {
  const form = el.tagName === 'FORM' ? el : (el.form || el.closest('form'));
  const own = el.tagName !== 'FORM' && el.matches('[type=submit], button:not([type])');
  if (own) { el.click(); return; }
  const button = form.querySelector('[type=submit], button:not([type])');
  if (button) button.click(); else form.requestSubmit();
}"""


_TICK = """el => {
  if (el.checked) return true;
  const label = (el.labels && el.labels[0]) || el.closest('label');
  if (label) label.click(); else el.click();
  return !!el.checked;
}"""


class StepError(Exception):
    """A step that could not be done (the message says why)."""


@dataclass
class StepContext:
    """What the steps share across a journey."""

    lanes: list[Any]
    timeout: float  # seconds, a step's default
    values: dict[str, str] = field(default_factory=dict)  # the test identity, by field
    site: str | None = None  # a crawl: the one site the journey may act on
    fills: list[Any] = field(default_factory=list)  # what `fill` and `fill_forms` typed
    same_site: Callable[[str], bool] = lambda url: True


def perform(step: Step, ctx: StepContext) -> str | None:
    """Do `step` in every lane; a note for the report, or None. Raises StepError."""
    from playwright.sync_api import Error as PlaywrightError

    timeout = step.timeout or ctx.timeout
    kind = step.kind
    try:
        if kind == "mark":
            return None
        if kind == "wait":
            from pixelhelper.consent.lanes import pause

            pause(ctx.lanes, float(step.wait or 0))
            return None
        if kind == "consent":
            return _consent(step, ctx, timeout)
        if kind == "goto":
            _goto(step, ctx, timeout)
        else:
            for lane in ctx.lanes:
                _act(step, lane.page, ctx, timeout)
    except PlaywrightError as exc:
        raise StepError(_first_line(exc)) from None
    settle_after(ctx.lanes, timeout)
    _stay_on_site(ctx)
    return None


def _act(step: Step, page: Any, ctx: StepContext, timeout: float) -> None:
    ms = timeout * 1000
    kind = step.kind
    if kind == "fill_forms":
        from pixelhelper.forms.fill import fill_page

        ctx.fills.append(fill_page(page, ctx.values, submit=False, same_site=ctx.same_site))
        return
    if kind == "press":
        page.keyboard.press(str(step.press))
        return
    locator = page.locator(str(getattr(step, kind))).first
    if kind == "click":
        locator.click(timeout=ms)
    elif kind == "check":
        _check(locator, ms)
    elif kind == "select":
        locator.select_option(str(step.option), timeout=ms)
    elif kind == "wait_for":
        locator.wait_for(state="visible", timeout=ms)
    elif kind == "fill":
        _fill(step, page, locator, ctx, ms)
    elif kind == "submit":
        _submit(step, page, locator, ctx, ms)


def _check(locator: Any, ms: float) -> None:
    """Tick a checkbox or radio; one drawn over by a styled label (the input itself hidden)
    is ticked as its label's click would."""
    from playwright.sync_api import Error as PlaywrightError

    locator.wait_for(state="attached", timeout=ms)
    try:
        locator.check(timeout=min(ms, 5_000))
    except PlaywrightError:
        if not locator.evaluate(_TICK):
            raise StepError("could not tick it (not a checkbox or radio button?)") from None


def _fill(step: Step, page: Any, locator: Any, ctx: StepContext, ms: float) -> None:
    from pixelhelper.forms.fill import KEY_DELAY_MS, FilledField, PageFill

    if step.identity is not None:
        value = ctx.values.get(step.identity)
        if not value:
            raise StepError(f"the test identity has no `{step.identity}`")
    else:
        value = step.value or ""
    locator.wait_for(state="visible", timeout=ms)
    facts = locator.evaluate(_DESCRIBE)
    if not isinstance(facts, dict):
        raise StepError("not a form field")
    if str(facts.get("autocomplete", "")).lower().startswith("cc-") or _CARD.search(
        str(facts.get("words", ""))
    ):
        raise StepError("never types into a payment-card field")
    password = facts.get("type") == "password" or "password" in str(facts.get("autocomplete"))
    if password and (step.identity is not None or ctx.site is not None):
        raise StepError("never types into a password field (a `value` may, in scan and check)")
    locator.click(timeout=ms)
    if facts.get("type") in ("date", "time", "datetime-local", "month", "week", "color"):
        locator.fill(value, timeout=ms)
    else:
        locator.fill("", timeout=ms)
        locator.press_sequentially(value, delay=KEY_DELAY_MS, timeout=max(ms, 10_000))
    locator.press("Tab", timeout=ms)
    if step.identity is not None:  # the leak search looks for it where it was typed
        typed = PageFill(page.url, [FilledField(str(step.fill), step.identity, value)])
        ctx.fills.append(typed)


def _submit(step: Step, page: Any, locator: Any, ctx: StepContext, ms: float) -> None:
    import time

    from playwright.sync_api import Error as PlaywrightError

    locator.wait_for(state="attached", timeout=ms)
    form = locator.evaluate(_FORM_OF)
    if not isinstance(form, dict):
        raise StepError("no form there to submit")
    if any(_CARD.search(str(text)) for text in form.get("fields") or []):
        raise StepError("never submits a payment form")
    target = urljoin(page.url, str(form.get("action") or ""))
    if ctx.site is not None and not ctx.same_site(target):
        raise StepError(f"the form posts off the site ({target[:200]})")
    if ctx.fills and ctx.fills[-1].submitted_at is None:
        ctx.fills[-1].submitted_at = time.time()
    try:
        with page.expect_navigation(timeout=min(ms, 8_000), wait_until="load"):
            locator.evaluate(_SUBMIT)
    except PlaywrightError as exc:
        if "Timeout" not in str(exc):  # sent without a navigation: what was sent is recorded
            raise


def _goto(step: Step, ctx: StepContext, timeout: float) -> None:
    from pixelhelper.consent import lanes as lanes_

    base = ctx.lanes[0].page.url if ctx.lanes else ""
    url = urljoin(base, str(step.goto))
    if not url.startswith(("http://", "https://")):
        raise StepError(f"not a web address: {url[:200]}")
    if ctx.site is not None and not ctx.same_site(url):
        raise StepError(f"{url[:200]} is not on the site being crawled")
    problems: list[str] = []
    for lane in ctx.lanes:
        lane.page.set_default_navigation_timeout(timeout * 1000)
    loaded, _ = lanes_.goto(ctx.lanes, url, problems)
    if problems:
        raise StepError(problems[0])
    lanes_.settle(loaded, min(lanes_.SETTLE, timeout), patient=False)


def _consent(step: Step, ctx: StepContext, timeout: float) -> str | None:
    """Answer the banner, in each lane whose consent the journey decides (not in a lane whose
    `--consent` mode decides it: that mode has answered, or not, as it does)."""
    from pixelhelper.consent import lanes as lanes_

    drivers = [lane.driver for lane in ctx.lanes if lane.driver is not None and lane.driver.manual]
    if not drivers:
        return "the --consent mode decides"
    drivers = [driver for driver in drivers if driver.log.choice_at is None]
    if not drivers:
        return "already answered"
    for driver in drivers:
        driver.choose()
    limit = min(timeout, CONSENT_WAIT)
    done = lambda: all(d.answered for d in drivers)  # noqa: E731
    lanes_.settle(ctx.lanes, min(limit, FIRST_LOOK), patient=False, until=done)
    for lane in ctx.lanes:  # a banner drawn after autoconsent stopped looking: look again
        driver = lane.driver
        if driver in drivers and driver.log.banner_at is None:
            driver.redetect(lane.page.main_frame)
    lanes_.settle(ctx.lanes, max(0.0, limit - FIRST_LOOK), patient=False, until=done)
    if not any(driver.log.banner_at is not None for driver in drivers):
        return "no consent banner found"
    failed = [d for d in drivers if d.log.banner_at is not None and d.log.choice_at is None]
    if failed:
        raise StepError(f"the banner ({failed[0].log.cmp or 'unknown platform'}) was not answered")
    settle_after(ctx.lanes, timeout)
    return None


def settle_after(lanes: Sequence[Any], timeout: float) -> None:
    """After a step: its page load, then the network quiet (at most AFTER seconds)."""
    from playwright.sync_api import Error as PlaywrightError

    from pixelhelper.consent.lanes import pause

    for lane in lanes:
        with contextlib.suppress(PlaywrightError):
            lane.page.wait_for_load_state("load", timeout=timeout * 1000)
        with contextlib.suppress(PlaywrightError):
            lane.page.wait_for_load_state("networkidle", timeout=AFTER * 1000)
    with contextlib.suppress(PlaywrightError):
        pause(list(lanes), 0.2)


def _stay_on_site(ctx: StepContext) -> None:
    if ctx.site is None:
        return
    for lane in ctx.lanes:
        url = str(lane.page.url)
        if url.startswith("http") and not ctx.same_site(url):
            raise StepError(f"the step left the site for {url[:200]}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:500]
