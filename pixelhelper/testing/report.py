"""`pixel_report`: the audit of the pixel traffic one test caused, for its assertions.

def test_checkout_sends_no_email(page, pixel_report):
    page.goto("https://shop.test/checkout")
    page.fill("#email", "jane@example.com")
    page.click("text=Place order")
    assert not pixel_report.findings(category="email")
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pixelhelper.audit import AuditResult
    from pixelhelper.models import Finding, PixelEvent
    from pixelhelper.testing.capture import PixelProxy


class PixelReport:
    """The test's traffic, audited when asked (again if more came since)."""

    def __init__(self, proxy: PixelProxy, options: Any = None) -> None:
        self.proxy = proxy
        self.options = options
        self.start = proxy.position()
        self._result: AuditResult | None = None
        self._read_to = -1

    @property
    def result(self) -> AuditResult:
        """The audit of everything the proxy saw since the test began."""
        from pixelhelper.audit import Audit, audit_paths

        with tempfile.TemporaryDirectory(prefix="pixelhelper-test-") as work:
            part = Path(work) / "test.flow"
            if not self.proxy.traffic_since(self.start, part):
                if self._result is None:
                    self._result = Audit(self.options).finish()
                return self._result
            size = part.stat().st_size
            if self._result is None or size != self._read_to:
                self._result, self._read_to = audit_paths([part], self.options), size
        return self._result

    def findings(
        self,
        category: str | None = None,
        rule: str | None = None,
        severity: str | None = None,
        pixel: str | None = None,
        show_values: bool = False,
    ) -> list[Finding]:
        """The findings, those of a category (`email`, `phone`, `health`...), rule, severity
        or pixel code only when given. Their values are masked (a failing assertion prints
        them into a CI log) unless `show_values`."""
        from pixelhelper.models import Finding
        from pixelhelper.redact import Masker, shown_finding

        result = self.result
        chosen = [
            f
            for f in result.findings
            if (category is None or f.category == category)
            and (rule is None or f.rule == rule)
            and (severity is None or f.severity == severity)
            and (pixel is None or f.pixel_code == pixel)
        ]
        if show_values:
            return chosen
        masker = Masker(result.findings)
        return [
            Finding.model_validate(shown_finding(f.model_dump(mode="json"), masker)) for f in chosen
        ]

    def events(self, name: str | None = None) -> list[PixelEvent]:
        """The pixel events sent (named `name` only, when given)."""
        events = self.result.events
        return [e for e in (events[i] for i in range(len(events))) if name in (None, e.event)]

    def report(self, show_values: bool = False) -> dict[str, Any]:
        """The printable report (JSON structure; values masked unless `show_values`)."""
        from pixelhelper.report import build_report

        return build_report(self.result, show_values)

    def summary(self) -> str:
        """One line per finding, values masked: for an assertion's message."""
        rows = [f"{f.severity} {f.rule} ({f.category}) {f.location}: {f.value}"
                for f in self.findings()]  # fmt: skip
        return "\n".join(rows) or "no findings"
