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
from typing import Any

from pixelhelper.errors import PixelHelperError
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


@contextlib.contextmanager
def headless_page(chromium: str, proxy: str, timeout: float) -> Iterator[Any]:
    """A page of a fresh headless Chromium whose traffic goes through `proxy` (for `scan`
    and for each site of a `crawl`). The proxy's own CA signs every HTTPS page; the
    throwaway context trusts it."""
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
            context = browser.new_context(ignore_https_errors=True)
            page = context.new_page()
            page.set_default_timeout(timeout * 1000)
            yield page
            context.close()
        finally:
            browser.close()


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


def interact(page: Any, clicks: Sequence[str], wait: float) -> None:
    """Wait on a loaded page, then click what each selector matches (visible elements, at
    most 20 per selector), waiting after each click for what it sends."""
    page.wait_for_timeout(wait * 1000)
    for selector in clicks:
        for element in page.locator(selector).all()[:20]:
            if element.is_visible():
                element.click()
                page.wait_for_timeout(wait * 500)


def browse(plan: ScanPlan, proxy: str) -> list[str]:
    """Visit every URL through `proxy`; return one problem line per page that failed."""
    problems: list[str] = []
    with headless_page(plan.chromium, proxy, plan.timeout) as page:
        from playwright.sync_api import Error as PlaywrightError

        for url in plan.urls:
            try:
                page.goto(url, wait_until="load")
                interact(page, plan.clicks, plan.wait)
                if plan.fill:
                    plan.fills.append(fill_and_wait(page, url, plan))
            except PlaywrightError as exc:
                problems.append(f"{url}: {str(exc).splitlines()[0]}")
    return problems


def fill_and_wait(page: Any, start: str, plan: Any) -> Any:
    """`--fill` on the loaded page (and `--submit`), then a wait for what it sends."""
    from pixelhelper.crawl.visit import same_site
    from pixelhelper.forms.fill import fill_page

    log = fill_page(page, plan.fill or {}, submit=plan.submit,
                    same_site=lambda url: same_site(start, url))  # fmt: skip
    page.wait_for_timeout(plan.wait * 1000)
    return log


def run_scan(plan: ScanPlan, config: ProxyConfig) -> list[str]:
    """Start the proxy, browse, stop the proxy (which writes the capture); return problems.

    The proxy's log goes to a private temporary file (unpredictable name, 0600) that is read
    only if the proxy fails, and deleted either way.
    """
    config.port = config.port or free_port(config.host)
    config.view, config.summary = "none", False
    fd, name = tempfile.mkstemp(prefix="pixelhelper-scan-", suffix=".log")
    os.close(fd)
    log = Path(name)
    try:
        process = start_background(config, log)
        try:
            problems = browse(plan, f"http://{config.host}:{config.port}")
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
