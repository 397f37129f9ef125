"""Inspection: sensitive-data detectors and setup rules over decoded events.

Pure functions over `PixelEvent` values; no I/O. `Inspector` bundles the options once and is
called per event (detectors, event rules) and once per session (session rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pixelhelper.inspect.identities import KnownIdentities
from pixelhelper.inspect.rules import (
    RULES,
    Rule,
    RuleContext,
    event_findings,
    session_findings,
)
from pixelhelper.inspect.sensitive import SensitiveDataDetector
from pixelhelper.models import Finding, PixelEvent
from pixelhelper.session import Session


def clear_caches() -> None:
    """Forget every memoised decomposition and verdict (benchmarks start each pass cold)."""
    from pixelhelper.inspect import detectors, fields, health, sensitive

    for cached in (fields._decompose_cached, fields.split_url, health.singular,
                   detectors._key_words, detectors._real_domain,
                   sensitive._url_path_words):  # fmt: skip
        cached.cache_clear()


def all_rules() -> dict[str, Rule]:
    """Every rule id a report can contain: setup rules, then sensitive-data detectors."""
    setup = {k: r for k, r in RULES.items() if r.scope != "detector"}
    detectors = {k: r for k, r in RULES.items() if r.scope == "detector"}
    return setup | detectors


@dataclass(frozen=True)
class InspectOptions:
    """Settings the detectors and rules need.

    Attributes:
        region: Default region (ISO 3166 alpha-2) for national phone numbers; None derives it
            from the page's country-code domain, falling back to US.
        known_identities: Path of a test-identities file (emails and phones), or None.
    """

    region: str | None = None
    known_identities: str | None = None


class Inspector:
    """Runs every detector and rule with one set of options."""

    def __init__(self, options: InspectOptions | None = None) -> None:
        self.options = options or InspectOptions()
        identities = None
        if self.options.known_identities:
            identities = KnownIdentities.from_file(
                self.options.known_identities, (self.options.region or "US").upper()
            )
        self.identities = identities
        self.sensitive = SensitiveDataDetector(self.options.region, identities)
        self.rule_context = RuleContext(identities=identities)

    def event(self, index: int, event: PixelEvent) -> list[Finding]:
        """Findings about a single event: sensitive data, then setup rules."""
        return self.sensitive.findings(index, event) + event_findings(
            index, event, self.rule_context
        )

    def session(self, events: Sequence[PixelEvent], session: Session) -> list[Finding]:
        """Findings that need the whole session (duplicates, missing events)."""
        return session_findings(events, session, self.rule_context)
