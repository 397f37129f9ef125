"""Build the report structure every output format renders (JSON contract version 1).

Every section passes through `pixelhelper.redact` on its way out; formatters only ever see
redacted structures, so no format can print a raw value by accident. `Report` yields the
sections one by one, and the events one at a time, so a JSON report of any size is written
without a second copy of the session in memory; `build_report` assembles them into one dict
for the formats that need the whole report at once (text, the interactive app).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pixelhelper.redact import Masker, redact_value, shown_finding, shown_page, shown_pixel
from pixelhelper.severity import SEVERITIES

if TYPE_CHECKING:
    from pixelhelper.audit import AuditResult

REPORT_VERSION = 1
INTERNAL_FIELDS = {"capture_time"}  # kept for the live views, never printed


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


def advanced_matching(events: Iterable[Any]) -> dict[str, Any]:
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
    for event in result.events.facts:
        if event.pixel_code:
            by_code.setdefault(event.pixel_code, []).append(event)
    out = []
    for code, (loads, events) in result.session.pixel_totals().items():
        seen = by_code.get(code)
        vendor = seen[0].vendor if seen else "tiktok"
        entry: dict[str, Any] = {"code": code, "vendor": vendor, "loads": loads,
                                 "events": events, "listed": listed[code]}  # fmt: skip
        matching = advanced_matching(by_code.get(code, []))
        if matching:
            entry["advanced_matching"] = matching
        out.append(entry)
    return out


def _summary(result: AuditResult) -> dict[str, Any]:
    severities = Counter(f.severity for f in result.findings)
    facts = result.events.facts
    kinds = Counter(e.kind for e in facts)
    return {
        "events": len(facts),
        "kinds": dict(kinds),
        "decode_errors": sum(1 for e in facts if e.decode_error),
        "findings": {s: severities.get(s, 0) for s in SEVERITIES},
        "source_errors": sum(len(s.errors) for s in result.sources),
    }


class Report:
    """The printable report of an audit, section by section.

    Args:
        result: The audit result.
        show_values: Keep raw sensitive values (credentials stay withheld).
    """

    def __init__(self, result: AuditResult, show_values: bool = False) -> None:
        self.result = result
        self.masker = None if show_values else Masker(result.findings)

    def sections(self) -> Iterator[tuple[str, Any]]:
        """(key, value) in report order; `events` is an iterator over the redacted events."""
        result = self.result
        yield "version", REPORT_VERSION
        yield "sources", [asdict(s) for s in result.sources]
        yield "pixels", [shown_pixel(pixel, self.masker) for pixel in _pixels(result)]
        yield "pages", [shown_page(page, self.masker) for page in _pages(result)]
        yield "events", self.events()
        yield "findings", [shown_finding(f.model_dump(mode="json"), self.masker)
                           for f in result.findings]  # fmt: skip
        yield "summary", _summary(result)
        if result.identity:  # `scan --fill`: what was typed, for a later `audit --identity`
            from pixelhelper.forms.report import shown_identity

            yield "identity", shown_identity(result.identity, self.masker)
        if result.forms:
            from pixelhelper.forms.report import shown_forms

            yield "forms", shown_forms(result.forms, self.masker)
        if result.consent:  # `--consent`: each mode, and each pixel in it
            from pixelhelper.consent.summary import consent_section

            yield "consent", shown_pixel(consent_section(result), self.masker)
        if result.journey is not None:  # `--journey`: each step, its hits and findings
            from pixelhelper.journey.summary import journey_section

            yield "journey", shown_pixel(journey_section(result), self.masker)

    def events(self) -> Iterator[dict[str, Any]]:
        """The events, each read back and redacted only when it is its turn."""
        for dumped in self.result.events.dumps():
            for name in INTERNAL_FIELDS:
                dumped.pop(name, None)
            shown: dict[str, Any] = redact_value(dumped, self.masker)
            yield shown


def build_report(result: AuditResult, show_values: bool = False) -> dict[str, Any]:
    """The whole printable (redacted) report of an audit result as one structure."""
    return {
        key: list(value) if key == "events" else value
        for key, value in Report(result, show_values).sections()
    }
