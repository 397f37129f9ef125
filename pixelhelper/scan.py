"""`pixelhelper scan`: drive headless Chromium through the proxy over a list of pages.

This is how users record traffic for CI and how auditors sweep many pages: each URL is loaded
(optionally clicking elements that match given selectors and waiting a while), every request
passes the pixelhelper proxy, which saves the pixel traffic to a flow file; the file is then
audited like any other capture. Chromium is the system's (`/usr/bin/chromium` from Debian),
driven by Playwright; no browser is ever downloaded.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pixelhelper.errors import PixelHelperError

if TYPE_CHECKING:
    from pixelhelper.consent.modes import Mode
    from pixelhelper.consent.timeline import ModeLog
    from pixelhelper.journey.log import JourneyLog
    from pixelhelper.journey.model import Journey
from pixelhelper.live.browser import CHROMIUM, headless_args
from pixelhelper.live.proxy import ProxyConfig, free_port, start_background, stop


@dataclass
class ScanPlan:
    """What to visit and how."""

    urls: list[str]
    clicks: list[str] = field(default_factory=list)
    wait: float = 2.0
    timeout: float = 30.0
    chromium: str = CHROMIUM
    fill: dict[str, str] | None = None  # `--fill`: the identity values to type
    submit: bool = False
    fills: list[Any] = field(default_factory=list)  # what `--fill` did, page by page
    consent: tuple[Mode, ...] = ()  # `--consent`: the modes, each in a fresh context
    consent_logs: list[ModeLog] = field(default_factory=list)  # what happened in each
    journey: Journey | None = None  # `--journey`: the steps, instead of `urls` and clicks
    identity: dict[str, str] = field(default_factory=dict)  # the values a journey types
    manual_consent: bool = False  # the journey's `consent` step answers, not a mode
    journey_log: JourneyLog | None = None  # what the journey did


@contextlib.contextmanager
def headless_browser(chromium: str, proxy: str) -> Iterator[Any]:
    """A fresh headless Chromium whose traffic goes through `proxy` (for `scan` and for each
    site of a `crawl`)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise PixelHelperError(
            "pixelhelper scan needs Playwright: pip install 'pixelhelper[browser]'"
        ) from exc
    if not Path(chromium).exists():
        raise PixelHelperError(f"Chromium not found at {chromium} (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, headless=True, args=headless_args(), proxy={"server": proxy}
        )
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def headless_page(chromium: str, proxy: str, timeout: float) -> Iterator[Any]:
    """A page of a fresh headless Chromium through `proxy`, in a throwaway context that
    trusts the proxy's CA."""
    with headless_browser(chromium, proxy) as browser:
        context = browser.new_context(ignore_https_errors=True)
        try:
            page = context.new_page()
            page.set_default_timeout(timeout * 1000)
            yield page
        finally:
            context.close()


def check_selectors(selectors: Sequence[str], chromium: str | None = None) -> None:
    """Refuse a selector Playwright cannot parse, before a crawl starts (a bad one would only
    click nothing on every page of every site). Checked by Playwright itself on a blank page,
    so every selector engine it knows (`text=`, `:has-text()`, `>>`) is accepted.

    Raises:
        PixelHelperError: naming the first bad selector. Without Playwright or Chromium there
        is nothing to check with, and nothing to crawl with either: the sites' rows say so.
    """
    chromium = chromium or CHROMIUM
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        return
    if not Path(chromium).exists():
        return
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=headless_args())
        try:
            page = browser.new_page()
            page.set_content("<!doctype html><title>selectors</title>")
            for selector in selectors:
                try:
                    page.locator(selector).count()
                except PlaywrightError as exc:
                    detail = str(exc).splitlines()[0][:200]
                    raise PixelHelperError(
                        f"--click {selector!r} is not a selector: {detail}"
                    ) from None
        finally:
            browser.close()


