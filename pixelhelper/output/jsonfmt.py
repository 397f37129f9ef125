"""`--format json` (one document) and `--format jsonl` (one record per line, for streaming).

The JSON document puts each top-level key on its own line and each element of its arrays
(sources, pixels, pages, events, findings) on one line: `jq` and `grep` read it as well as
the fully indented form, and it is written element by element with the C encoder, so a
report of any size costs one event's worth of memory to write. `--format jsonl` is written
while the capture is still being read: each event as it is decoded, with the findings of its
own checks; then per capture file its `source` record, the findings of the session checks,
and the summary.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pixelhelper.output.terminal import json_safe

if TYPE_CHECKING:
    from pixelhelper.models import Finding, PixelEvent
    from pixelhelper.report import Report

Write = Callable[[str], object]


def dumps(value: Any, indent: int | None = None) -> str:
    """JSON text that is safe on a terminal too (see `terminal.json_safe`)."""
    return json_safe(json.dumps(value, indent=indent, ensure_ascii=False))


def write_document(sections: Iterable[tuple[str, Any]], write: Write) -> None:
    """Write a JSON object: one key per line, one array element per line."""
    write("{")
    for position, (key, value) in enumerate(sections):
        write(("\n  " if position == 0 else ",\n  ") + dumps(key) + ": ")
        if isinstance(value, list | Iterator):
            count = 0
            for element in value:
                write(("[\n    " if count == 0 else ",\n    ") + dumps(element))
                count += 1
            write("\n  ]" if count else "[]")
        else:
            write(dumps(value))
    write("\n}\n")


def write_report(report: Report, write: Write) -> None:
    """The report as one JSON document, its events produced one at a time."""
    write_document(report.sections(), write)


def render_json(report: dict[str, Any], color: bool = False) -> str:
    """The whole report as one JSON document."""
    out = io.StringIO()
    write_document(report.items(), out.write)
    return out.getvalue()


def render_jsonl(report: dict[str, Any], color: bool = False) -> str:
    """A finished report as the records `--format jsonl` streams, in the same order."""
    out = io.StringIO()
    own: dict[int, list[Any]] = {}
    later = []
    for finding in report["findings"]:
        if finding.get("event") is None or _from_session_check(finding):
            later.append(finding)
        else:
            own.setdefault(finding["event"], []).append(finding)
    for index, event in enumerate(report["events"]):
        out.write(dumps(event_record(index, event, own.get(index, []))) + "\n")
    _write_tail(report["sources"], later, report, out.write)
    return out.getvalue()


def _from_session_check(finding: dict[str, Any]) -> bool:
    from pixelhelper.inspect import all_rules

    rule = all_rules().get(str(finding.get("rule")))
    return rule is not None and rule.scope == "session"


def _write_tail(
    sources: list[Any], findings: list[Any], report: dict[str, Any], write: Write
) -> None:
    for source in sources:
        write(dumps({"record": "source", **source}) + "\n")
    for finding in findings:
        write(dumps({"record": "finding", **finding}) + "\n")
    write(dumps({"record": "summary", "version": report["version"], **report["summary"]}) + "\n")


def event_record(index: int, event: dict[str, Any], findings: list[Any]) -> dict[str, Any]:
    """The `event` record: the event's fields and the findings of its own checks."""
    return {"record": "event", "index": index, **event, "findings": findings}


class JsonlStream:
    """Writes `--format jsonl` while the audit runs (`Audit(on_event=stream.event)`).

    Each event is masked with the values flagged so far, in it and in the events before it
    (the whole-report formats mask every event with every value of the session).
    """

    def __init__(self, write: Write, show_values: bool) -> None:
        self._write = write
        self._show_values = show_values
        self._flagged: dict[tuple[str, str], Finding] = {}

    def event(self, index: int, event: PixelEvent, findings: list[Finding]) -> None:
        """Write one decoded event and its own findings."""
        from pixelhelper.redact import Masker, redact_value, shown_finding
        from pixelhelper.report import INTERNAL_FIELDS

        masker = None
        if not self._show_values:
            for finding in findings:
                if finding.type == "sensitive" and finding.value and not finding.carrier:
                    self._flagged.setdefault((finding.category, finding.value), finding)
            masker = Masker([*self._flagged.values(), *findings])
        shown = redact_value(event.model_dump(mode="json", exclude=INTERNAL_FIELDS), masker)
        own = [shown_finding(f.model_dump(mode="json"), masker) for f in findings]
        self._write(dumps(event_record(index, shown, own)) + "\n")

    def finish(self, report: Report) -> None:
        """After the audit: each source, the session checks' findings, the summary."""
        sections = dict(report.sections())
        later = [f for f in sections["findings"] if _from_session_check(f)]
        _write_tail(sections["sources"], later, sections, self._write)
