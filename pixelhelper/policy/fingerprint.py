"""Stable fingerprints of findings, for baselines, `diff` and SARIF `partialFingerprints`.

A fingerprint says *what* is wrong and *where*, and nothing about *when*: the rule, the pixel
code, the page (its URL with the query's values dropped, keys sorted, no fragment), the event
name and the field. Flow order, timestamps, message ids and the raw value never enter it, so
the same problem in a re-recorded session has the same fingerprint, and a masked report gives
the same fingerprints as the raw audit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from pixelhelper.models import Finding
    from pixelhelper.store import EventFacts

VERSION = "v1"


def page_shape(url: str | None) -> str:
    """`https://Shop.example/checkout?order=1&email=x#top` -> `https://shop.example/checkout?email&order`."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)})
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0]
    query = "&".join(keys)
    base = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path or '/'}"
    return f"{base}?{query}" if query else base


def fingerprint(
    rule: str, pixel: str | None, page: str | None, event: str | None, location: str
) -> str:
    """The fingerprint of one finding, from its parts."""
    text = "\0".join((VERSION, rule, pixel or "", page_shape(page), event or "", location))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def of_findings(findings: Sequence[Finding], facts: Sequence[EventFacts]) -> list[str]:
    """Fingerprints of an audit's findings (facts give each finding's page and event)."""
    out = []
    for item in findings:
        fact = (
            facts[item.event] if item.event is not None and 0 <= item.event < len(facts) else None
        )
        out.append(
            fingerprint(
                item.rule,
                item.pixel_code or (fact.pixel_code if fact else None),
                fact.page_url if fact else None,
                fact.event if fact else None,
                item.location,
            )
        )
    return out


def of_report(report: dict[str, Any]) -> list[str]:
    """Fingerprints of a JSON report's findings (as written by `audit` or `check`)."""
    events = report.get("events") or []
    out = []
    for item in report.get("findings") or []:
        if isinstance(item.get("fingerprint"), str):
            out.append(item["fingerprint"])
            continue
        index = item.get("event")
        event = events[index] if isinstance(index, int) and 0 <= index < len(events) else {}
        out.append(
            fingerprint(
                str(item.get("rule")),
                item.get("pixel_code") or event.get("pixel_code"),
                event.get("page_url"),
                event.get("event"),
                str(item.get("location") or ""),
            )
        )
    return out