def browse(plan: ScanPlan, proxies: Sequence[str]) -> list[str]:
    """Visit every URL through the proxy (`proxies`: its address per consent mode, or one);
    return one problem line per page that failed."""
    from pixelhelper.consent import lanes as lanes_

    problems: list[str] = []
    with (
        headless_browser(plan.chromium, proxies[0]) as browser,
        lanes_.open_lanes(
            browser,
            plan.consent,
            proxies,
            plan.timeout,
            plan.consent_logs,
            plan.urls,
            manual=plan.manual_consent,
        ) as lanes,  # fmt: skip
    ):
        if plan.journey is not None:
            journey(plan, lanes, plan.urls[0], problems)
        for url in plan.urls if plan.journey is None else ():
            loaded, _ = lanes_.goto(lanes, url, problems)
            after_load(loaded, plan, url, problems, plan.timeout)
        lanes_.conclude(lanes, plan.wait)
    return problems


def journey(plan: Any, lanes: list[Any], start: str, problems: list[str]) -> None:
    """Walk `plan.journey` from `start`; its log goes to the plan, a failed step is a problem
    line."""
    from pixelhelper.journey.run import failure_line, walk_lanes

    plan.journey_log = walk_lanes(
        plan.journey, lanes, start, timeout=plan.timeout, wait=plan.wait, values=plan.identity,
        fills=plan.fills,
    )  # fmt: skip
    if line := failure_line(plan.journey_log):
        problems.append(line)


def after_load(
    lanes: list[Any],
    plan: Any,
    start: str,
    problems: list[str],
    timeout: float,
    first: bool = True,
) -> None:
    """On pages just loaded: the consent banner answered (waited for on a site's `first`
    page), the clicks, `--fill`; a page that fails is a problem line (the others go on)."""
    from playwright.sync_api import Error as PlaywrightError

    from pixelhelper.consent import lanes as lanes_

    lanes_.settle(lanes, min(lanes_.SETTLE, timeout), patient=first)
    try:
        lanes_.interact(lanes, plan.clicks, plan.wait)
    except PlaywrightError as exc:
        problems.append(f"{lanes[0].page.url}: {str(exc).splitlines()[0]}")
    if plan.fill:
        for lane in lanes:
            with contextlib.suppress(PlaywrightError):
                plan.fills.append(fill(lane.page, start, plan))
        lanes_.pause(lanes, plan.wait)


def fill(page: Any, start: str, plan: Any) -> Any:
    """`--fill` on the loaded page (and `--submit`): only the site `start` is on."""
    from pixelhelper.crawl.visit import same_site
    from pixelhelper.forms.fill import fill_page

    return fill_page(page, plan.fill or {}, submit=plan.submit,
                     same_site=lambda url: same_site(start, url))  # fmt: skip


def run_scan(plan: ScanPlan, config: ProxyConfig) -> list[str]:
    """Start the proxy, browse, stop the proxy (which writes the capture); return problems.

    The proxy's log goes to a private temporary file (unpredictable name, 0600) that is read
    only if the proxy fails, and deleted either way.
    """
    config.port = config.port or free_port(config.host)
    config.ports = [free_port(config.host) for _ in plan.consent[1:]]
    if plan.journey is not None and not plan.consent and plan.journey.consent_action():
        plan.consent, plan.manual_consent = (plan.journey.consent_action(),), True  # type: ignore[assignment]
    config.view, config.summary = "none", False
    fd, name = tempfile.mkstemp(prefix="pixelhelper-scan-", suffix=".log")
    os.close(fd)
    log = Path(name)
    try:
        process = start_background(config, log)
        try:
            proxies = [f"http://{config.host}:{port}" for port in (config.port, *config.ports)]
            problems = browse(plan, proxies)
        finally:
            code = stop(process)
        if code not in (0, None):
            detail = log.read_text(errors="replace")[-2000:]
            problems.append(f"proxy exited with code {code}: {detail}")
        return problems
    finally:
        log.unlink(missing_ok=True)


def default_save_path() -> str:
    """A fresh capture name in the current directory."""
    from datetime import datetime

    return f"pixelhelper-scan-{datetime.now().strftime('%Y%m%d-%H%M%S')}.flow"


def report_problems(problems: Sequence[str]) -> None:
    """Print per-page problems to stderr."""
    for problem in problems:
        print(f"pixelhelper: scan: {problem}", file=sys.stderr)
