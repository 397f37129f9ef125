"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers, built from typed models
(`sarif-pydantic`) and serialised by alias (`ruleId`, `$schema`: without `by_alias` the keys
come out in snake case and the log is schema-invalid).

One reporting descriptor per rule id a report can contain, with its help text and default
level; one result per finding, located in its capture file, with the page URL and field path
as logical locations and the baseline fingerprint in `partialFingerprints`, so code scanning
tracks a finding across runs. Findings a policy `[[ignore]]` accepts carry a suppression with
its reason.
"""

from __future__ import annotations

from typing import Any

from sarif_pydantic import (
    ArtifactLocation,
    Invocation,
    Level,
    Location,
    LogicalLocation,
    Message,
    PhysicalLocation,
    Region,
    ReportingConfiguration,
    ReportingDescriptor,
    Result,
    Run,
    Sarif,
    Tool,
    ToolDriver,
)
from sarif_pydantic.sarif import Notification, Suppression

from pixelhelper import __version__
from pixelhelper.output.findings import Row, relative_uri, rows
from pixelhelper.output.terminal import json_safe

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/pixelhelper/pixelhelper"
LEVELS = {"critical": Level.ERROR, "high": Level.ERROR, "medium": Level.WARNING,
          "low": Level.NOTE, "info": Level.NOTE}  # fmt: skip
# GitHub ranks security alerts by this property (0-10), as CodeQL's queries do.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
FINGERPRINT_KEY = "pixelhelperFinding/v1"


def render(report: dict[str, Any], color: bool = False) -> str:
    """The report as a SARIF log (JSON text)."""
    log = build(report)
    return log.model_dump_json(by_alias=True, exclude_none=True, indent=2) + "\n"


def build(report: dict[str, Any]) -> Sarif:
    """The report as a typed SARIF log."""
    from pixelhelper.inspect import all_rules

    registry = all_rules()
    ids = list(registry)
    descriptors = [_descriptor(registry[rule_id]) for rule_id in ids]
    found = rows(report)
    for row in found:  # a rule id unknown to this version (a report from a newer one)
        if row.rule not in registry:
            ids.append(row.rule)
            descriptors.append(ReportingDescriptor(id=row.rule, short_description=_text(row.rule)))
    index = {rule_id: number for number, rule_id in enumerate(ids)}
    results = [_result(row, index.get(row.rule)) for row in found]
    errors = [e for s in report.get("sources") or [] for e in (s.get("errors") or [])]
    invocation = Invocation(
        execution_successful=not errors,
        toolExecutionNotifications=[
            Notification(level=Level.ERROR, message=_text(error)) for error in errors
        ]
        or None,
    )
    run = Run(
        tool=Tool(driver=ToolDriver(name="pixelhelper", version=__version__,
                                    information_uri=INFORMATION_URI, rules=descriptors)),
        invocations=[invocation],
        results=results,
        properties={"verdict": (report.get("policy") or {}).get("verdict", "pass")},
    )  # fmt: skip
    return Sarif(schema_uri=SCHEMA, version="2.1.0", runs=[run])


def _text(text: str) -> Message:
    return Message(text=json_safe(text) or "-")


def _descriptor(rule: Any) -> ReportingDescriptor:
    return ReportingDescriptor(
        id=rule.id,
        name="".join(part.capitalize() for part in rule.id.split("-")),
        short_description=_text(rule.summary),
        full_description=_text(rule.help.split("\n\n", 1)[0]),
        help=_text(rule.help),
        default_configuration=ReportingConfiguration(level=LEVELS[rule.severity].value),
        properties={"tags": ["privacy", str(rule.level)],
                    "security-severity": SECURITY_SEVERITY[rule.severity]},
    )  # fmt: skip


def _result(row: Row, rule_index: int | None) -> Result:
    logical = [LogicalLocation(name=row.location or "-", kind="member",
                               fully_qualified_name=_qualified(row))]  # fmt: skip
    if row.page:
        logical.append(LogicalLocation(name=row.page, kind="resource"))
    message = row.message + (f" (field {row.location})" if row.location else "")
    if row.value:
        message += f"; value: {row.value}"
    extra: dict[str, Any] = {}
    if row.ignored:
        extra["suppressions"] = [
            Suppression(kind="external", justification=json_safe(row.reason or "accepted"))
        ]
    return Result(
        rule_id=row.rule,
        rule_index=rule_index,
        level=LEVELS.get(row.severity, Level.NOTE),
        message=_text(message),
        locations=[
            Location(
                physical_location=PhysicalLocation(
                    artifact_location=ArtifactLocation(uri=_uri(row.source)),
                    region=Region(start_line=1),
                ),
                logical_locations=logical,
            )
        ],
        partial_fingerprints={FINGERPRINT_KEY: row.fingerprint} if row.fingerprint else None,
        baselineState="new" if row.new else "unchanged",
        properties={"severity": row.severity, "category": row.category, "pixel_code": row.pixel,
                    "vendor": row.vendor, "event": row.event, "failing": row.failing},
        **extra,
    )  # fmt: skip


def _qualified(row: Row) -> str:
    return json_safe(f"{row.page or row.source}#{row.location}")


def _uri(path: str) -> str:
    return relative_uri(path).replace("%", "%25").replace(" ", "%20")
