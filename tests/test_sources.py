import json
from pathlib import Path

from pixelhelper.audit import audit_paths
from pixelhelper.sources.writer import har_document, write_flow_file, write_har

from flowfactory import hit, loader_flow, pixel_flow, site_flow


def _session():
    return [
        site_flow(n=0),
        loader_flow(n=1),
        pixel_flow(hit("Pageview", n=2), n=2),
        pixel_flow(hit("ViewContent", n=3), n=3),
        pixel_flow(hit("AddToCart", n=4), n=4),
    ]


def test_flow_and_har_give_the_same_events(tmp_path: Path):
    write_flow_file(tmp_path / "s.flow", _session())
    write_har(tmp_path / "s.har", _session())
    flow = audit_paths([tmp_path / "s.flow"])
    har = audit_paths([tmp_path / "s.har"])
    key = lambda r: [(e.kind, e.event, e.pixel_code, e.page_url, e.properties) for e in r.events]  # noqa: E731
    assert key(flow) == key(har)
    assert [e.event for e in flow.events] == [None, "Pageview", "ViewContent", "AddToCart"]
    assert flow.sources[0].flows == 5 and flow.sources[0].pixel_requests == 4
    assert flow.events[1].ip == "192.0.2.44"  # flow files know the client address
    assert har.events[1].ip is None  # HAR does not


def test_truncated_flow_file_keeps_what_was_read(tmp_path: Path):
    path = tmp_path / "cut.flow"
    write_flow_file(path, _session())
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.8)])
    result = audit_paths([path])
    (source,) = result.sources
    assert source.errors and "truncated" in source.errors[0]
    assert 1 <= len(result.events) < 4
    assert all(e.decode_error is None for e in result.events)


def test_garbage_flow_file(tmp_path: Path):
    path = tmp_path / "junk.flow"
    path.write_bytes(b"this is not a flow file at all \x00\x01\x02" * 10)
    result = audit_paths([path])
    assert result.sources[0].errors
    assert len(result.events) == 0


def test_truncated_har_recovers_complete_entries(tmp_path: Path):
    text = json.dumps(har_document(_session()), indent=1)
    cut = text[: int(len(text) * 0.85)]
    path = tmp_path / "cut.har"
    path.write_text(cut)
    result = audit_paths([path])
    assert "truncated or invalid JSON" in result.sources[0].errors[0]
    assert "entries recovered" in result.sources[0].errors[0]
    assert [e.event for e in result.events][:2] == [None, "Pageview"]


def test_empty_and_entryless_files(tmp_path: Path):
    (tmp_path / "empty.har").write_bytes(b"")
    (tmp_path / "noentries.har").write_text(json.dumps({"log": {"version": "1.2"}}))
    (tmp_path / "zero.har").write_text(json.dumps({"log": {"entries": []}}))
    result = audit_paths(sorted(tmp_path.iterdir()))
    errors = {Path(s.path).name: s.errors for s in result.sources}
    assert errors["empty.har"] == ["file is empty"]
    assert errors["noentries.har"] == ["HAR has no log.entries list"]
    assert errors["zero.har"] == []


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path):
    write_flow_file(tmp_path / "a.flow", _session())
    (tmp_path / "b.har").write_text("{not json")
    write_har(tmp_path / "c.har", _session())
    result = audit_paths([tmp_path, tmp_path / "missing.flow"])
    by_name = {Path(s.path).name: s for s in result.sources}
    assert by_name["b.har"].errors
    assert by_name["missing.flow"].errors == ["no such file or directory"]
    assert by_name["a.flow"].pixel_requests == 4 and by_name["c.har"].pixel_requests == 4
    assert len(result.events) == 8


def test_wrong_encoding_har_is_read_with_a_warning(tmp_path: Path):
    document = har_document(_session())
    document["log"]["comment"] = "Bäckerei"
    path = tmp_path / "latin.har"
    path.write_bytes(json.dumps(document, ensure_ascii=False).encode("latin-1"))
    result = audit_paths([path])
    (source,) = result.sources
    assert source.errors == []
    assert "UTF-8" in source.warnings[0] and "replaced" in source.warnings[0]
    assert [e.event for e in result.events] == [None, "Pageview", "ViewContent", "AddToCart"]


def test_a_text_file_is_named_not_a_capture(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text("Source: https://example.com/capture\nsaved by hand\n")
    result = audit_paths([path])
    assert result.sources[0].errors == [
        "not a capture: expected a mitmproxy flow file, a HAR or a JSON request list"
    ]
