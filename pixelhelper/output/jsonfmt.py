"""`--format json` (one document) and `--format jsonl` (one record per line, for streaming).

The JSON document puts each top-level key on its own line and each element of its arrays
(sources, pixels, pages, events, findings) on one line: `jq` and `grep` read it as well as
the fully indented form, and it is written element by element with the C encoder, so a
report of any size costs one event's worth of memory to write. `--format jsonl` is one record
a line: each event with the findings of its own checks; then per capture file its `source`
record, the findings of the session checks, and the summary. It is written once the audit
is done, so every record is masked with every value the session flagged.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from pixelhelper.output.terminal import json_safe

if TYPE_CHECKING:
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
    own, later = _by_event(report["findings"])
    for index, event in enumerate(report["events"]):
        out.write(dumps(event_record(index, event, own.get(index, []))) + "\n")
    _write_tail(report["sources"], later, report, out.write)
    return out.getvalue()


def _by_event(findings: list[Any]) -> tuple[dict[int, list[Any]], list[Any]]:
    """The findings of each event's own checks, by event; and the rest (session checks)."""
    own: dict[int, list[Any]] = {}
    later = []
    for finding in findings:
        if finding.get("event") is None or _from_session_check(finding):
            later.append(finding)
        else:
            own.setdefault(finding["event"], []).append(finding)
    return own, later


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


def write_jsonl(report: Report, write: Write) -> None:
    """`--format jsonl`, written after the audit: each event (read back from the store one at
    a time) with the findings of its own checks, then the sources, the session checks'
    findings and the summary. Every record is masked with every value the whole session
    flagged, so no event prints a value raw because it was flagged only in a later one."""
    sections = dict(report.sections())  # `events` stays a lazy iterator over the store
    own, later = _by_event(sections["findings"])
    for index, event in enumerate(sections["events"]):
        write(dumps(event_record(index, event, own.get(index, []))) + "\n")
    _write_tail(sections["sources"], later, sections, write)
