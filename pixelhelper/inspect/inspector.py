"""The inspector: every detector and rule, run with one set of options."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pixelhelper.inspect import InspectOptions
from pixelhelper.inspect.identities import KnownIdentities
from pixelhelper.inspect.rules import RuleContext, event_findings, session_findings
from pixelhelper.inspect.sensitive import SensitiveDataDetector

if TYPE_CHECKING:
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

    def event(self, index: int, event: PixelEvent) -> list[Finding]:
        """Findings about a single event: sensitive data, then setup rules."""
        return self.sensitive.findings(index, event) + event_findings(
            index, event, self.rule_context
        )

    def session(self, events: Sequence[EventFacts], session: Session) -> list[Finding]:
        """Findings that need the whole session (duplicates, missing events), from the
        events' facts (`store.EventFacts`)."""
        return session_findings(events, session, self.rule_context)
