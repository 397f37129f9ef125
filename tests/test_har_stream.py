"""The streaming HAR reader: same reports as the whole-document reader, in bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pixelhelper.audit import audit_paths
from pixelhelper.report import build_report
from pixelhelper.sources import har
from pixelhelper.sources.writer import har_document

from conftest import EXAMPLES, shared_captures
from flowfactory import hit, loader_flow, pixel_flow, site_flow

HAR_CAPTURES = [p for p in shared_captures() if p.suffix == ".har"] + [
    EXAMPLES / "shop-session.har"
]


def _report(path: Path) -> str:
    return json.dumps(build_report(audit_paths([path]), show_values=True), indent=1)


def _slow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the streaming path give up at once: the incremental JSON reader does it all."""

    def gives_up(*args: object, **kwargs: object):
        return 0
        yield  # a generator, as the real one

    monkeypatch.setattr(har, "_stream", gives_up)


@pytest.mark.parametrize("capture", HAR_CAPTURES, ids=lambda p: p.name)
def test_streamed_and_whole_document_reports_are_identical(capture, monkeypatch):
    streamed = _report(capture)
    with monkeypatch.context() as patch:
        _slow(patch)
        whole = _report(capture)
    assert streamed == whole
    assert json.loads(streamed)["sources"][0]["flows"] > 0


def _session_har(tmp_path: Path, **extra: object) -> tuple[Path, dict]:
    flows = [site_flow(), loader_flow(), pixel_flow(hit("Pageview", n=1), n=1)]
    flows += [pixel_flow(hit("AddToCart", n=2), n=2), site_flow("https://shop.example.com/c", 3)]
    document = har_document(flows)
    document["log"].update(extra)
    path = tmp_path / "s.har"
    path.write_text(json.dumps(document))
    return path, document


def test_only_pixel_entries_become_requests_but_all_are_counted(tmp_path):
    path, _ = _session_har(tmp_path)
    result = audit_paths([path])
    assert result.sources[0].flows == 5
    assert result.sources[0].pixel_requests == 3
    assert [f.event for f in result.events.facts] == [None, "Pageview", "AddToCart"]


def test_invalid_utf8_is_replaced_with_a_warning_and_every_event_kept(tmp_path):
    path, document = _session_har(tmp_path, comment="caf\u00e9")
    data = (
        json.dumps(document, ensure_ascii=False).encode().replace("caf\u00e9".encode(), b"caf\xe9")
    )
    path.write_bytes(data)
    result = audit_paths([path])
    (source,) = result.sources
    assert source.errors == []
    assert "not valid UTF-8" in source.warnings[0] and "offset" in source.warnings[0]
    assert len(result.events) == 3


def test_numbers_beyond_float_range_fall_back_and_read_as_json_does(tmp_path):
    path, document = _session_har(tmp_path)
    text = path.read_text().replace('"log": {', '"log": {"_huge": 1e400, ', 1)
    path.write_text(text)
    result = audit_paths([path])
    assert result.sources[0].errors == [] and len(result.events) == 3


def test_truncated_har_reports_how_many_entries_were_recovered(tmp_path):
    path, document = _session_har(tmp_path)
    text = path.read_text()
    third_entry = text.index('"request"', text.index('"request"', text.index('"request"') + 1) + 1)
    path.write_text(text[: third_entry + 30])
    result = audit_paths([path])
    (error,) = result.sources[0].errors
    assert "truncated or invalid JSON" in error and "2 complete entries recovered" in error
    assert [f.event for f in result.events.facts] == [None]


def test_a_damaged_entry_after_good_ones_keeps_the_good_ones(tmp_path):
    path, _ = _session_har(tmp_path)
    text = path.read_text()
    last = text.rindex('"request"')
    path.write_text(text[:last] + '"request": {"url": tru' + text[last + 12 :])
    result = audit_paths([path])
    assert result.sources[0].errors
    assert [f.event for f in result.events.facts] == [None, "Pageview", "AddToCart"]


@pytest.mark.parametrize("depth", [100_000, 3_000_000])
def test_absurd_nesting_is_an_error_in_bounded_memory(tmp_path, depth):
    """A HAR whose entry nests millions of levels: a clear error, the entries before it kept,
    and the memory stays small (checked in a child process, by its own peak RSS)."""
    path, document = _session_har(tmp_path)
    text = path.read_text()
    head, tail = text.rsplit("]", 1)
    path.write_text(head + ', {"x": ' + "[" * depth + "]" * depth + "}]" + tail)
    script = (
        "import json, sys\n"
        "from pixelhelper.audit import audit_paths\n"
        "r = audit_paths([sys.argv[1]])\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print(json.dumps({'events': len(r.events), 'errors': r.sources[0].errors,"
        " 'flows': r.sources[0].flows, 'kb': int(hwm)}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    facts = json.loads(out.stdout)
    assert facts["events"] == 3
    assert facts["errors"] and "nested too deeply" in facts["errors"][0]
    assert facts["kb"] < 300 * 1024, f"peak RSS {facts['kb']} KiB"
