"""Reading a JSON report back (`view`, `diff`): bounded, and validated against the report's
own model before any command touches it.

A report on disk may have been edited, truncated or forged. Its sections must have the shapes
the report contract gives them (events and findings as lists of objects, a page's URL as a
string, event indices as integers), or the command exits 2 with one line naming the file and
the first key that is wrong; unknown keys are kept, as in every pixelhelper model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from pixelhelper.errors import ConfigError
from pixelhelper.severity import Severity

MAX_REPORT_BYTES = 1 << 30


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ReportEvent(_Open):
    kind: StrictStr | None = None
    event: StrictStr | None = None
    pixel_code: StrictStr | None = None
    page_url: StrictStr | None = None
    url: StrictStr | None = None


class ReportFinding(_Open):
    rule: StrictStr
    severity: Severity
    type: StrictStr | None = None
    category: StrictStr | None = None
    location: StrictStr = ""
    value: StrictStr | None = None
    message: StrictStr = ""
    pixel_code: StrictStr | None = None
    event: StrictInt | None = None
    fingerprint: StrictStr | None = None


class ReportPagePixel(_Open):
    code: StrictStr
    loads: list[StrictInt] = Field(default_factory=list)
    events: list[StrictInt] = Field(default_factory=list)
    listed: list[Any] = Field(default_factory=list)


class ReportPage(_Open):
    url: StrictStr = ""
    source: StrictStr = ""
    visit: StrictInt = 0
    pixels: list[ReportPagePixel] = Field(default_factory=list)
    other: list[StrictInt] = Field(default_factory=list)


class ReportPixel(_Open):
    code: StrictStr


class ReportSummary(_Open):
    events: StrictInt | None = None
    findings: dict[str, StrictInt] = Field(default_factory=dict)


class ReportDocument(_Open):
    version: StrictInt
    sources: list[dict[str, Any]] = Field(default_factory=list)
    pixels: list[ReportPixel] = Field(default_factory=list)
    pages: list[ReportPage] = Field(default_factory=list)
    events: list[ReportEvent]
    findings: list[ReportFinding]
    summary: ReportSummary = Field(default_factory=ReportSummary)
    policy: dict[str, Any] | None = None


def looks_like_report(path: Path) -> bool:
    """Does `path` start like a pixelhelper JSON report (not a HAR or a request list)?"""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).lstrip()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    return head.startswith(b"{") and b'"version"' in head and b'"log"' not in head[:200]


def read_report(path: Path) -> dict[str, Any] | None:
    """A JSON report written by `pixelhelper audit --format json`, validated, or None if `path`
    is a capture (HAR, request list, flow file).

    Raises:
        ConfigError: a report that is too large, too deep, not JSON or of the wrong shape.
    """
    from pixelhelper.documents import load_json

    if not path.is_file() or not looks_like_report(path):
        return None
    document = load_json(path, "report", MAX_REPORT_BYTES)
    if not isinstance(document, dict) or "events" not in document or "findings" not in document:
        return None  # a JSON capture that happens to have a `version`
    try:
        checked = ReportDocument.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first.get("loc", ())) or "report"
        raise ConfigError(
            f"report {path}: `{key}`: {first.get('msg', 'invalid')} "
            f"({exc.error_count()} problem(s)); is it a pixelhelper JSON report?"
        ) from None
    dumped: dict[str, Any] = checked.model_dump(exclude_unset=True)
    return dumped
