"""Start-up without heavy imports, compact event storage, streamed output and progress."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pixelhelper import domains
from pixelhelper.audit import audit_paths
from pixelhelper.decode import decode
from pixelhelper.output.jsonfmt import write_report
from pixelhelper.report import Report, build_report
from pixelhelper.sources.stats import Meter
from pixelhelper.sources.writer import write_flow_file
from pixelhelper.store import EventStore, Repeated

from conftest import EXAMPLES, request_list, shared_captures
from flowfactory import hit, pixel_flow, site_flow

HEAVY = ("pydantic", "tldextract", "phonenumbers", "mitmproxy", "requests", "rich")
# The standard library's slow imports: `dataclasses` pulls in `inspect` (with ast, dis and
# tokenize), 10 ms that were half of what `pixelhelper rules` spent beyond the interpreter;
# `json` another 2-4 ms that only findings and reports need.
SLOW_STDLIB = ("dataclasses", "inspect", "json")


def _printed(tag: str, script: str, *args: str) -> str:
    """The line starting with `tag` that `script` prints, run in a fresh interpreter (what
    it imports, collects and freezes is its own, not this test process's)."""
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60
    )
    lines = [x for x in out.stdout.splitlines() if x.startswith(tag)]
    assert len(lines) == 1, out.stdout[-500:] + out.stderr[-500:]
    return lines[0]


@pytest.mark.parametrize("argv", [["--help"], ["rules"], ["audit", "--format", "nope", "x"], []])
def test_quick_commands_import_nothing_heavy(argv):
    script = (
        "import sys\nfrom pixelhelper.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY + SLOW_STDLIB!r}))\n"
        "print('HEAVY', ','.join(heavy))\n"
    )
    assert _printed("HEAVY", script, *argv) == "HEAVY "


def test_an_audit_loads_phone_and_id_validators_only_for_text_shaped_like_them(tmp_path):
    """phonenumbers and stdnum are a tenth of an audit's imports; most captures never
    need them, and those that do still find phones and national ids."""
    script = (
        "import sys\nfrom pixelhelper.audit import audit_paths\n"
        "result = audit_paths(sys.argv[1:])\n"
        "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & {'phonenumbers', "
        "'stdnum'}), sorted({f.category for f in result.findings}))\n"
    )
    plain = tmp_path / "plain.flow"
    write_flow_file(plain, [pixel_flow(hit("Pageview"))])
    leaky = tmp_path / "leaky.flow"
    page = "https://shop.example.com/?phone=%2B44%2020%207946%200958&ssn=536-90-4399"
    write_flow_file(leaky, [pixel_flow(hit("Pageview", page=page))])

    assert _printed("LOADED", script, str(plain)).startswith("LOADED []")
    line = _printed("LOADED", script, str(leaky))
    assert "'phonenumbers'" in line and "'stdnum'" in line
    assert "'phone'" in line and "'national_id'" in line


def test_an_audit_freezes_what_its_imports_built_once_and_collects_afterwards(tmp_path):
    """The pipeline's start-up objects are left out of every collection (the exit's too),
    the collector is on again for the audit itself, and a second audit in the same process
    freezes nothing more (a caller of `main` that goes on does not pile up frozen objects)."""
    capture = tmp_path / "one.flow"
    write_flow_file(capture, [pixel_flow(hit("Pageview"))])
    script = (
        "import gc, io, sys, contextlib\nfrom pixelhelper.cli import main\n"
        "counts = []\nfor _ in range(2):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        main(['audit', '--format', 'json', sys.argv[1]])\n"
        "    counts.append(gc.get_freeze_count())\n"
        "print('GC', gc.isenabled(), *counts)\n"
    )
    _, enabled, first, second = _printed("GC", script, str(capture)).split()
    assert enabled == "True"
    assert int(first) > 10_000  # modules, classes, schemas: tens of thousands of objects
    assert second == first


