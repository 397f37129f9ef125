"""`pixelhelper scan`: drive headless Chromium through the proxy over a list of pages.

This is how users record traffic for CI and how auditors sweep many pages: each URL is loaded
(optionally clicking elements that match given selectors and waiting a while), every request
passes the pixelhelper proxy, which saves the pixel traffic to a flow file; the file is then
audited like any other capture. Chromium is the system's (`/usr/bin/chromium` from Debian),
driven by Playwright; no browser is ever downloaded.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

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


def browse(plan: ScanPlan, proxy: str) -> list[str]:
    """Visit every URL through `proxy`; return one problem line per page that failed."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise PixelHelperError(
            "pixelhelper scan needs Playwright: pip install 'pixelhelper[browser]'"
        ) from exc
    if not Path(plan.chromium).exists():
        raise PixelHelperError(f"Chromium not found at {plan.chromium} (apt-get install chromium)")
    problems: list[str] = []
    args = headless_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=plan.chromium, headless=True, args=args, proxy={"server": proxy}
        )
        try:
            # The proxy's own CA signs every HTTPS page; this throwaway context trusts it.
            context = browser.new_context(ignore_https_errors=True)
            page = context.new_page()
            page.set_default_timeout(plan.timeout * 1000)
            for url in plan.urls:
                try:
                    page.goto(url, wait_until="load")
                    page.wait_for_timeout(plan.wait * 1000)
                    for selector in plan.clicks:
                        for element in page.locator(selector).all()[:20]:
                            if element.is_visible():
                                element.click()
                                page.wait_for_timeout(plan.wait * 500)
                except PlaywrightError as exc:
                    problems.append(f"{url}: {str(exc).splitlines()[0]}")
            context.close()
        finally:
            browser.close()
    return problems


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
