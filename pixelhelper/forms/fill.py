"""Type a test identity into a page's forms as a visitor does (Playwright): click the field,
press the keys with a small delay, then Tab, so `input`, `change` and `blur` listeners fire.

Never into a password, payment-card, CVC, file or hidden field (`classify.never_type`); never
a payment form submitted; with `submit`, each form that was typed into is submitted once, and
only when it posts to the site being visited.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from pixelhelper.forms.classify import FieldFacts, classify, never_type

KEY_DELAY_MS = 15  # between key presses: fast, but every key is its own event
MAX_FIELDS = 40  # typed into per page
_VALUE_CAP = 200
_FACTS = tuple(FieldFacts.__dataclass_fields__)


@dataclass
class FilledField:
    """One field typed into."""

    selector: str
    classified_as: str
    value: str


@dataclass
class PageFill:
    """What was found and filled on one page."""

    page: str
    fields: list[FilledField] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)  # form selectors submitted
    submitted_at: float | None = None  # when the first was (this machine's clock)


def _fields_js() -> str:
    """The page script listing every form field (package data, `fields.js`)."""
    from importlib import resources

    return resources.files("pixelhelper.forms").joinpath("fields.js").read_text("utf-8")


def fill_page(
    page: Any, values: dict[str, str], *, submit: bool, same_site: Callable[[str], bool]
) -> PageFill:
    """Type `values` into the page's identity fields; submit each typed-into form once when
    `submit`, if it is no payment form and posts to the same site (`same_site(url)`)."""
    from playwright.sync_api import Error as PlaywrightError

    log = PageFill(page.url)
    forms: dict[str, tuple[str, bool]] = {}  # main-frame form selector -> (action, payment)
    for frame in page.frames:  # the page, and its frames on the same site (never others)
        main = frame == page.main_frame
        if not main and not same_site(frame.url):
            continue
        try:
            described = frame.evaluate(_fields_js())
        except PlaywrightError:
            continue
        for facts in described if isinstance(described, list) else []:
            if len(log.fields) >= MAX_FIELDS:
                break
            info = _facts(facts)
            if info is None:
                continue
            kind = classify(info)
            value = values.get(kind) if kind else None
            if not kind or not value or never_type(info):
                continue
            try:
                _type_into(frame, str(facts["selector"]), value[:_VALUE_CAP], info.type)
            except PlaywrightError:
                continue
            where = "" if main else f"(frame {frame.url}) "
            log.fields.append(FilledField(where + str(facts["selector"]), kind, value))
            if main and facts.get("form"):
                action, payment = str(facts.get("action") or ""), bool(facts["payment"])
                forms[str(facts["form"])] = (action, payment)
    if submit:
        for selector, (action, payment) in forms.items():
            target = urljoin(page.url, action) if action else page.url
            if payment or not same_site(target):
                continue  # never a payment form, never off the site
            log.submitted_at = log.submitted_at or time.time()
            _submit(page, selector)
            log.submitted.append(selector)
            if not same_site(page.url):  # the site redirected the form away: come back
                with contextlib.suppress(PlaywrightError):
                    page.go_back(wait_until="load", timeout=8_000)
            break  # the page changes: one form a page
    return log


def _facts(facts: Any) -> FieldFacts | None:
    """What the page said of a field, as plain strings and flags (a page's own scripts can
    make its DOM answer anything)."""
    if not isinstance(facts, dict) or not isinstance(facts.get("selector"), str):
        return None
    flags = ("hidden", "disabled", "readonly")
    texts = {key: str(facts.get(key) or "")[:500] for key in _FACTS if key not in flags}
    return FieldFacts(**texts, **{key: bool(facts.get(key)) for key in flags})  # type: ignore[arg-type]


def _type_into(frame: Any, selector: str, value: str, kind: str) -> None:
    """As a visitor types: click, the keys one by one, then Tab (blur and change fire)."""
    element = frame.locator(selector).first
    element.click(timeout=3000)
    if kind == "date":
        element.fill(value)  # a date input takes its value, not key presses
    else:
        element.press_sequentially(value, delay=KEY_DELAY_MS, timeout=10_000)
    element.press("Tab")


def _submit(page: Any, form: str) -> None:
    """Submit a form as its button does (its submit listeners run), and wait for the page it
    leads to (an XHR form leads nowhere: then the wait ends at its timeout)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        with page.expect_navigation(timeout=8_000, wait_until="load"):
            page.eval_on_selector(
                form,
                "f => { const b = f.querySelector('[type=submit], button:not([type])');"
                " if (b) b.click(); else f.requestSubmit(); }",
            )
    except PlaywrightError:
        pass  # sent without a navigation, or the form refused: what was sent is recorded