def test_the_rules_command_still_lists_every_rule():
    out = subprocess.run(
        [sys.executable, "-m", "pixelhelper.cli", "rules"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert "missing-pixel-code" in out.stdout or "pixel" in out.stdout


HOSTS = [
    "analytics.tiktok.com", "www.example.co.uk", "a.b.c.example.com.au", "localhost",
    "192.0.2.1", "2001:db8::1", "shop.example.com.", "EXAMPLE.COM", "foo.blogspot.com",
    "xn--bcher-kva.example", "s3.amazonaws.com", "a.b.kawasaki.jp", "city.kawasaki.jp",
    "plannedparenthood.org", "my.site.pvt.k12.ma.us", "bad..dots", "",
]  # fmt: skip


@pytest.mark.parametrize("host", HOSTS)
def test_the_bundled_suffix_list_splits_hosts_as_tldextract_does(host):
    import tldextract

    reference = tldextract.TLDExtract(suffix_list_urls=(), include_psl_private_domains=False)
    want = reference(host.rstrip("."))
    if ":" in host or host.replace(".", "").isdigit():
        assert domains.split(host).domain == host and domains.split(host).suffix == ""
        return
    got = domains.split(host)
    assert (got.subdomain, got.domain, got.suffix) == (want.subdomain, want.domain, want.suffix)


def test_store_rebuilds_each_event_exactly_and_holds_less():
    requests = [r for p in shared_captures() if p.suffix == ".json" for r in request_list(p)]
    events = [e for r in requests for e in decode(r)]
    assert len(events) >= 10
    store = EventStore()
    for event in events:
        store.append(event)
    assert [e.model_dump() for e in store] == [e.model_dump() for e in events]
    assert store[3] == events[3] and store[1:3] == events[1:3]
    assert [f.event for f in store.facts] == [e.event for e in events]
    snapshot = store.copy()
    store.append(events[0])
    assert len(snapshot) == len(events) and len(store) == len(events) + 1
    assert store.stored_bytes() < sum(len(e.model_dump_json()) for e in events)


def test_facts_sent_from_the_inspection_process_arrive_whole():
    """Facts pickle as their values (`EventFacts.__reduce__`): every field survives, the
    diagnostics dicts and the payload digest included, and the copy is still frozen."""
    import dataclasses
    import pickle

    from pixelhelper.store import pack

    requests = [r for p in shared_captures() if p.suffix == ".json" for r in request_list(p)]
    facts = [pack(e)[0] for r in requests for e in decode(r)]
    assert any(f.signal_diagnostics or f.inspection for f in facts)
    copies = pickle.loads(pickle.dumps(facts, pickle.HIGHEST_PROTOCOL))
    assert copies == facts
    assert [dataclasses.astuple(c) for c in copies] == [dataclasses.astuple(f) for f in facts]
    with pytest.raises(dataclasses.FrozenInstanceError):
        copies[0].event = "changed"  # type: ignore[misc]


def test_a_store_that_keeps_facts_only_refuses_to_rebuild():
    requests = [r for p in shared_captures() if p.suffix == ".json" for r in request_list(p)]
    store = EventStore(keep=False)
    for event in decode(requests[0]):
        store.append(event)
    assert len(store) >= 1 and store.facts[0].event == decode(requests[0])[0].event
    with pytest.raises(LookupError):
        store[0]
    assert store.stored_bytes() == 0


def test_events_of_a_session_share_the_values_they_repeat():
    requests = [r for p in shared_captures() if p.suffix == ".json" for r in request_list(p)]
    events = [e for r in requests for e in decode(r)]
    anew = [e for r in requests for e in decode(r)]  # the same hits decoded again
    pairs = [(a.page_url, b.page_url) for a, b in zip(events, anew, strict=True) if a.page_url]
    assert pairs and not any(a is b for a, b in pairs)  # each decode made its own strings
    store = EventStore()
    for event in [*events, *anew]:
        store.append(event)
    held, again = store.facts[: len(events)], store.facts[len(events) :]
    assert again == held  # equal facts...
    for a, b in zip(held, again, strict=True):  # ...holding one copy of each repeated value
        assert a.page_url is b.page_url and a.endpoint is b.endpoint and a.source is b.source
        assert a.pixel_codes is b.pixel_codes
    assert [e.model_dump() for e in store] == [e.model_dump() for e in [*events, *anew]]


def test_a_value_table_stops_growing_at_its_limit():
    table = Repeated(limit=2)
    first, second = "".join(["a", "b"]), "".join(["c", "d"])
    assert table(first) is first and table(second) is second
    third = "".join(["e", "f"])
    assert table(third) is third and table("".join(["e", "f"])) is not third  # not kept
    assert table("".join(["a", "b"])) is first


def test_recorded_findings_share_their_texts_and_still_report_the_same(tmp_path: Path):
    path = tmp_path / "hits.flow"
    user = {"email": "jane.doe@example.com", "phone": "+1 415 555 0132"}
    page = "https://clinic.example/book?email=jane.doe%40example.com"
    write_flow_file(path, [pixel_flow(hit("CompletePayment", page, n=n, user=user), n=n)
                           for n in range(3)])  # fmt: skip
    reference = build_report(audit_paths([path]), show_values=False)
    result = audit_paths([path])
    findings = [f for f in result.findings if f.type == "sensitive"]
    assert len(findings) >= 6
    by_rule: dict[str, list] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule + finding.location, []).append(finding)
    repeated = [group for group in by_rule.values() if len(group) == 3]
    assert repeated
    for a, b, c in repeated:
        assert a.message is b.message is c.message and a.category is c.category
        assert a.model_fields_set is c.model_fields_set
        assert {a.event, b.event, c.event} == {0, 1, 2}  # each still its own event
    assert build_report(result, show_values=False) == reference


def test_the_json_report_written_piecewise_equals_the_built_report():
    result = audit_paths([EXAMPLES / "shop-session.flow"])
    for show in (False, True):
        out = io.StringIO()
        write_report(Report(result, show), out.write)
        assert json.loads(out.getvalue()) == json.loads(
            json.dumps(build_report(result, show_values=show))
        )


def test_jsonl_streams_events_before_the_summary(tmp_path: Path):
    path = tmp_path / "s.flow"
    flows = [pixel_flow(hit("Pageview", n=n, page=f"https://s.example/{n}"), n=n) for n in range(5)]
    write_flow_file(path, [*flows, site_flow()])
    out = subprocess.run(
        [sys.executable, "-m", "pixelhelper.cli", "audit", "--format", "jsonl", str(path)],
        capture_output=True,
        text=True,
    )
    records = [json.loads(line) for line in out.stdout.splitlines()]
    kinds = [r["record"] for r in records]
    assert kinds[:5] == ["event"] * 5
    assert kinds[-1] == "summary" and "source" in kinds
    assert out.returncode in (0, 1)


def test_progress_bar_draws_from_the_meter():
    from rich.console import Console

    from pixelhelper.output import progress

    meter = Meter(total=10_000_000)
    meter.position, meter.flows, meter.events = 4_000_000, 1200, 7
    buffer = io.StringIO()
    bar = progress._Bar(meter, Console(file=buffer, width=120, force_terminal=False))
    bar.sync()
    bar._progress.console.print(bar._progress.get_renderable())
    text = buffer.getvalue()
    assert "4.0/10.0 MB" in text and "1,200 flows" in text and "7 pixel events" in text


def test_no_progress_bar_off_a_terminal(tmp_path: Path):
    out = subprocess.run(
        [sys.executable, "-m", "pixelhelper.cli", "audit", str(EXAMPLES / "shop-session.flow")],
        capture_output=True,
        text=True,
    )
    assert "auditing" not in out.stderr and "\x1b[" not in out.stderr


def test_on_a_terminal_the_bar_goes_to_stderr_and_stdout_stays_clean(tmp_path: Path, monkeypatch):
    """A slow audit (delayed reads) on a pty: the bar on stderr, the report alone on stdout."""
    path = tmp_path / "s.flow"
    write_flow_file(path, [pixel_flow(hit("Pageview", n=n), n=n) for n in range(3)])
    out_file = tmp_path / "stdout.json"
    script = (
        "import sys, time\n"
        "import pixelhelper.sources as s\n"
        "real = s.read_requests\n"
        "def slow(*a, **k):\n"
        "    for r in real(*a, **k):\n"
        "        time.sleep(0.8); yield r\n"
        "import pixelhelper.audit as a; a.read_requests = slow\n"
        "from pixelhelper.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    leader, follower = pty.openpty()
    with out_file.open("w") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-c", script, "audit", "--format", "json", str(path)],
            stdout=stdout,
            stderr=follower,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
        )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if select.select([leader], [], [], 0.2)[0]:
            try:
                seen += os.read(leader, 65536)
            except OSError:
                break
    process.wait(timeout=30)
    os.close(leader)
    assert b"auditing" in seen and b"flows" in seen
    report = json.loads(out_file.read_text())  # stdout is the report and nothing else
    assert len(report["events"]) == 3
