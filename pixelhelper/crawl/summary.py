"""The end-of-crawl summary: sites crawled, with a TikTok pixel, with each sensitive
category, and errors by kind."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from pixelhelper.severity import SEVERITIES

CONSENT_RULES = ("pixel-after-reject", "gpc-ignored", "pixel-before-consent",
                 "consent-action-failed", "consent-banner-not-found")  # fmt: skip
_URL_HEAD = re.compile(r"^[a-z][a-z0-9+.-]*://\S*?: ", re.IGNORECASE)


def error_kind(error: str) -> str:
    """`timeout: ...` -> `timeout`; `HTTP 500 from the start page` -> `HTTP 500`; a page's
    problem (`https://site/: Page crashed`) by what happened, not by the URL's scheme."""
    error = _URL_HEAD.sub("", error, count=1)
    match = re.match(r"(HTTP \d{3})", error)
    if match:
        return match.group(1)
    network = re.search(r"net::(ERR_[A-Z_]+)", error)
    if network:
        return network.group(1)
    if re.search(r"\btimeout\b|Timeout \d+ms exceeded", error, re.IGNORECASE):
        return "timeout"
    head = error.split(":", 1)[0].strip()
    return head[:60] or "error"


def summarise(rows: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    categories: Counter[str] = Counter()
    for row in rows:
        for category in row.get("categories") or {}:
            categories[category] += 1
    errors = Counter(
        error_kind(str(r.get("error") or "")) for r in rows if r.get("status") == "error"
    )
    consent: Counter[str] = Counter()  # sites with each consent finding, in any mode
    for row in rows:
        given = row.get("consent")
        modes: dict[str, Any] = given if isinstance(given, dict) else {}
        fired = {rule for mode in modes.values() if isinstance(mode, dict)
                 for rule in mode.get("findings") or {} if rule in CONSENT_RULES}  # fmt: skip
        consent.update(fired)
    return {
        "out": str(out),
        "sites_by_consent_rule": {rule: consent[rule] for rule in CONSENT_RULES if consent[rule]},
        "sites": len(rows),
        "ok": sum(1 for r in rows if r.get("status") == "ok"),
        "with_pixel": sum(1 for r in rows if r.get("pixels")),
        "events": sum(int(r.get("events") or 0) for r in rows),
        "sites_by_category": dict(categories.most_common()),
        "errors": dict(errors.most_common()),
    }


def render_text(summary: dict[str, Any]) -> str:
    earlier = int(summary.get("earlier") or 0)
    resumed = f" ({earlier} of them from an earlier run, not visited again)" if earlier else ""
    lines = [
        f"crawled {summary['sites']} site(s) into {summary['out']}{resumed}: {summary['ok']} ok, "
        f"{summary['sites'] - summary['ok']} error(s)",
        f"  with a TikTok pixel: {summary['with_pixel']} ({summary['events']} pixel events)",
    ]
    for category, count in summary["sites_by_category"].items():
        lines.append(f"  with {category}: {count}")
    for rule, count in (summary.get("sites_by_consent_rule") or {}).items():
        lines.append(f"  with {rule}: {count}")
    for kind, count in summary["errors"].items():
        lines.append(f"  errors, {kind}: {count}")
    return "\n".join(lines) + "\n"


def render_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=1) + "\n"


def worst_severity(rows: list[dict[str, Any]], out: Path) -> str | None:
    """The worst finding severity over the sites' reports."""
    worst: str | None = None
    for row in rows:
        if not row.get("report"):
            continue
        try:
            report = json.loads((out / row["report"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for finding in report.get("findings") or []:
            severity = finding.get("severity")
            if severity in SEVERITIES and (
                worst is None or SEVERITIES.index(severity) < SEVERITIES.index(worst)
            ):
                worst = severity
    return worst
