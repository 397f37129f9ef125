"""JUnit XML for the test tab of any CI (`junitparser`): a test suite per capture file, a test
case per page visit and pixel, and a failure per failing finding on it. Findings that belong to
no page (a required event never sent, an expired ignore) are test cases of a `policy` suite.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

from pixelhelper.output.findings import Row, rows
from pixelhelper.output.terminal import json_safe


def render(report: dict[str, Any], color: bool = False) -> str:
    """The report as JUnit XML text."""
    found = rows(report)
    events = report.get("findings") or []
    case_of: dict[int, tuple[int, str]] = {}  # event index -> (page number, pixel code)
    for number, page in enumerate(report.get("pages") or []):
        for entry in page.get("pixels") or []:
            for index in [
                *entry.get("events", []),
                *entry.get("loads", []),
                *entry.get("listed", []),
            ]:
                case_of.setdefault(index, (number, str(entry.get("code"))))
    by_case: dict[tuple[int, str], list[Row]] = defaultdict(list)
    loose: list[Row] = []
    for row, item in zip(found, events, strict=True):
        key = case_of.get(item.get("event")) if isinstance(item.get("event"), int) else None
        (by_case[key] if key else loose).append(row)
    vendor_of = {str(p.get("code")): str(p.get("vendor") or "tiktok")
                 for p in report.get("pixels") or []}  # fmt: skip
    xml = JUnitXml("pixelhelper")
    for source in _sources(report):
        suite = TestSuite(_safe(source["path"]))
        for number, page in enumerate(report.get("pages") or []):
            if page.get("source") != source["path"]:
                continue
            for entry in page.get("pixels") or []:
                code = str(entry.get("code"))
                vendor = vendor_of.get(code, "tiktok")
                shown = code if vendor == "tiktok" else f"{code} ({vendor})"  # names CI keeps
                name = f"pixel {shown} on {page.get('url') or '(unknown page)'}"
                if page.get("visit"):
                    name += f" (visit {page['visit'] + 1})"
                suite.add_testcase(_case(name, source["path"], by_case.pop((number, code), [])))
        for error in source.get("errors") or []:
            case = TestCase(_safe("reading the capture"), _safe(source["path"]))
            case.result = [Failure(_safe(error), "unreadable-input")]
            suite.add_testcase(case)
        xml.add_testsuite(suite)
    leftovers = [row for group in by_case.values() for row in group] + loose
    if leftovers or (report.get("policy") or {}).get("file"):
        suite = TestSuite("policy")
        grouped: dict[str, list[Row]] = defaultdict(list)
        for row in leftovers:
            grouped[f"{row.rule} {row.location}".strip()].append(row)
        for name, group in grouped.items():
            suite.add_testcase(_case(name, "policy", group))
        if not grouped:
            suite.add_testcase(TestCase("policy", "policy"))
        xml.add_testsuite(suite)
    xml.update_statistics()
    return '<?xml version="1.0" encoding="utf-8"?>\n' + xml.tostring().decode("utf-8") + "\n"


def _sources(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in report.get("sources") or [] if isinstance(s, dict) and "path" in s]


def _case(name: str, classname: str, found: list[Row]) -> TestCase:
    case = TestCase(_safe(name), _safe(classname))
    results: list[Any] = []
    for row in found:
        text = f"{row.message} (rule {row.rule}, field {row.location}"
        text += f", event {row.event})" if row.event else ")"
        if row.failing:
            results.append(Failure(_safe(text), _safe(row.rule)))
        elif row.ignored:
            results.append(Skipped(_safe(f"accepted: {row.reason or ''}: {text}")))
    case.result = [r for r in results if isinstance(r, Failure)] or results[:1]
    return case


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _safe(text: str) -> str:
    """XML 1.0 cannot hold control characters, even escaped: show them as `\\uXXXX` (and the
    bidi and zero-width characters too, as everywhere)."""
    shown = _NOT_XML.sub(lambda m: f"\\u{ord(m.group(0)):04x}", str(text))
    return json_safe(shown)[:4000]
