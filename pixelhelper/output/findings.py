"""One flat view of a report's findings for the CI formats (SARIF, JUnit, GitHub, Markdown).

Every value here comes from the redacted report, so no CI format can print more than `audit`
does; the formats escape it for their own syntax. Each text field is also neutralised (no
control, bidi or line-separator character from traffic reaches any format, SARIF's location
names included) and cut to its limit (`bounds.FIELD_LIMITS`): a field repeated per finding
cannot multiply a long page URL into a huge report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from pixelhelper.output.bounds import cut_field
from pixelhelper.output.terminal import neutralise


@dataclass(frozen=True)
class Row:
    """A finding with the page, event and capture it belongs to, and the policy's verdict."""

    index: int
    rule: str
    severity: str
    category: str
    message: str
    location: str
    value: str | None
    pixel: str
    page: str
    event: str
    source: str
    fingerprint: str
    failing: bool
    ignored: bool
    new: bool
    reason: str | None
    outcome: str = "sent"
    """sent, or blocked / redacted by the proxy (the value never reached TikTok)."""
    vendor: str = "tiktok"
    """Whose pixel (`tiktok`, `meta`, ...)."""


def rows(report: dict[str, Any]) -> list[Row]:
    """The report's findings in order, with their context and the `policy` verdict."""
    events = report.get("events") or []
    policy = report.get("policy") or {}
    failing = set(policy.get("failing") or [])
    ignored = set(policy.get("ignored") or [])
    new = set(policy["new"]) if isinstance(policy.get("new"), list) else None
    reasons = policy.get("reasons") or {}
    default_source = next((s.get("path", "") for s in report.get("sources") or []), "")
    out = []
    for index, item in enumerate(report.get("findings") or []):
        number = item.get("event")
        event = events[number] if isinstance(number, int) and 0 <= number < len(events) else {}
        value = item.get("value")
        reason = reasons.get(str(index))
        out.append(
            Row(
                index=index,
                rule=_shown("rule", item.get("rule")),
                severity=str(item.get("severity") or "info"),
                category=_shown("category", item.get("category")),
                message=_shown("message", item.get("message")),
                location=_shown("location", item.get("location")),
                value=_shown("value", value) if isinstance(value, str) else None,
                pixel=_shown("pixel", item.get("pixel_code") or event.get("pixel_code")),
                vendor=_shown("vendor", event.get("vendor") or "tiktok"),
                page=_shown("page", event.get("page_url")),
                event=_shown("event", event.get("event")),
                source=_shown("source", event.get("source") or default_source),
                fingerprint=str(item.get("fingerprint") or ""),
                failing=index in failing,
                ignored=index in ignored,
                new=new is None or index in new,
                reason=_shown("reason", reason) if isinstance(reason, str) else None,
                outcome=item.get("outcome") if item.get("outcome") in OUTCOMES else "sent",
            )
        )
    return out


OUTCOMES = ("sent", "blocked", "redacted")


def _shown(field: str, value: Any) -> str:
    return cut_field(field, neutralise(str(value or "")))


def verdict(report: dict[str, Any]) -> str:
    """ "pass" or "fail" (a report without a policy object passes)."""
    return str((report.get("policy") or {}).get("verdict") or "pass")


def relative_uri(path: str) -> str:
    """A capture's path relative to the working directory when it lies below it (GitHub
    resolves annotation files and SARIF locations against the repository root)."""
    if not path:
        return "capture"
    try:
        relative = os.path.relpath(path)
    except ValueError:
        relative = path
    chosen = path if relative.startswith("..") else relative
    return chosen.replace(os.sep, "/")
