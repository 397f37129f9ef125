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
            "pixels": [
                {"code": entry.code, "loads": entry.loads, "events": entry.events}
                for entry in page.pixels.values()
            ],
            "other": page.other,
        }
        for page in result.session.pages
    ]


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
        "pixels": [
            {"code": code, "loads": loads, "events": events}
            for code, (loads, events) in result.session.pixel_totals().items()
        ],
        "pages": _pages(result),
        "events": [e.model_dump(mode="json", exclude=_INTERNAL_FIELDS) for e in result.events],
        "findings": [f.model_dump(mode="json") for f in result.findings],
        "summary": _summary(result),
    }
    redacted: dict[str, Any] = redact_report(raw, result.findings, show_values)
    return redacted
