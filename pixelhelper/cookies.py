"""Cookies sent to TikTok: which ones the pixel uses, and which must never be printed.

TikTok's own tracking cookies (`_ttp`, `ttclid`, `ttcsid*`, `_tt_enable_cookie`) are what the
Pixel Helper shows, so their values are reported. Any other cookie that reaches a TikTok host
(a logged-in visitor's `sessionid`, `sid_tt`, `msToken`...) is a credential: only its name is
reported, never its value.
"""

from __future__ import annotations

import re

REDACTED = "<redacted>"
_TIKTOK_TRACKING = re.compile(
    r"^(?:_ttp|ttclid|_ttclid|ttcsid(?:_[0-9A-Za-z]+)?|_tt_enable_cookie)$"
)


def is_tracking_cookie(name: str) -> bool:
    """True for the pixel's own cookies, whose values a Pixel Helper is expected to show."""
    return bool(_TIKTOK_TRACKING.match(name))


def parse_cookie_header(values: list[str]) -> dict[str, str]:
    """Parse one or more `Cookie` header values into name -> value (first occurrence wins)."""
    cookies: dict[str, str] = {}
    for header in values:
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name and name not in cookies:
                cookies[name] = value.strip().strip('"')
    return cookies


def reportable_cookies(values: list[str]) -> dict[str, str]:
    """Cookies as a report may show them: tracking values kept, every other value withheld."""
    return {
        name: value if is_tracking_cookie(name) else REDACTED
        for name, value in parse_cookie_header(values).items()
    }
