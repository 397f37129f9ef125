"""Group events by page and by pixel code, the way the Pixel Helper shows a page's pixels.

Built incrementally (one `add` per event) so the live view and the batch audit share it.
Script loads usually carry only the site's origin as Referer (browsers' default referrer
policy), while the hits that follow name the full page URL; a load therefore waits, per origin
and pixel code, for the first hit of that pixel and joins that hit's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from pixelhelper.models import PixelEvent

LOADER_SCRIPTS = ("i18n/pixel/events.js", "i18n/pixel/sdk.js")


def page_key(url: str | None) -> str:
    """The page an event belongs to: its URL without the fragment ("" when unknown)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_loader(event: PixelEvent) -> bool:
    """True for the per-pixel loader script (`events.js?sdkid=`), the one that installs a pixel."""
    return event.kind == "script" and event.endpoint in LOADER_SCRIPTS


@dataclass
class PixelOnPage:
    """One pixel code on one page: its loader loads and the events it sent (indices)."""

    code: str
    loads: list[int] = field(default_factory=list)
    events: list[int] = field(default_factory=list)


@dataclass
class Page:
    """A page of the browsing session and the pixels seen on it, in first-seen order."""

    url: str
    pixels: dict[str, PixelOnPage] = field(default_factory=dict)
    other: list[int] = field(default_factory=list)

    def copy(self) -> Page:
        """A deep copy, so readers can add to it without touching the session."""
        pixels = {c: PixelOnPage(c, list(e.loads), list(e.events)) for c, e in self.pixels.items()}
        return Page(self.url, pixels, list(self.other))

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
        self._latest: dict[str, Page] = {}
        self._pending: dict[tuple[str, str], list[int]] = {}
        self._pending_page: dict[int, str] = {}

    def _page(self, url: str, new_visit: bool = False) -> Page:
        if new_visit or url not in self._latest:
            self._latest[url] = Page(url)
            self._visits.append(self._latest[url])
        return self._latest[url]

    def add(self, index: int, event: PixelEvent) -> None:
        """Place event number `index` on its page."""
        if is_loader(event) and event.pixel_code:
            referer = page_key(event.page_url)
            key = (_origin(referer), event.pixel_code)
            self._pending.setdefault(key, []).append(index)
            self._pending_page[index] = referer
            return
        if event.kind == "script":
            return
        url = page_key(event.page_url)
        code = event.pixel_code
        if not code:
            self._page(url).other.append(index)
            return
        waiting = self._pending.pop((_origin(url), code), None)
        current = self._latest.get(url)
        seen = current.pixels.get(code) if current else None
        page = self._page(url, new_visit=bool(waiting and seen and seen.loads and seen.events))
        entry = page.pixel(code)
        entry.events.append(index)
        if waiting:
            entry.loads.extend(waiting)
            for load in waiting:
                self._pending_page.pop(load, None)

    @property
    def pages(self) -> list[Page]:
        """Visits in first-seen order; loads still waiting for a hit appear on their own page.

        Built fresh on every call from copies, so reading it never changes the session.
        """
        pages = [page.copy() for page in self._visits]
        by_url = {page.url: page for page in pages}
        for (_, code), loads in self._pending.items():
            for load in loads:
                url = self._pending_page.get(load, "")
                if url not in by_url:
                    by_url[url] = Page(url)
                    pages.append(by_url[url])
                by_url[url].pixel(code).loads.append(load)
        return pages

    def pixel_totals(self) -> dict[str, tuple[int, int]]:
        """Pixel code -> (loads, events) over the whole session, in first-seen order."""
        totals: dict[str, list[int]] = {}
        for page in self.pages:
            for code, entry in page.pixels.items():
                counts = totals.setdefault(code, [0, 0])
                counts[0] += len(entry.loads)
                counts[1] += len(entry.events)
        return {code: (c[0], c[1]) for code, c in totals.items()}
