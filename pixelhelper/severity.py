"""The severity scale of findings, worst first (`--fail-on`, JSON `severity`, SARIF levels)."""

from __future__ import annotations

from typing import Literal

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
