"""The rule registry: stable ids, severities, help texts, and the finding builder."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:  # listing the rules (`pixelhelper rules`) must not load the models
    from pixelhelper.inspect.identities import KnownIdentities
    from pixelhelper.models import Finding, PixelEvent
    from pixelhelper.session import Session
    from pixelhelper.severity import Severity
    from pixelhelper.store import EventFacts

Level = Literal["pixel", "event", "parameter", "consent"]
PIXEL_CODE = re.compile(r"^[0-9A-V]{19}[0G]$")
SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
ERROR_SEVERITIES = ("critical", "high")


class RuleContext(NamedTuple):
    """What rules may consult besides the events: the tester's known identities."""

    identities: KnownIdentities | None = None


EventCheck = Callable[[int, "PixelEvent", RuleContext], Iterable["Finding"]]
SessionCheck = Callable[[Sequence["EventFacts"], "Session", RuleContext], Iterable["Finding"]]


class Rule(NamedTuple):
    """A registered rule (or, with no check, a detector's descriptor for listings and SARIF)."""

    id: str
    severity: Severity
    summary: str
    help: str
    level: Level | str
    scope: Literal["event", "session", "detector"]
    check: Callable[..., Iterable[Finding]] | None = None
    vendor: str | None = "tiktok"
    """The vendor whose events it checks (`vendors`); None: every vendor's (the detectors,
    consent, forms, policy)."""


RULES: dict[str, Rule] = {}


def _clean_doc(doc: str) -> str:
    """`inspect.cleandoc`'s result without importing `inspect` (with `dataclasses`, which pulls
    it in too, 10 ms of the 20 that `pixelhelper rules` spends beyond the interpreter)."""
    first, _, rest = doc.expandtabs().partition("\n")
    return f"{first.strip()}\n{textwrap.dedent(rest)}".strip("\n")


def describe(rule_id: str, severity: Severity, summary: str, help_text: str, level: str) -> None:
    """Register a descriptor for findings produced elsewhere (the sensitive-data detectors), so
    every rule id a report can contain is listed by `pixelhelper rules`."""
    RULES.setdefault(
        rule_id, Rule(rule_id, severity, summary, help_text, level, "detector", vendor=None)
    )


def _register(
    rule_id: str,
    severity: Severity,
    summary: str,
    level: Level,
    scope: Literal["event", "session"],
    vendor: str | None,
) -> Callable[[Callable[..., Iterable[Finding]]], Callable[..., Iterable[Finding]]]:
    def decorate(func: Callable[..., Iterable[Finding]]) -> Callable[..., Iterable[Finding]]:
        if rule_id in RULES:
            raise ValueError(f"duplicate rule id {rule_id}")
        help_text = _clean_doc(func.__doc__ or summary)
        RULES[rule_id] = Rule(rule_id, severity, summary, help_text, level, scope, func, vendor)
        return func

    return decorate


def event_rule(
    rule_id: str, severity: Severity, summary: str, level: Level, vendor: str | None = "tiktok"
) -> Callable[[EventCheck], EventCheck]:
    """Register a rule over single events (of `vendor`'s pixel; None: any vendor's)."""
    return _register(rule_id, severity, summary, level, "event", vendor)


def session_rule(
    rule_id: str, severity: Severity, summary: str, level: Level, vendor: str | None = "tiktok"
) -> Callable[[SessionCheck], SessionCheck]:
    """Register a rule over the whole session (its `vendor`'s events; None: all)."""
    return _register(rule_id, severity, summary, level, "session", vendor)


def finding(
    rule_id: str,
    event: int | None,
    pixel_code: str | None,
    location: str,
    message: str,
    value: Any = None,
    severity: Severity | None = None,
) -> Finding:
    """Build a setup finding for a registered rule."""
    import json  # here, not at the top: `pixelhelper rules` never builds a finding

    from pixelhelper.models import Finding

    rule = RULES[rule_id]
    shown = value if value is None or isinstance(value, str) else json.dumps(value)
    return Finding(
        event=event,
        type="setup",
        rule=rule_id,
        category=str(rule.level),
        severity=severity or rule.severity,
        location=location,
        value=shown,
        message=message,
        pixel_code=pixel_code,
    )


def event_findings(index: int, event: PixelEvent, ctx: RuleContext) -> list[Finding]:
    """Every event rule's findings for one event."""
    out: list[Finding] = []
    vendor = event.vendor
    for rule in RULES.values():
        if (
            rule.scope == "event"
            and rule.check is not None
            and (rule.vendor is None or rule.vendor == vendor)
        ):
            out.extend(rule.check(index, event, ctx))
    return out


def session_findings(
    events: Sequence[EventFacts], session: Session, ctx: RuleContext
) -> list[Finding]:
    """Every session rule's findings, from the events' facts. A vendor's rule sees the other
    vendors' events as blanks (`vendor_view`), so its indices stay the session's."""
    out: list[Finding] = []
    views: dict[str, tuple[Sequence[EventFacts], Session]] = {}
    for rule in RULES.values():
        if rule.scope == "session" and rule.check is not None:
            if rule.vendor is None:
                out.extend(rule.check(events, session, ctx))
                continue
            if rule.vendor not in views:
                views[rule.vendor] = vendor_view(events, session, rule.vendor)
            seen, visits = views[rule.vendor]
            if seen:
                out.extend(rule.check(seen, visits, ctx))
    return out


def vendor_view(
    events: Sequence[EventFacts], session: Session, vendor: str
) -> tuple[Sequence[EventFacts], Session]:
    """The session as one vendor's rules see it: the others' events blanked (no pixel, no
    name, kind `foreign`), and the page visits rebuilt from that. Empty when the vendor sent
    nothing; the session itself when only it did (the usual audit: nothing copied)."""
    mine = sum(1 for e in events if e.vendor == vendor)
    if mine == len(events):
        return events, session
    if not mine:
        return (), session
    from dataclasses import replace

    from pixelhelper.session import Session as Visits

    blank = [e if e.vendor == vendor else replace(e, kind="foreign", pixel_code=None,
             pixel_codes=(), event=None, event_id=None, raw_codes="") for e in events]  # fmt: skip
    visits = Visits()
    for index, facts in enumerate(blank):
        visits.add(index, facts)
    return blank, visits
