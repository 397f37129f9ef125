"""The one place where what a report or view prints is made safe to print.

CI logs are often public, so sensitive values are masked by default (`masking`) and
credentials are withheld always, even with `--show-values` (`credentials`). Both work on the
finished report (a plain JSON-able structure), so no output format can print a raw value by
accident: each raw value a finding flagged is replaced wherever it appears (event fields,
payloads, URLs, percent-encoded and base64 copies); a field whose text holds the value only in a
form that cannot be matched (JSON escapes, deep nesting) is withheld whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pixelhelper.redact.credentials import (
    CREDENTIAL,
    is_secret_field,
    is_secret_name,
    scrub,
    scrub_text,
)
from pixelhelper.redact.masking import Masker, mask

if TYPE_CHECKING:
    from pixelhelper.models import Finding

__all__ = [
    "CREDENTIAL",
    "Masker",
    "is_secret_name",
    "mask",
    "redact_report",
    "redact_value",
    "scrub_text",
    "shown_finding",
    "shown_page",
    "shown_pixel",
]


def _field_name(location: str) -> tuple[str, str]:
    """The innermost key or parameter name of a finding location (`url?access_token`), and
    the key above it (`context.pixel.code` -> ("code", "pixel"))."""
    parts = [p.split("[", 1)[0] for p in re.split(r"[?#.]", location) if p]
    return (parts[-1] if parts else "", parts[-2] if len(parts) > 1 else "")


# The finding keys that can quote traffic; the others are pixelhelper's own vocabulary.
_FINDING_TEXT = ("location", "value", "message", "pixel_code")


def redact_value(value: Any, masker: Masker | None) -> Any:
    """A value taken from traffic as it may be printed: masked (unless `masker` is None, for
    `--show-values`), then stripped of credentials."""
    return scrub(value if masker is None else masker.apply(value))


def redact_report(report: dict[str, Any], findings: Iterable[Finding], show_values: bool) -> Any:
    """Return the report as it may be printed: credentials always withheld, values masked
    unless `show_values`.

    Args:
        report: A JSON-able report whose findings still hold raw values.
        findings: The findings whose values are to be masked.
        show_values: Print raw sensitive values (never credentials).
    """
    masker = None if show_values else Masker(findings)
    out = dict(report)
    if "events" in out:  # traffic through and through: keys and values
        out["events"] = redact_value(out["events"], masker)
    if isinstance(out.get("findings"), list):  # our keys; traffic in their strings
        out["findings"] = [shown_finding(f, masker) for f in out["findings"]]
    if isinstance(out.get("pages"), list):  # our structure; the page URL is traffic
        out["pages"] = [shown_page(p, masker) for p in out["pages"]]
    if isinstance(out.get("pixels"), list):  # our structure; codes and identities are traffic
        out["pixels"] = [shown_pixel(p, masker) for p in out["pixels"]]
    return out


def shown_finding(finding: Any, masker: Masker | None) -> Any:
    """A report's finding as it may be printed (its strings can quote traffic)."""
    if not isinstance(finding, dict):
        return redact_value(finding, masker)
    shown = dict(finding)
    for key in _FINDING_TEXT:
        if isinstance(shown.get(key), str):
            shown[key] = redact_value(shown[key], masker)
    location = str(finding.get("location") or "")
    if location and shown.get("value") and is_secret_field(*_field_name(location)):
        shown["value"] = CREDENTIAL
    return shown


def shown_page(page: Any, masker: Masker | None) -> Any:
    """A report's page entry as it may be printed: its URL, its pixel codes and the other
    pixels it names are traffic."""
    return _values_shown(page, masker)


def shown_pixel(pixel: Any, masker: Masker | None) -> Any:
    """A report's pixel entry as it may be printed: a pixel code can be anything a page sent
    (an email, once), and advanced matching quotes the identities the SDK received."""
    return _values_shown(pixel, masker)


def _values_shown(node: Any, masker: Masker | None) -> Any:
    """One of our own structures as it may be printed: every string in it, keys included
    (the live view keys a page's pixels by code), masked and scrubbed one by one. Unlike
    `redact_value` on a payload, our key names (`code`) never withhold a value."""
    if isinstance(node, dict):
        return {
            (redact_value(key, masker) if isinstance(key, str) else key): _values_shown(v, masker)
            for key, v in node.items()
        }
    if isinstance(node, list):
        return [_values_shown(item, masker) for item in node]
    return redact_value(node, masker)
