"""GitHub Actions workflow commands: one `::error` annotation per failing finding, and the
Markdown summary appended to `$GITHUB_STEP_SUMMARY` when the runner provides one.

Traffic text is hostile: a value must not end its command early or start a new one, so
everything is escaped as the runner's toolkit escapes it (`%`, CR and LF in the message;
`,` and `:` too in properties), after terminal escapes are neutralised.
"""

from __future__ import annotations

import os
from typing import Any

from pixelhelper.output import markdown
from pixelhelper.output.findings import relative_uri, rows, verdict
from pixelhelper.output.terminal import neutralise

SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"


def escape_data(text: str) -> str:
    return neutralise(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: dict[str, Any], color: bool = False) -> str:
    """The workflow commands (and, as a side effect, the job summary when on a runner)."""
    lines = []
    for row in rows(report):
        if not row.failing:
            continue
        title = f"pixelhelper {row.rule} ({row.severity})"
        where = ", ".join(x for x in (f"pixel {row.pixel}" if row.pixel else "", row.page,
                                      f"event {row.event}" if row.event else "",
                                      f"field {row.location}") if x)  # fmt: skip
        message = f"{row.message} [{where}]"
        if row.value:
            message += f" value: {row.value}"
        props = f"file={escape_property(relative_uri(row.source))},title={escape_property(title)}"
        lines.append(f"::error {props}::{escape_data(message)}")
    for source in report.get("sources") or []:
        for error in source.get("errors") or []:
            lines.append(f"::error file={escape_property(str(source.get('path')))},"
                         f"title=pixelhelper unreadable input::{escape_data(error)}")  # fmt: skip
    failing = sum(1 for row in rows(report) if row.failing)
    summary = f"{verdict(report)}: {failing} failing finding(s)"
    lines.append(f"::notice title=pixelhelper::{escape_data(summary)}")
    write_summary(report)
    return "\n".join(lines) + "\n"


def write_summary(report: dict[str, Any]) -> None:
    """Append the Markdown summary to the job summary file, when there is one."""
    path = os.environ.get(SUMMARY_VARIABLE)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown.render(report) + "\n")
    except OSError:
        pass  # the annotations are the main output; a missing summary is not an error
