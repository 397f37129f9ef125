"""The CI gate over an audit: apply the policy and build the judged report every format prints."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pixelhelper.policy.verdict import Outcome, evaluate

if TYPE_CHECKING:
    from collections import Counter

    from pixelhelper.audit import AuditResult
    from pixelhelper.policy.model import Policy


def judged_report(
    result: AuditResult,
    policy: Policy,
    *,
    fail_on: str | None = None,
    baseline: Counter[str] | None = None,
    accept_current: bool = False,
    show_values: bool = False,
    today: dt.date | None = None,
) -> tuple[dict[str, Any], Outcome]:
    """The redacted report with a `fingerprint` on each finding and the `policy` object."""
    from pixelhelper.report import build_report

    outcome = evaluate(result, policy, fail_on=fail_on, baseline=baseline, today=today,
                       accept_current=accept_current)  # fmt: skip
    report = build_report(result, show_values=show_values)
    for item, fingerprint in zip(report["findings"], outcome.fingerprints, strict=True):
        item["fingerprint"] = fingerprint
    report["policy"] = outcome.as_json()
    return report, outcome
