"""Build the report structure every output format renders (JSON contract version 1).

The report is built once, then passed through `pixelhelper.redact`; formatters only ever see
the redacted structure, so no format can print a raw value by accident.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

from pixelhelper.audit import AuditResult
from pixelhelper.models import SEVERITIES
from pixelhelper.redact import redact_report

REPORT_VERSION = 1
_INTERNAL_FIELDS = {"capture_time"}


def _pages(result: AuditResult) -> list[dict[str, Any]]:
    return [
        {
            "url": page.url,
            "source": page.source,
            "visit": page.visit,
            "pixels": [
                {
                    "code": entry.code,
                    "loads": entry.loads,
                    "events": entry.events,
                    "listed": entry.listed,
                }
                for entry in page.pixels.values()
            ],  # fmt: skip
            "other": page.other,
        }
        for page in result.session.pages
    ]


def advanced_matching(events: list[Any]) -> dict[str, Any]:
    """The extension's advanced-matching status for one pixel: how often TikTok labelled each
    match key valid / invalid / missing, and how the SDK says it received each identity."""
    signals: dict[str, Counter[str]] = {}
    params: dict[str, set[str]] = {}
    for event in events:
        for key, verdict in (event.signal_diagnostics or {}).items():
            label = verdict.get("label") if isinstance(verdict, dict) else verdict
            signals.setdefault(str(key), Counter())[str(label)] += 1
        identity = (event.inspection or {}).get("identity_params")
        for key, tokens in identity.items() if isinstance(identity, dict) else []:
            values = tokens if isinstance(tokens, list) else [tokens]
            params.setdefault(str(key), set()).update(str(t) for t in values if t not in (None, ""))
    out: dict[str, Any] = {}
    if signals:
        out["signals"] = {key: dict(counts) for key, counts in signals.items()}
    if params:
        out["identity_params"] = {key: sorted(values) for key, values in params.items()}
    return out


def _pixels(result: AuditResult) -> list[dict[str, Any]]:
    listed: Counter[str] = Counter()
    for page in result.session.pages:
        for code, on_page in page.pixels.items():
            listed[code] += len(on_page.listed)
    by_code: dict[str, list[Any]] = {}
    for event in result.events:
        if event.pixel_code:
            by_code.setdefault(event.pixel_code, []).append(event)
    out = []
    for code, (loads, events) in result.session.pixel_totals().items():
        entry: dict[str, Any] = {"code": code, "loads": loads, "events": events,
                                 "listed": listed[code]}  # fmt: skip
        matching = advanced_matching(by_code.get(code, []))
        if matching:
            entry["advanced_matching"] = matching
        out.append(entry)
    return out


def _summary(result: AuditResult) -> dict[str, Any]:
    severities = Counter(f.severity for f in result.findings)
    kinds = Counter(e.kind for e in result.events)
    return {
        "events": len(result.events),
        "kinds": dict(kinds),
        "decode_errors": sum(1 for e in result.events if e.decode_error),
        "findings": {s: severities.get(s, 0) for s in SEVERITIES},
        "source_errors": sum(len(s.errors) for s in result.sources),
    }


def build_report(result: AuditResult, show_values: bool = False) -> dict[str, Any]:
    """Return the printable (redacted) report for an audit result.

    Args:
        result: The audit result.
        show_values: Keep raw sensitive values (credentials stay withheld).
    """
    raw = {
        "version": REPORT_VERSION,
        "sources": [asdict(s) for s in result.sources],
        "pixels": _pixels(result),
        "pages": _pages(result),
        "events": [e.model_dump(mode="json", exclude=_INTERNAL_FIELDS) for e in result.events],
        "findings": [f.model_dump(mode="json") for f in result.findings],
        "summary": _summary(result),
    }
    redacted: dict[str, Any] = redact_report(raw, result.findings, show_values)
    return redacted
