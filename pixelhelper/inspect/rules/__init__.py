"""Setup rules: is the pixel installed and are its events and parameters right?

Each rule is a small function registered with a stable id, a severity, a one-line summary and a
help text (its docstring), the way bandit registers plugins. Event rules see one event; session
rules see every event and the page/pixel grouping, so they can find duplicates and missing
events. Findings are plain data (`type: "setup"`, the rule id in `rule`, the Pixel Helper level
`pixel` / `event` / `parameter` in `category`). `pixelhelper rules` prints this registry.

The rules live by what they check: `pixel` (installation), `events` (names, ids, times),
`params` (value, currency, contents), `identity` (advanced matching), `dedup` (duplicates
across a session); `registry` holds the registry and `reference` TikTok's own lists.
"""

from __future__ import annotations

from pixelhelper.inspect.rules import (  # noqa: F401  (registration)
    consent,
    dedup,
    events,
    firstparty,
    forms,
    identity,
    params,
    pixel,
    policy,
    sensitive,
)
from pixelhelper.inspect.rules.reference import Reference, reference
from pixelhelper.inspect.rules.registry import (
    ERROR_SEVERITIES,
    PIXEL_CODE,
    RULES,
    Rule,
    RuleContext,
    describe,
    event_findings,
    finding,
    session_findings,
)

__all__ = [
    "ERROR_SEVERITIES",
    "PIXEL_CODE",
    "RULES",
    "Reference",
    "Rule",
    "RuleContext",
    "describe",
    "event_findings",
    "finding",
    "reference",
    "session_findings",
]


def _vendor_rules() -> None:
    """Every installed vendor's setup rules (the Meta Pixel's, a third party's) beside
    TikTok's: listed by `pixelhelper rules`, each applied to its own vendor's events."""
    from pixelhelper.vendors import load_rules

    load_rules()


_vendor_rules()
