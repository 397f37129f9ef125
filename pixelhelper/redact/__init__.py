"""The one place where report values are masked. Every output format goes through it.

CI logs are often public, so sensitive values are masked by default and credentials are
withheld always, even with `--show-values`. Masking works on the finished report (a plain
JSON-able structure): each raw value a finding flagged is replaced wherever it appears (event
fields, payloads, URLs, percent-encoded copies); a field whose text holds the value only in an
encoded form (base64, nested JSON) is withheld whole.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from pixelhelper.models import Finding

CREDENTIAL = "<redacted credential>"
_CREDENTIAL_KEYS = re.compile(
    r"^(?:access[-_]?token|authorization|proxy-authorization|password|passwd|pwd|secret"
    r"|client[-_]?secret|api[-_]?key|apikey|auth[-_]?token|refresh[-_]?token|id[-_]?token"
    r"|bearer|x-api-key|set-cookie)$",
    re.IGNORECASE,
)


def is_credential_key(key: str) -> bool:
    """True for keys whose values are credentials and must never be printed."""
    return bool(_CREDENTIAL_KEYS.match(key))


# --------------------------------------------------------------------------- masks per category


def _mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _mask_digits(value: str, keep_start: int, keep_end: int) -> str:
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    keep = set(digits[:keep_start]) | set(digits[len(digits) - keep_end :])
    return "".join("*" if i in digits and i not in keep else ch for i, ch in enumerate(value))


def _mask_phone(value: str) -> str:
    stripped = value.strip()
    if stripped.startswith("+"):
        country = re.match(r"\+\d{1,3}", stripped)
        cc = len(country.group(0)) - 1 if country else 1
        return _mask_digits(stripped, min(cc, 2), 2)
    return _mask_digits(stripped, 0, 2)


def _mask_card(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    middle = len(digits) - 8
    groups = [digits[:4], *(["****"] * max(1, (middle + 3) // 4)), digits[-4:]]
    return " ".join(groups)


def _mask_ip(value: str) -> str:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return "***"
    if address.version == 4:
        return ".".join(value.strip().split(".")[:3]) + ".*"
    return value.strip().split(":")[0] + ":*"


def _mask_words(value: str) -> str:
    return " ".join(f"{word[:1]}***" for word in value.split()) or "***"


def mask(value: str, category: str) -> str:
    """Return the display form of a sensitive value: enough to recognise it, not to reuse it."""
    if category == "email":
        return _mask_email(value)
    if category == "phone":
        return _mask_phone(value)
    if category == "card_number":
        return _mask_card(value)
    if category == "national_id":
        return _mask_digits(value, 0, 4)
    if category == "ip_address":
        return _mask_ip(value)
    if category in ("person_name", "street_address"):
        return _mask_words(value)
    if category in ("date_of_birth", "precise_location"):
        return _mask_digits(value, 2, 0)
    if category == "hashed_identity":
        return value[:8] + "…" if len(value) > 8 else value
    if category == "health":
        return value  # a lexicon term, not a personal value: auditors need to see which one
    return "***"


# --------------------------------------------------------------------------- credentials


def scrub_url(url: str) -> str:
    """Withhold credential query parameters (access_token=, api_key=...) from a URL."""
    if "?" not in url:
        return url
    try:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return url
    if not any(is_credential_key(name) for name, _ in pairs):
        return url
    clean = [(n, CREDENTIAL if is_credential_key(n) else v) for n, v in pairs]
    return urlunsplit(parts._replace(query=urlencode(clean, safe="<> ")))


def _scrub_credentials(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: CREDENTIAL if is_credential_key(str(key)) and value else _scrub_credentials(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_scrub_credentials(item) for item in node]
    if isinstance(node, str) and "://" in node and "?" in node:
        return scrub_url(node)
    return node


# --------------------------------------------------------------------------- value masking


class Masker:
    """Replaces every flagged raw value (and its encoded copies) inside a structure.

    Reports use the default replacement (`mask`); the proxy's redact mode passes one that
    removes the value entirely before the request is forwarded.
    """

    def __init__(
        self,
        findings: Iterable[Finding],
        replacement: Callable[[Finding], str] | None = None,
    ) -> None:
        table: dict[str, str] = {}
        carriers: dict[str, str] = {}
        for finding in findings:
            if finding.type != "sensitive" or not finding.value:
                continue
            masked = replacement(finding) if replacement else mask(finding.value, finding.category)
            if masked == finding.value:
                continue
            variants = _variants(finding.value)
            for variant in variants:
                table.setdefault(variant, masked)
            if finding.carrier and not any(v in finding.carrier for v in variants):
                carriers[finding.carrier] = (
                    masked if replacement else f"<redacted {finding.category}>"
                )
        self._table = table
        self._carriers = carriers
        keys = sorted(table, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, keys))) if keys else None

    def text(self, value: str) -> str:
        """Mask one string."""
        if value in self._carriers:
            return self._carriers[value]
        if self._pattern is None:
            return value
        return self._pattern.sub(lambda m: self._table[m.group(0)], value)

    def apply(self, node: Any) -> Any:
        """Mask every string in a JSON-able structure (keys included)."""
        if isinstance(node, dict):
            return {
                (self.text(k) if isinstance(k, str) else k): self.apply(v) for k, v in node.items()
            }
        if isinstance(node, list):
            return [self.apply(item) for item in node]
        if isinstance(node, str):
            return self.text(node)
        return node


def _variants(value: str) -> set[str]:
    variants = {value, quote(value, safe=""), quote_plus(value, safe=""), quote(value)}
    variants |= {v.replace("%40", "%40".lower()) for v in variants}
    lower_hex = {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), v) for v in variants}
    return {v for v in variants | lower_hex if v}


def redact_report(report: dict[str, Any], findings: Iterable[Finding], show_values: bool) -> Any:
    """Return the report as it may be printed: credentials always withheld, values masked
    unless `show_values`.

    Args:
        report: A JSON-able report whose findings still hold raw values.
        findings: The findings whose values are to be masked.
        show_values: Print raw sensitive values (never credentials).
    """
    cleaned = _scrub_credentials(report)
    if show_values:
        return cleaned
    return Masker(findings).apply(cleaned)
