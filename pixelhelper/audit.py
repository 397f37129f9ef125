"""The pipeline: sources -> recognise -> decode -> inspect -> session, as one streaming pass.

`Audit` consumes requests one at a time, so the proxy addon and the file audit share it; the
only thing it accumulates is the decoded events and findings the report needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pixelhelper.capture import CapturedRequest
from pixelhelper.decode import decode_request
from pixelhelper.inspect import InspectOptions, Inspector
from pixelhelper.models import Finding, PixelEvent
from pixelhelper.recognise import recognise
from pixelhelper.session import Session
from pixelhelper.sources import SourceStats, expand_paths, read_requests


@dataclass
class AuditResult:
    """Everything a report shows. Findings refer to events by index into `events`."""

    sources: list[SourceStats] = field(default_factory=list)
    events: list[PixelEvent] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    session: Session = field(default_factory=Session)

    @property
    def has_errors(self) -> bool:
        """True when some input could not be read completely."""
        return any(source.errors for source in self.sources)


class Audit:
    """Incremental audit: feed requests, then `finish()` for session-level checks."""

    def __init__(self, options: InspectOptions | None = None) -> None:
        self.inspector = Inspector(options)
        self.result = AuditResult()

    def add_request(self, request: CapturedRequest, stats: SourceStats | None = None) -> list[int]:
        """Decode and inspect one request; return the indices of the events it produced."""
        return self.record(self.prepare(request, stats))

    def prepare(
        self, request: CapturedRequest, stats: SourceStats | None = None
    ) -> list[tuple[PixelEvent, list[Finding]]]:
        """Decode and inspect one request without recording it: the expensive, stateless half
        of `add_request`, which the live proxy runs off its event loop for large bodies."""
        recognition = recognise(request.method, request.url)
        if recognition is None:
            return []
        if stats is not None:
            stats.pixel_requests += 1
        return [
            (event, self.inspector.event(-1, event))
            for event in decode_request(request, recognition)
        ]

    def record(self, prepared: list[tuple[PixelEvent, list[Finding]]]) -> list[int]:
        """Append prepared events and their findings; return the events' indices."""
        added = []
        for event, findings in prepared:
            index = len(self.result.events)
            self.result.events.append(event)
            self.result.session.add(index, event)
            for finding in findings:
                finding.event = index
            self.result.findings.extend(findings)
            added.append(index)
        return added

    def add_event(self, event: PixelEvent) -> int:
        """Record an already decoded event and run the per-event checks on it."""
        return self.record([(event, self.inspector.event(-1, event))])[0]

    def finish(self) -> AuditResult:
        """Run the session-level checks once all events are in, and return the result."""
        self.result.findings.extend(self.inspector.session(self.result.events, self.result.session))
        return self.result

    def finish_copy(self) -> AuditResult:
        """The result as `finish` would give it now, leaving the audit open for more events
        (a live session written before it ends)."""
        session_findings = self.inspector.session(self.result.events, self.result.session)
        return AuditResult(
            sources=list(self.result.sources),
            events=list(self.result.events),
            findings=[*self.result.findings, *session_findings],
            session=self.result.session,
        )


def audit_requests(
    requests: Iterable[CapturedRequest], options: InspectOptions | None = None
) -> AuditResult:
    """Audit an iterable of plain requests (no files): handy for tests and embedding."""
    audit = Audit(options)
    for request in requests:
        audit.add_request(request)
    return audit.finish()


def audit_paths(paths: Iterable[str | Path], options: InspectOptions | None = None) -> AuditResult:
    """Audit capture files and directories; unreadable ones are recorded, never fatal."""
    audit = Audit(options)
    for path, error in expand_paths(paths):
        stats = SourceStats(str(path))
        audit.result.sources.append(stats)
        if error:
            stats.errors.append(error)
            continue
        for request in read_requests(path, stats):
            audit.add_request(request, stats)
    return audit.finish()
