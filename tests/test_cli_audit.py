import json
import subprocess
import sys
from pathlib import Path

import pytest

from pixelhelper.cli import main
from pixelhelper.sources.writer import make_flow, write_flow_file

from conftest import EXAMPLES, ROOT
from flowfactory import hit, loader_flow, pixel_flow, site_flow

EVENT_KEYS = {
    "source",
    "flow",
    "kind",
    "url",
    "pixel_code",
    "event",
    "event_id",
    "message_id",
    "timestamp",
    "page_url",
    "properties",
    "user",
    "decode_error",
}
FINDING_KEYS = {"event", "type", "rule", "category", "severity", "location", "value", "message"}
SECRETS = [
    "tok-7f3a9c1e5b2d4f6a8c0e",
    "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig",
    "SESSIONSECRET123",
    "qs-secret-991",
]


def _capture(tmp_path: Path) -> Path:
    events_api = make_flow(
        "POST",
        "https://business-api.tiktok.com/open_api/v1.3/event/track/?access_token=qs-secret-991",
        headers={
            "Access-Token": SECRETS[0],
            "Authorization": SECRETS[1],
            "Content-Type": "application/json",
        },
        body=json.dumps(
            {
                "event_source": "web",
                "event_source_id": "CQ8PJ3RC77U4LT2MKR2G",
                "data": [
                    {"event": "Purchase", "event_id": "o1", "event_time": 1767258000},
                    {"event": "Lead", "event_id": "l1", "event_time": 1767258001},
                ],
            }
        ),
    )
    flows = [
        site_flow(),
        loader_flow(n=1),
        pixel_flow(hit("Pageview", n=2), n=2, cookie=f"_ttp=abc; sessionid={SECRETS[2]}"),
        pixel_flow(b"{broken", n=3),
        events_api,
    ]
    path = tmp_path / "s.flow"
    write_flow_file(path, flows)
    return path


def test_json_contract(tmp_path, capsys):
    path = _capture(tmp_path)
    assert main(["audit", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["version"] == 1
    assert report["sources"] == [
        {"path": str(path), "flows": 5, "pixel_requests": 4, "errors": [], "warnings": []}
    ]
    assert report["pixels"] == [
        {"code": "CQ8PJ3RC77U4LT2MKR2G", "vendor": "tiktok", "loads": 1, "events": 3, "listed": 0}
    ]
    events = report["events"]
    assert [e["kind"] for e in events] == ["script", "pixel", "pixel", "events_api", "events_api"]
    assert [e["flow"] for e in events] == [1, 2, 3, 4, 4]
    for event in events:
        assert set(event) >= EVENT_KEYS
    assert events[2]["decode_error"].startswith("body is not valid JSON")
    assert [e["event"] for e in events[3:]] == ["Purchase", "Lead"]
    for finding in report["findings"]:
        assert set(finding) >= FINDING_KEYS


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_credentials_are_never_printed(tmp_path, capsys, fmt):
    path = _capture(tmp_path)
    main(["audit", str(path), "--format", fmt, "--show-values"])
    out = capsys.readouterr().out
    assert "Purchase" in out
    for secret in SECRETS:
        assert secret not in out


def test_jsonl_records(tmp_path, capsys):
    path = _capture(tmp_path)
    main(["audit", str(path), "--format", "jsonl"])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    kinds = [r["record"] for r in records]
    # streamed: the events as they are decoded, then the file's source record, the session
    # checks' findings and the summary
    assert kinds[:5] == ["event"] * 5 and kinds[5] == "source" and kinds[-1] == "summary"
    assert set(kinds[6:-1]) <= {"finding"}
    assert [r["index"] for r in records[:5]] == list(range(5))
    assert records[5]["flows"] >= 5


def test_output_file(tmp_path, capsys):
    path = _capture(tmp_path)
    out = tmp_path / "report.json"
    assert main(["audit", str(path), "--format", "json", "--output", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text())["version"] == 1


def test_corrupt_input_reports_what_it_read_and_exits_2(tmp_path, capsys):
    good = _capture(tmp_path)
    bad = tmp_path / "bad.flow"
    bad.write_bytes(good.read_bytes()[:-40])
    code = main(["audit", str(bad), str(good), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 2
    report = json.loads(captured.out)
    assert report["sources"][0]["errors"]
    assert len(report["events"]) >= 5
    assert "bad.flow" in captured.err and "Traceback" not in captured.err


def test_console_script_on_bundled_example():
    example = EXAMPLES / "shop-session.flow"
    proc = subprocess.run(
        [sys.executable, "-m", "pixelhelper", "audit", str(example), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [e["event"] for e in report["events"]] == [
        None,
        "PageView",  # the Meta Pixel's
        "Pageview",
        "ViewContent",
        "AddToCart",
        "Click",
        "Purchase",
        "Purchase",
    ]
    assert [e["vendor"] for e in report["events"]].count("meta") == 1
    assert "3f9a1c0e5d7b2a4c6e8f0a1b3c5d7e9f1a2b3c4d" not in proc.stdout  # Access-Token
    assert "9f8e7d6c5b4a" not in proc.stdout  # the shop's own session cookie


def test_example_generator_is_reproducible(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_example", EXAMPLES / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "x.flow"
    write_flow_file(out, module.build_flows())
    assert out.stat().st_size > 1000


def test_text_report_mentions_pages_and_pixels(tmp_path, capsys):
    path = _capture(tmp_path)
    main(["audit", str(path)])
    out = capsys.readouterr().out
    assert "Page https://shop.example.com/" in out
    assert "CQ8PJ3RC77U4LT2MKR2G" in out
    assert "DECODE ERROR" in out
