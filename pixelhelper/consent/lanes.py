"""The same visit in every consent mode at once: one browser context per mode (a lane), each
sending through its own proxy port, moved page by page in step.

Side by side, the modes share each wait: four modes cost four page loads and a context each,
not four visits. Without modes there is one plain lane, the visit pixelhelper always made.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pixelhelper.consent.driver import ConsentDriver
from pixelhelper.consent.modes import Mode
from pixelhelper.consent.timeline import ModeLog

SETTLE = 8.0
"""Seconds a page may take for autoconsent to find and answer its banner (most take one)."""
TICK = 0.1  # seconds between looks at the drivers while waiting
MAX_CLICKS = 20  # elements clicked per selector and page


@dataclass
class Lane:
    """One mode's page (`driver` None: the plain visit, no consent handling)."""

    page: Any
    driver: ConsentDriver | None = None

    @property
    def where(self) -> str:
        """`" (reject mode)"`, for problem lines; empty for the plain visit."""
        return f" ({self.driver.mode} mode)" if self.driver else ""


@contextlib.contextmanager
def open_lanes(
    browser: Any,
    modes: Sequence[Mode],
    proxies: Sequence[str],
    timeout: float,
    logs: list[ModeLog],
    urls: Sequence[str] = (),
    manual: bool = False,
) -> Iterator[list[Lane]]:
    """A lane per mode, each a fresh context (no cookies or storage of another) sending
    through `proxies[i]`, for a visit to the sites of `urls`; one plain lane without `modes`.
    Each mode's log is appended to `logs` once every context is closed. The proxy's own CA
    signs every HTTPS page; the throwaway contexts trust it. `manual`: a journey's `consent`
    step answers the banners (see `ConsentDriver.choose`)."""
    drivers = [
        ConsentDriver(mode, _port(proxy), manual=manual)
        for mode, proxy in zip(modes, proxies, strict=False)
    ]
    contexts: list[Any] = []
    try:
        lanes = []
        for driver, proxy in zip(drivers, proxies, strict=False):
            context = browser.new_context(ignore_https_errors=True, proxy={"server": proxy})
            contexts.append(context)
            driver.install(context, urls)
            lanes.append(Lane(context.new_page(), driver))
        if not modes:
            contexts.append(browser.new_context(ignore_https_errors=True))
            lanes.append(Lane(contexts[-1].new_page()))
        for lane in lanes:
            lane.page.set_default_timeout(timeout * 1000)
        yield lanes
    finally:
        for context in contexts:
            with contextlib.suppress(Exception):
                context.close()
        logs.extend(driver.finish() for driver in drivers)


def _port(proxy: str) -> int | None:
    tail = proxy.rsplit(":", 1)[-1].rstrip("/")
    return int(tail) if tail.isdigit() else None


def goto(lanes: list[Lane], url: str, problems: list[str]) -> tuple[list[Lane], Any]:
    """Load `url` in every lane, side by side (each navigation is started, then each load
    waited for); the lanes it loaded in, and the first lane's response (its status is the
    page's). Each failure is a problem line naming the mode."""
    from playwright.sync_api import Error as PlaywrightError

    wait_until = "load" if len(lanes) == 1 else "commit"  # one lane: the visit as it always was
    started, first = [], None
    for index, lane in enumerate(lanes):
        if lane.driver is not None:
            lane.driver.loading()
        try:
            response = lane.page.goto(url, wait_until=wait_until)
        except PlaywrightError as exc:
            problems.append(f"{url}{lane.where}: {str(exc).splitlines()[0]}")
            continue
        started.append(lane)
        if index == 0:
            first = response
    if wait_until == "load":
        return started, first
    loaded = []
    for lane in started:
        try:
            lane.page.wait_for_load_state("load")
        except PlaywrightError as exc:
            problems.append(f"{url}{lane.where}: {str(exc).splitlines()[0]}")
            continue
        loaded.append(lane)
    return loaded, first


def pause(lanes: list[Lane], seconds: float) -> None:
    """Wait while every lane's page goes on (any page's wait serves them all), answering
    banners as their time comes."""
    drivers = [lane.driver for lane in lanes if lane.driver is not None]
    if not lanes or seconds <= 0:
        return
    if not drivers:
        lanes[0].page.wait_for_timeout(seconds * 1000)
        return
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        lanes[0].page.wait_for_timeout(min(left, TICK) * 1000)
        for driver in drivers:
            driver.tick()


def settle(
    lanes: list[Lane],
    limit: float = SETTLE,
    patient: bool = True,
    until: Callable[[], bool] | None = None,
) -> None:
    """Wait, at most `limit` seconds, until autoconsent has found (and answered) the banner
    in every lane that has a mode. Not `patient` (a later page of a site, whose banner was
    met on the first): only answers under way are waited for; a banner that shows up is
    still answered while the visit goes on. `until`: wait for that instead."""
    deadline = time.monotonic() + limit
    drivers = [lane.driver for lane in lanes if lane.driver is not None]
    while drivers and time.monotonic() < deadline:
        if until() if until else all(driver.settled(patient) for driver in drivers):
            return
        pause(lanes, TICK)


def interact(lanes: list[Lane], clicks: Sequence[str], wait: float) -> None:
    """Wait on the loaded pages, then click what each selector matches (visible elements, at
    most 20 per selector and page), waiting after the clicks for what they send."""
    pause(lanes, wait)
    for selector in clicks:
        for lane in lanes:
            for element in lane.page.locator(selector).all()[:MAX_CLICKS]:
                if element.is_visible():
                    element.click()
                    if len(lanes) == 1:
                        pause(lanes, wait / 2)
        if len(lanes) > 1:
            pause(lanes, wait / 2)


def conclude(lanes: list[Lane], wait: float, limit: float = SETTLE) -> None:
    """Before the contexts close: a banner that showed up late and is being answered is
    given the time to be, and what the page sends after that answer `wait` seconds."""
    from playwright.sync_api import Error as PlaywrightError

    drivers = [lane.driver for lane in lanes if lane.driver is not None]
    if not drivers or all(driver.settled(patient=False) for driver in drivers):
        return
    with contextlib.suppress(PlaywrightError):  # a page gone: its answer is lost, not the visit
        settle(lanes, limit, patient=False)
        pause(lanes, wait)
