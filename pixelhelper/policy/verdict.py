"""Apply a policy to an audit: which findings fail, which are accepted, what is new.

A finding fails when it is not accepted by an active `[[ignore]]`, is new against the baseline
(when there is one), and either comes from the policy's own checks (category `policy`: the
policy asked for exactly this), or reaches the severity threshold, or is in a category or rule
the policy always fails on.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pixelhelper.policy import fingerprint
from pixelhelper.policy.checks import policy_findings
from pixelhelper.policy.globs import compile_field_glob, compile_glob
from pixelhelper.severity import SEVERITIES

if TYPE_CHECKING:
    from pixelhelper.audit import AuditResult
    from pixelhelper.models import Finding
    from pixelhelper.policy.model import Ignore, Policy
    from pixelhelper.store import EventFacts


@dataclass
class Outcome:
    """The verdict of a check, with indices into the result's (and report's) findings."""

    verdict: str
    threshold: str
    failing: list[int]
    ignored: list[int]
    fingerprints: list[str]
    new: list[int] = field(default_factory=list)
    baseline: dict[str, int] | None = None
    fixed: list[str] = field(default_factory=list)
    reasons: dict[int, str] = field(default_factory=dict)
    """Finding index -> the reason of the ignore that accepted it."""
    source: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The report's `policy` object."""
        counts = self.baseline or {"new": len(self.fingerprints), "fixed": 0, "unchanged": 0}
        return {
            "verdict": self.verdict,
            "failing": self.failing,
            "ignored": self.ignored,
            "baseline": counts,
            "against_baseline": self.baseline is not None,
            "fail_on": self.threshold,
            "file": self.source,
            "new": self.new,
            "fixed": self.fixed,
            "reasons": {str(index): reason for index, reason in self.reasons.items()},
        }


def evaluate(
    result: AuditResult,
    policy: Policy,
    *,
    fail_on: str | None = None,
    baseline: Counter[str] | None = None,
    today: dt.date | None = None,
    accept_current: bool = False,
) -> Outcome:
    """Add the policy's own findings to `result`, then judge every finding. With
    `accept_current` (writing a baseline) the current findings are the baseline."""
    today = today or dt.date.today()
    result.findings.extend(policy_findings(result, policy, today))
    facts = result.events.facts
    prints = fingerprint.of_findings(result.findings, facts)
    if accept_current:
        baseline = Counter(prints)
    threshold = policy.fails_at(fail_on)
    active = [entry for entry in policy.ignore if not entry.expired(today)]
    ignored, reasons, candidates = [], {}, []
    for index, item in enumerate(result.findings):
        accepted = _accepted_by(item, facts, active)
        if accepted is not None:
            ignored.append(index)
            reasons[index] = accepted.reason
        elif _fails(item, policy, threshold):
            candidates.append(index)
    new, counts, fixed = _against(prints, baseline)
    failing = [i for i in candidates if i in set(new)] if baseline is not None else candidates
    return Outcome(
        verdict="fail" if failing else "pass",
        threshold=threshold,
        failing=failing,
        ignored=ignored,
        fingerprints=prints,
        new=new,
        baseline=counts,
        fixed=fixed,
        reasons=reasons,
        source=policy.source,
    )


def _fails(item: Finding, policy: Policy, threshold: str) -> bool:
    if item.category == "policy":
        return True
    if SEVERITIES.index(item.severity) <= SEVERITIES.index(threshold):
        return True
    return item.category in policy.fail.categories or item.rule in policy.fail.rules


def _accepted_by(item: Finding, facts: list[EventFacts], active: list[Ignore]) -> Ignore | None:
    if item.rule == "expired-ignore":
        return None  # an expired ignore cannot be ignored away, only renewed
    page = (
        facts[item.event].page_url if item.event is not None and item.event < len(facts) else None
    )
    for entry in active:
        if SEVERITIES.index(item.severity) < SEVERITIES.index(entry.max_severity):
            continue  # above what this ignore may hide
        if entry.rule is not None and entry.rule != item.rule:
            continue
        if entry.category is not None and entry.category != item.category:
            continue
        if entry.page is not None and not compile_glob(entry.page).matches(page):
            continue
        if entry.field is not None and not compile_field_glob(entry.field).matches(item.location):
            continue
        return entry
    return None


def _against(
    prints: list[str], baseline: Counter[str] | None
) -> tuple[list[int], dict[str, int] | None, list[str]]:
    """(indices of new findings, the counts, fingerprints fixed since the baseline)."""
    if baseline is None:
        return list(range(len(prints))), None, []
    seen: Counter[str] = Counter()
    new = []
    for index, print_ in enumerate(prints):
        seen[print_] += 1
        if seen[print_] > baseline.get(print_, 0):
            new.append(index)
    fixed = sorted(fp for fp, count in baseline.items() if seen.get(fp, 0) < count)
    gone = sum(max(0, count - seen.get(fp, 0)) for fp, count in baseline.items())
    counts = {"new": len(new), "fixed": gone, "unchanged": len(prints) - len(new)}
    return new, counts, fixed
