"""Hostile bodies and captures: bombs, deep nesting, bad batch items, odd encodings, fuzzing.

Whatever arrives, the result is a decode error or a one-line source error, never a traceback,
and every readable event is kept.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import tracemalloc
import zlib

import brotlicffi
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixelhelper.audit import audit_paths, audit_requests
from pixelhelper.capture import CapturedRequest
from pixelhelper.cli import main
from pixelhelper.decode import MAX_BODY, decode
from pixelhelper.report import build_report
from pixelhelper.sources.writer import har_document, write_flow_file

from flowfactory import hit, loader_flow, pixel_flow, site_flow

PIXEL_URL = "https://analytics.tiktok.com/api/v2/pixel"
EVENTS_API = "https://business-api.tiktok.com/open_api/v1.3/event/track/"


def _request(body: bytes, encoding: str | None = None, url: str = PIXEL_URL) -> CapturedRequest:
    headers = (("Content-Encoding", encoding),) if encoding else ()
    return CapturedRequest("POST", url, headers, body)


def _bomb(encoding: str) -> bytes:
    zeros = b"\0" * (MAX_BODY * 4)
    return {
        "gzip": lambda: gzip.compress(zeros, 9),
        "deflate": lambda: zlib.compress(zeros, 9),
        "br": lambda: brotlicffi.compress(zeros),
        "zstd": lambda: zstandard.ZstdCompressor(level=19).compress(zeros),
    }[encoding]()


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_decompression_bombs_are_refused_within_bounded_memory(encoding):
    bomb = _bomb(encoding)
    tracemalloc.start()
    try:
        (event,) = decode(_request(bomb, encoding))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "decompresses to more than 32 MB" in (event.decode_error or "")
    assert peak < 3 * MAX_BODY, f"peak {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_ordinary_compressed_bodies_still_decode(encoding):
    body = json.dumps(hit("AddToCart")).encode()
    packed = {
        "gzip": gzip.compress,
        "deflate": zlib.compress,
        "br": brotlicffi.compress,
        "zstd": zstandard.ZstdCompressor().compress,
    }[encoding](body)
    (event,) = decode(_request(packed, encoding))
    assert event.decode_error is None and event.event == "AddToCart"


@pytest.mark.parametrize("depth", [150, 300, 5_000, 100_000])
def test_deep_json_is_a_decode_error_and_the_rest_of_the_file_survives(tmp_path, depth):
    deep = ('{"a":' * depth + "1" + "}" * depth).encode()
    path = tmp_path / "deep.flow"
    write_flow_file(path, [pixel_flow(hit("Pageview"), n=0), pixel_flow(deep, n=1),
                           pixel_flow(hit("Lead"), n=2)])  # fmt: skip
    result = audit_paths([path])
    assert [e.event for e in result.events] == ["Pageview", None, "Lead"]
    assert "nested deeper than 100 levels" in result.events[1].decode_error
    assert result.events[1].payload is None  # withheld whole
    assert any(f.rule == "decode-error" and f.event == 1 for f in result.findings)
    report = build_report(result)  # serialisable: no pydantic depth limit reached
    assert len(report["events"]) == 3


def test_a_bad_item_in_an_events_api_batch_costs_only_itself():
    body = {
        "event_source": "web",
        "event_source_id": "CQ8PJ3RC77U4LT2MKR2G",
        "data": [
            {"event": "Purchase", "event_id": "o-1", "user": {"email": "jane@example.com"}},
            7,
            {"event": "Lead", "event_id": "l-1"},
        ],
    }
    result = audit_requests([_request(json.dumps(body).encode(), url=EVENTS_API)])
    assert [e.event for e in result.events] == ["Purchase", None, "Lead"]
    assert "not an object" in result.events[1].decode_error
    assert all(e.pixel_code == "CQ8PJ3RC77U4LT2MKR2G" for e in result.events)
    assert any(f.category == "email" and f.event == 0 for f in result.findings)


def test_nan_and_overflowing_numbers_keep_the_report_valid_json(capsys, tmp_path):
    path = tmp_path / "nan.flow"
    body = b'{"event":"Purchase","properties":{"value":NaN,"other":1e999,"n":-Infinity}}'
    write_flow_file(path, [pixel_flow(body)])
    main(["audit", str(path), "--format", "json"])
    report = json.loads(capsys.readouterr().out)  # strict JSON parse
    assert report["events"][0]["properties"] == {"value": "NaN", "other": "1e999", "n": "-Infinity"}


# --------------------------------------------------------------------------- HAR encodings


def _har_text() -> str:
    flows = [site_flow(n=0), loader_flow(n=1), pixel_flow(hit("Pageview", n=2), n=2),
             pixel_flow(hit("AddToCart", n=3), n=3)]  # fmt: skip
    return json.dumps(har_document(flows), indent=1, ensure_ascii=False)


EXPECTED = [None, "Pageview", "AddToCart"]


@pytest.mark.parametrize(
    "name, make",
    [
        ("bom", lambda t: b"\xef\xbb\xbf" + t.encode()),
        ("utf16-bom", lambda t: t.encode("utf-16")),
        ("utf16le", lambda t: t.encode("utf-16-le")),
        ("utf16be", lambda t: t.encode("utf-16-be")),
        ("whitespace", lambda t: b" \r\n\t" * 50_000 + t.encode()),
        ("list", lambda t: json.dumps(json.loads(t)["log"]["entries"]).encode()),
        ("latin1", lambda t: t.replace('"1.2"', '"1.2 Bäckerei"', 1).encode("latin-1")),
    ],
)
def test_har_encodings_and_shapes_keep_every_event(tmp_path, name, make):
    path = tmp_path / f"{name}.har"
    path.write_bytes(make(_har_text()))
    result = audit_paths([path])
    assert [e.event for e in result.events] == EXPECTED
    assert result.sources[0].errors == []


def test_har_nested_100000_levels_is_an_error_not_a_crash(tmp_path, capsys):
    path = tmp_path / "deep.har"
    path.write_text('{"log": {"entries": [' + "[" * 100_000 + "]" * 100_000 + "]}}")
    assert main(["audit", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "deep.har" in err


# --------------------------------------------------------------------------- fuzzing

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=40,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(
    document=_JSON,
    url=st.sampled_from(
        [PIXEL_URL, PIXEL_URL + "/act", EVENTS_API, "https://analytics.tiktok.com/api/v1/track"]
    ),  # fmt: skip
    encoding=st.sampled_from([None, "gzip", "br", "zstd", "deflate", "bogus"]),
)
def test_any_json_shape_decodes_and_reports(document, url, encoding):
    raw = json.dumps(document).encode()
    body = {
        None: raw,
        "gzip": gzip.compress(raw),
        "br": brotlicffi.compress(raw),
        "zstd": zstandard.ZstdCompressor().compress(raw),
        "deflate": zlib.compress(raw),
        "bogus": raw,
    }[encoding]
    result = audit_requests([_request(body, encoding, url)])
    assert result.events
    json.dumps(build_report(result))


@functools.cache
def _flow_file() -> tuple[bytes, tuple[int, ...]]:
    """One fixed flow file and the offset where each record ends (flows carry random ids, so
    it is built once per run)."""
    from mitmproxy.io import FlowWriter

    buffer = io.BytesIO()
    writer = FlowWriter(buffer)
    ends = []
    for flow in [site_flow(n=0), pixel_flow(hit("Pageview", n=1), n=1),
                 pixel_flow(hit("Lead", n=2), n=2)]:  # fmt: skip
        writer.add(flow)
        ends.append(buffer.tell())
    return buffer.getvalue(), tuple(ends)


def _damage(base: bytes, data: st.DataObject) -> tuple[bytes, int, bool]:
    """Cut `base` somewhere and flip up to five bytes; return (bytes, cut, mutated)."""
    cut = data.draw(st.integers(0, len(base)))
    raw = bytearray(base[:cut])
    flips = data.draw(st.integers(0, 5)) if raw else 0
    for _ in range(flips):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    return bytes(raw), cut, bytes(raw) != base[:cut]


@FUZZ
@given(data=st.data())
def test_mutated_and_truncated_flow_files_never_crash(tmp_path_factory, data):
    base, ends = _flow_file()
    raw, cut, mutated = _damage(base, data)
    path = tmp_path_factory.mktemp("fuzzcase") / "m.flow"
    path.write_bytes(raw)
    result = audit_paths([path])
    json.dumps(build_report(result))
    if not mutated:  # a cut keeps every record before it
        complete = sum(1 for end in ends[1:] if end <= cut)
        assert [e.event for e in result.events] == ["Pageview", "Lead"][:complete]


@FUZZ
@given(data=st.data())
def test_mutated_and_truncated_hars_never_crash(tmp_path_factory, data):
    base = _har_text().encode()
    raw, cut, mutated = _damage(base, data)
    path = tmp_path_factory.mktemp("fuzzhar") / "m.har"
    path.write_bytes(raw)
    result = audit_paths([path])
    json.dumps(build_report(result))
    if not mutated and cut > base.find(b"AddToCart") > 0:  # the Pageview entry is complete
        assert "Pageview" in [e.event for e in result.events]
