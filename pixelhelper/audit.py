"""The pipeline: sources -> recognise -> decode -> inspect -> session, as one streaming pass.

`Audit` consumes requests one at a time, so the proxy addon and the file audit share it; the
only thing it accumulates is the events (compactly, see `store`) and findings the report
needs. A caller that prints as it goes (`--format jsonl`) passes `on_event` and keeps only
the events' facts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pixelhelper.decode import decode_request
from pixelhelper.firstparty import may_carry_payload, recognise_payload
from pixelhelper.inspect import InspectOptions, Inspector
from pixelhelper.recognise import load_vendors, recognise
from pixelhelper.session import Session
from pixelhelper.sources import Meter, SourceStats, expand_paths, read_requests
from pixelhelper.store import EventFacts, EventStore, FindingCompactor

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest
    from pixelhelper.consent.timeline import ModeLog, Timeline
    from pixelhelper.journey.log import JourneyLog
    from pixelhelper.models import Finding, PixelEvent


@dataclass
class AuditResult:
    """Everything a report shows. Findings refer to events by index into `events`."""

    sources: list[SourceStats] = field(default_factory=list)
    events: EventStore = field(default_factory=EventStore)
    findings: list[Finding] = field(default_factory=list)
    session: Session = field(default_factory=Session)
    forms: list[dict[str, Any]] = field(default_factory=list)
    """`scan --fill`: the fields found and typed into, page by page (values as typed)."""
    identity: dict[str, Any] | None = None
    """`scan --fill`: the test identity typed (`file`, and its `values` as typed)."""
    consent: list[ModeLog] = field(default_factory=list)
    """`--consent`: what happened in each mode (the report's `consent` section)."""
    journey: JourneyLog | None = None
    """`--journey`: what each step did, and when (the report's `journey` section)."""

    @property
    def has_errors(self) -> bool:
        """True when some input could not be read completely."""
        return any(source.errors for source in self.sources)


OnEvent = Callable[[int, "PixelEvent", list["Finding"]], None]


class Audit:
    """Incremental audit: feed requests, then `finish()` for session-level checks.

    Args:
        options: Detector and rule settings.
        on_event: Called with each recorded event and its findings (streaming outputs); the
            audit then keeps only the events' facts, not the events themselves.
    """

    def __init__(
        self, options: InspectOptions | None = None, on_event: OnEvent | None = None
    ) -> None:
        load_vendors()  # before any capture is read: their host markers pick the candidates
        self.inspector = Inspector(options)
        self.result = AuditResult(events=EventStore(keep=on_event is None))
        self.on_event = on_event
        self._compact = FindingCompactor()
        self.timeline: Timeline | None = None
        self.journey: JourneyLog | None = None

    def add_journey(self, log: JourneyLog) -> None:
        """The journey whose traffic is audited: each event gets the step it was sent in."""
        self.journey = self.result.journey = log

    def add_consent(self, logs: list[ModeLog]) -> None:
        """What happened in each consent mode of the visits being audited (`--consent`): each
        event is placed in its mode by its capture time."""
        from pixelhelper.consent.timeline import Timeline

        if logs:
            self.timeline = Timeline([*(self.timeline.logs if self.timeline else []), *logs])

    def add_request(self, request: CapturedRequest, stats: SourceStats | None = None) -> list[int]:
        """Decode and inspect one request; return the indices of the events it produced."""
        return self.record(self.prepare(request, stats))

    def prepare(
        self, request: CapturedRequest, stats: SourceStats | None = None
    ) -> list[tuple[PixelEvent, list[Finding]]]:
        """Decode and inspect one request without recording it: the expensive, stateless half
        of `add_request`, which the live proxy runs off its event loop for large bodies."""
        recognition = recognise(request.method, request.url)
        if recognition is None and may_carry_payload(request.method, request.body, request.url):
            recognition = recognise_payload(request.method, request.url, request.body,
                                            request.header("content-encoding"))  # fmt: skip
        if recognition is None:
            return []
        if stats is not None:
            stats.pixel_requests += 1
        events = decode_request(request, recognition)
        if self.timeline is not None or request.header("sec-gpc") == "1":
            events = self._with_consent(request, events)
        if self.journey is not None:
            step = self.journey.step_at(request.timestamp)
            for event in events:
                event.step = step
        prepared = [(event, self.inspector.event(-1, event)) for event in events]
        if prepared and self.inspector.leaks:  # the request's own headers and URL too
            event, found = prepared[0]
            found += self.inspector.request_leaks(request, event, found)
        return prepared

    def _with_consent(self, request: CapturedRequest, events: list[PixelEvent]) -> list[PixelEvent]:
        from pixelhelper.consent.timeline import Timeline

        timeline = self.timeline or Timeline()
        gpc = request.header("sec-gpc") == "1"
        consent = timeline.consent(request.timestamp, gpc, request.listen_port)
        for event in events:
            event.consent = consent
        return events

    def record(self, prepared: list[tuple[PixelEvent, list[Finding]]]) -> list[int]:
        """Append prepared events and their findings; return the events' indices."""
        added = []
        for event, findings in prepared:
            self.result.events.append(event)
            added.append(self._place(event, findings))
            if self.on_event is not None:
                self.on_event(added[-1], event, findings)
        return added

    def record_packed(self, packed: list[tuple[EventFacts, bytes, list[Finding]]]) -> list[int]:
        """`record` for events packed where they were decoded (`store.pack`)."""
        added = []
        for facts, stored, findings in packed:
            self.result.events.append_packed(facts, stored)
            added.append(self._place(self.result.events.facts[-1], findings))
            if self.on_event is not None:
                self.on_event(added[-1], self.result.events[added[-1]], findings)
        return added

    def _place(self, event: PixelEvent | EventFacts, findings: list[Finding]) -> int:
        """Put the event just stored on its page visit and number its findings."""
        index = len(self.result.events) - 1
        self.result.session.add(index, event)
        for finding in findings:
            finding.event = index
            self._compact(finding)
        self.result.findings.extend(findings)
        return index

    def add_event(self, event: PixelEvent) -> int:
        """Record an already decoded event and run the per-event checks on it."""
        return self.record([(event, self.inspector.event(-1, event))])[0]

    def finish(self) -> AuditResult:
        """Run the session-level checks once all events are in, and return the result."""
        self.result.findings.extend(
            self.inspector.session(self.result.events.facts, self.result.session)
        )
        if self.timeline is not None:
            from pixelhelper.inspect.rules.consent import mode_findings

            self.result.consent = list(self.timeline.logs)
            self.result.findings.extend(mode_findings(self.timeline.logs))
        if self.journey is not None:
            facts = self.result.events.facts
            for finding in self.result.findings:
                if finding.event is not None and 0 <= finding.event < len(facts):
                    finding.step = facts[finding.event].step
        return self.result

    def finish_copy(self) -> AuditResult:
        """The result as `finish` would give it now, leaving the audit open for more events
        (a live session written before it ends)."""
        session_findings = self.inspector.session(self.result.events.facts, self.result.session)
        return AuditResult(
            sources=list(self.result.sources),
            events=self.result.events.copy(),
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


def audit_paths(
    paths: Iterable[str | Path],
    options: InspectOptions | None = None,
    *,
    fast: bool = True,
    on_event: OnEvent | None = None,
    meter: Meter | None = None,
) -> AuditResult:
    """Audit capture files and directories; unreadable ones are recorded, never fatal.

    `fast=False` reads flow files with mitmproxy's reader alone (the reference path);
    `on_event` streams the events out as they are decoded (see `Audit`); `meter` follows the
    progress (`capture_bytes` is its total).
    """
    audit = Audit(options, on_event)
    meter = meter if meter is not None else Meter()
    for path, error in expand_paths(paths):
        stats = SourceStats(str(path))
        audit.result.sources.append(stats)
        if error:
            stats.errors.append(error)
            continue
        if path.suffix.lower() == ".json" and add_report(audit, path, stats):
            continue
        _add_sidecar(audit, path, stats)
        meter.current, meter.position = stats, 0
        for request in read_requests(path, stats, fast=fast, meter=meter):
            audit.add_request(request, stats)
            meter.events = len(audit.result.events)
        meter.current = None
        meter.flows += stats.flows
        meter.done += _size(path)
        meter.position = 0
    return audit.finish()


def _add_sidecar(audit: Audit, path: Path, stats: SourceStats) -> None:
    """What a scan saved beside its capture, if anything: the consent modes' logs
    (`--consent`) and the journey's (`--journey`)."""
    from pixelhelper.consent import timeline
    from pixelhelper.errors import ConfigError
    from pixelhelper.journey import log

    try:
        if (found := timeline.sidecar(path)).is_file():
            audit.add_consent(timeline.read(found))
        if (found := log.sidecar(path)).is_file():
            audit.add_journey(log.read(found))
    except ConfigError as exc:
        stats.errors.append(str(exc))


def add_report(audit: Audit, path: Path, stats: SourceStats) -> bool:
    """Record the events of a pixelhelper JSON report with the findings it holds for each
    (a report keeps no raw request to inspect again; its values are as it printed them).
    The session checks run again over them in `finish`. False if `path` is no report."""
    from pixelhelper.errors import ConfigError
    from pixelhelper.inspect import all_rules
    from pixelhelper.models import Finding, PixelEvent
    from pixelhelper.reportfile import looks_like_report, read_report

    try:
        if not looks_like_report(path):
            return False
        document = read_report(path)
    except ConfigError as exc:
        stats.errors.append(str(exc))
        return True
    if document is None:
        return False
    fields = set(Finding.model_fields)
    rules = all_rules()
    again = {r.id for r in rules.values() if r.scope == "session" or r.level == "policy"}
    again |= _restore_consent(audit, document.get("consent"))
    _restore_journey(audit, document.get("journey"))
    own: dict[int, list[Finding]] = {}
    for item in document.get("findings") or []:
        number = item.get("event")
        if isinstance(number, int) and item.get("rule") not in again:  # those run again
            own.setdefault(number, []).append(
                Finding.model_validate({k: v for k, v in item.items() if k in fields})
            )
    for number, item in enumerate(document.get("events") or []):
        stats.flows += 1
        stats.pixel_requests += 1
        audit.record([(PixelEvent.model_validate(item), own.get(number, []))])
    return True


def _restore_consent(audit: Audit, section: Any) -> set[str]:
    """The modes a report's `consent` section names, back as logs (without times: its events
    keep the consent they were printed with); the findings a mode makes by itself are made
    again from them, so they are not taken from the report too."""
    from pixelhelper.consent.timeline import ModeLog

    logs = []
    for entry in section if isinstance(section, list) else []:
        try:
            logs.append(ModeLog(
                mode=entry.get("mode"), started=0.0, ended=0.0, cmp=entry.get("cmp"),
                banner_at=0.0 if entry.get("banner") else None,
                choice_at=0.0 if entry.get("action") in ("opted-out", "opted-in") else None,
                action=entry.get("action") or "none",
            ))  # fmt: skip
        except (AttributeError, ValueError):
            continue  # not a mode this version knows
    audit.add_consent(logs)
    return {"consent-banner-not-found", "consent-action-failed"} if logs else set()


def _restore_journey(audit: Audit, section: Any) -> None:
    """The journey a report's `journey` section names, back as a log (without times: its
    events keep the steps they were printed with)."""
    from pydantic import ValidationError

    from pixelhelper.journey.log import JourneyLog

    if isinstance(section, dict):
        # not a journey this version knows: its events keep their steps
        with contextlib.suppress(ValidationError):
            audit.add_journey(JourneyLog.model_validate(section))


def capture_bytes(paths: Iterable[str | Path]) -> int:
    """Total size of the capture files an audit of `paths` reads (for a progress bar)."""
    return sum(_size(path) for path, error in expand_paths(paths) if error is None)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
