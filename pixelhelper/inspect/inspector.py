"""The inspector: every detector and rule, run with one set of options."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pixelhelper.inspect import InspectOptions
from pixelhelper.inspect.identities import KnownIdentities
from pixelhelper.inspect.rules import RuleContext, event_findings, session_findings
from pixelhelper.inspect.sensitive import SensitiveDataDetector

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest
    from pixelhelper.models import Finding, PixelEvent
    from pixelhelper.session import Session
    from pixelhelper.store import EventFacts


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
        self.leaks = None
        if self.options.identity:
            from pixelhelper.forms.identity import load_identity
            from pixelhelper.inspect.leaks import LeakMatcher

            values = load_identity(self.options.identity).values()
            self.leaks = LeakMatcher(values, (self.options.region or "US").upper())
        self._typed_into = dict(self.options.typed_into)
        self.known_leaks = None
        if identities:  # the known identities, under any encoding too
            from pixelhelper.inspect.leaks import LeakMatcher

            kinds = {i: "email" if "@" in i else "phone" for i in identities.identities}
            region = (self.options.region or "US").upper()
            self.known_leaks = LeakMatcher({i: i for i in kinds}, region, kinds)

    def event(self, index: int, event: PixelEvent) -> list[Finding]:
        """Findings about a single event: sensitive data, then setup rules."""
        if not (self.leaks or self.known_leaks):  # the usual audit: the fields read once
            return self.sensitive.findings(index, event) + event_findings(
                index, event, self.rule_context
            )
        from pixelhelper.inspect.fields import event_fields
        from pixelhelper.inspect.rules.forms import known_identity_findings, leak_findings

        fields = list(event_fields(event))  # read once, for the detectors and the leak search
        found = self.sensitive.findings(index, event, fields)
        found += event_findings(index, event, self.rule_context)
        if self.leaks:
            found += leak_findings(index, fields, event, self.leaks, self._typed_into,
                                   self.options.submitted_at)  # fmt: skip
        if self.known_leaks:
            found = known_identity_findings(index, fields, event, self.known_leaks, found)
        return found

    def request_leaks(
        self, request: CapturedRequest, event: PixelEvent, found: list[Finding]
    ) -> list[Finding]:
        """`form-data-leak`s in what a request carries beside its events' fields: its URL and
        its headers (Referer, Cookie, any other), each identity field once per request."""
        from pixelhelper.inspect.rules.forms import request_leak_findings

        if self.leaks is None:
            return []
        return request_leak_findings(request, event, self.leaks, self._typed_into,
                                     self.options.submitted_at, found)  # fmt: skip

    def session(self, events: Sequence[EventFacts], session: Session) -> list[Finding]:
        """Findings that need the whole session (duplicates, missing events), from the
        events' facts (`store.EventFacts`)."""
        return session_findings(events, session, self.rule_context)
