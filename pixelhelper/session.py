"""Group events by page visit and by pixel code, the way the Pixel Helper shows a page's pixels.

Built incrementally (one `add` per event) so the live view and the batch audit share it.
Script loads usually carry only the site's origin as Referer (browsers' default referrer
policy), while the hits that follow name the full page URL; a load therefore waits, per origin
and pixel code, for the first hit of that pixel and joins that hit's page.

Pages never span capture files: the same URL in two files is two visits, so one session saved
as both `.flow` and `.har` is never reported as sending everything twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from pixelhelper.models import PixelEvent
    from pixelhelper.store import EventFacts

LOADER_SCRIPTS = ("i18n/pixel/events.js", "i18n/pixel/sdk.js")


def page_key(url: str | None) -> str:
    """The page an event belongs to: its URL without the fragment ("" when unknown)."""
    if not url:
        return ""
    return _page_key(url)


@lru_cache(maxsize=4096)  # a page's hits name the same URL: one parse per page, not per hit
def _page_key(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


@lru_cache(maxsize=4096)  # as `_page_key`: every pixel hit asks for its page's origin
def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_loader(event: PixelEvent | EventFacts) -> bool:
    """True for the per-pixel loader script (`events.js?sdkid=`), the one that installs a pixel."""
    return event.kind == "script" and event.endpoint in LOADER_SCRIPTS


@dataclass
class PixelOnPage:
    """One pixel code on one page visit: its loader loads, the events it sent, and the events
    that listed it in `context.pixel.codes` (all as event indices)."""

    code: str
    loads: list[int] = field(default_factory=list)
    events: list[int] = field(default_factory=list)
    listed: list[int] = field(default_factory=list)

    def copy(self) -> PixelOnPage:
        """An independent copy."""
        return PixelOnPage(self.code, list(self.loads), list(self.events), list(self.listed))


@dataclass
class Page:
    """A page visit of the browsing session and the pixels seen on it, in first-seen order."""

    url: str
    pixels: dict[str, PixelOnPage] = field(default_factory=dict)
    other: list[int] = field(default_factory=list)
    source: str = ""
    visit: int = 0
    """Visits of the same URL in the same source, counted from 0 (a reload is visit 1)."""
    id: int = -1
    """The visit's position in the session (first visit 0): a stable key for views."""

    def copy(self) -> Page:
        """A deep copy, so readers can add to it without touching the session."""
        pixels = {code: entry.copy() for code, entry in self.pixels.items()}
        return Page(self.url, pixels, list(self.other), self.source, self.visit, self.id)

    def pixel(self, code: str) -> PixelOnPage:
        """Return (creating if new) the entry for `code` on this page."""
        if code not in self.pixels:
            self.pixels[code] = PixelOnPage(code)
        return self.pixels[code]


class Session:
    """Pages and pixels of a capture, updated one event at a time.

    A page is one visit: when the loader of a pixel arrives again for a URL whose visit already
    has that pixel's loads and events, a reload or a return to the page started a new visit.
    """

    def __init__(self) -> None:
        self._visits: list[Page] = []
        self._latest: dict[tuple[str, str], Page] = {}
        self._count: dict[tuple[str, str], int] = {}
        self._pending: dict[tuple[str, str, str], list[int]] = {}
        self._pending_page: dict[int, tuple[str, str]] = {}
        self._visit_of: dict[int, Page] = {}

    def _page(self, source: str, url: str, new_visit: bool = False) -> Page:
        key = (source, url)
        if new_visit or key not in self._latest:
            visit = self._count.get(key, 0)
            self._count[key] = visit + 1
            self._latest[key] = Page(url, source=source, visit=visit, id=len(self._visits))
            self._visits.append(self._latest[key])
        return self._latest[key]

    def add(self, index: int, event: PixelEvent | EventFacts) -> None:
        """Place event number `index` on its page visit."""
        source = event.source
        if is_loader(event) and event.pixel_code:
            referer = page_key(event.page_url)
            self._pending.setdefault((source, _origin(referer), event.pixel_code), []).append(index)
            self._pending_page[index] = (source, referer)
            return
        if event.kind == "script":
            return
        url = page_key(event.page_url)
        code = event.pixel_code
        if not code:
            page = self._page(source, url)
            page.other.append(index)
            self._visit_of[index] = page
            return
        waiting = self._pending.pop((source, _origin(url), code), None)
        current = self._latest.get((source, url))
        seen = current.pixels.get(code) if current else None
        reload = bool(waiting and seen and seen.loads and seen.events)
        page = self._page(source, url, new_visit=reload)
        entry = page.pixel(code)
        entry.events.append(index)
        self._visit_of[index] = page
        for other in event.pixel_codes:
            if other != code:
                page.pixel(other).listed.append(index)
        if waiting:
            entry.loads.extend(waiting)
            for load in waiting:
                self._pending_page.pop(load, None)
                self._visit_of[load] = page

    def visit_of(self, index: int) -> Page | None:
        """The page visit an event (or a joined loader load) belongs to."""
        return self._visit_of.get(index)

    @property
    def pages(self) -> list[Page]:
        """Visits in first-seen order; loads still waiting for a hit appear on their own page.

        Built fresh on every call from copies, so reading it never changes the session.
        """
        pages = [page.copy() for page in self._visits]
        by_url = {(page.source, page.url): page for page in pages}  # the latest visit wins
        for (source, _, code), loads in self._pending.items():
            for load in loads:
                key = self._pending_page.get(load, (source, ""))
                if key not in by_url:
                    by_url[key] = Page(key[1], source=key[0])
                    pages.append(by_url[key])
                by_url[key].pixel(code).loads.append(load)
        return pages

    def pixel_totals(self) -> dict[str, tuple[int, int]]:
        """Pixel code -> (loads, events) over the whole session, in first-seen order; a code only
        listed in another pixel's `context.pixel.codes` is a pixel of the page too (0, 0)."""
        totals: dict[str, list[int]] = {}
        for page in self.pages:
            for code, entry in page.pixels.items():
                counts = totals.setdefault(code, [0, 0])
                counts[0] += len(entry.loads)
                counts[1] += len(entry.events)
        return {code: (c[0], c[1]) for code, c in totals.items()}
