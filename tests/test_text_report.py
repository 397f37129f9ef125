"""The default text report reads as a summary: short, each rule explained once, JSON values,
indentation kept when lines wrap; `--verbose` keeps the full per-event detail."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from pixelhelper.audit import audit_paths, audit_requests
from pixelhelper.inspect import all_rules
from pixelhelper.output import text
from pixelhelper.report import build_report
from pixelhelper.sources.writer import write_flow_file

from conftest import ROOT
from flowfactory import hit, loader_flow, pixel_flow

GOLDEN = Path(__file__).parent / "golden"
SEVERITY_LINE = re.compile(r"^\s+(CRITICAL|HIGH|MEDIUM|LOW|INFO)\s+\S+")


def session_of_40(tmp_path: Path) -> dict:
    flows = [loader_flow()]
    for n in range(39):
        page = f"https://shop.example.com/products/item-{n // 4}?ref=ad"
        props = {"content_id": f"SKU-{n}", "value": 10 + n, "currency": "USD"}
        if n % 5 == 0:
            props["email"] = f"buyer{n}@example.com"
        if n % 7 == 0:
            props["content_name"] = "pregnancy test"
        flows.append(pixel_flow(hit(["ViewContent", "AddToCart", "Pageview"][n % 3], page=page,
                                    n=n, properties=props), n=n))  # fmt: skip
    path = tmp_path / "forty.flow"
    write_flow_file(path, flows)
    result = audit_paths([path])
    assert len(result.events) == 40
    return build_report(result)


def test_forty_events_fit_and_explain_each_rule_once(tmp_path):
    report = session_of_40(tmp_path)
    out = text.render(report, width=100)
    lines = out.splitlines()
    assert len(lines) < 200, len(lines)
    event_findings = [f for f in report["findings"] if f["event"] is not None]
    pages = out.split("\nPage ")[1:]
    finding_lines = [
        line for page in pages for line in page.splitlines() if SEVERITY_LINE.match(line)
    ]
    assert len(finding_lines) <= len(event_findings), "at most one line per finding on events"
    for finding in event_findings:  # each one is there: on its event, or on its page's summary
        mine = f"#{finding['event']} "
        page = next(p for p in pages if mine in p)
        assert finding["rule"] in page
        if f"{finding['rule']}  {finding['location']}  on " in page:
            assert re.search(rf"on \d+ hits: .*#{finding['event']}\b", page)
    for rule_id in {f["rule"] for f in report["findings"]}:
        rule = all_rules()[rule_id]
        why = " ".join(rule.help.split("\n\n")[0].split())[:60]
        assert out.replace("\n", " ").count(why[:40]) <= 1, rule_id
    for finding in report["findings"]:  # no finding's long message is printed
        assert finding["message"] not in out
    assert "buyer0@example.com" not in out


def test_repeated_context_is_printed_once(tmp_path):
    out = text.render(session_of_40(tmp_path), width=100)
    assert out.count("Mozilla/5.0") == 1


def test_values_are_json_not_python(tmp_path):
    report = build_report(audit_requests([]))
    report["events"] = []
    out = text.render(session_of_40(tmp_path), width=160)
    assert "{'" not in out and "': " not in out and "True" not in out and "None" not in out


@pytest.mark.parametrize("width", [60, 80, 100])
def test_wrapped_lines_keep_their_indentation(tmp_path, width):
    out = text.render(session_of_40(tmp_path), width=width)
    lines = out.splitlines()
    for before, line in zip(lines, lines[1:], strict=False):
        lost = line and not line.startswith(("  ", "Page", "Summary", "Findings"))
        if before.startswith("  collected") and lost:
            pytest.fail(f"lost indentation: {line!r}")
    assert all(len(line) <= width for line in lines)


def test_verbose_keeps_the_full_detail(tmp_path):
    report = session_of_40(tmp_path)
    short = text.render(report, width=100)
    full = text.render(report, width=100, verbose=True)
    message = next(f["message"] for f in report["findings"] if f["rule"] == "sensitive-email")
    assert message.split(".")[0] in full and message not in short
    assert len(full.splitlines()) > len(short.splitlines())


@pytest.mark.parametrize("width", [80, 160])
def test_golden_text_report_of_the_example(width, monkeypatch):
    monkeypatch.chdir(ROOT)
    report = build_report(audit_paths(["examples/shop-session.flow"]))
    out = text.render(report, width=width)
    golden = GOLDEN / f"shop-session-{width}.txt"
    if os.environ.get("PIXELHELPER_UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text(), (
        f"regenerate with PIXELHELPER_UPDATE_GOLDEN=1 after review ({golden})"
    )
