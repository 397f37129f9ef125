"""The fast flow reader against mitmproxy's own reader: same events, findings and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mitmproxy import connection, flow, tcp
from mitmproxy.io import FlowWriter, tnetstring
from mitmproxy.version import FLOW_FORMAT_VERSION

from pixelhelper.audit import audit_paths
from pixelhelper.recognise import recognise
from pixelhelper.report import build_report
from pixelhelper.sources import flowstate, read_requests
from pixelhelper.sources.flows import request_from_flow
from pixelhelper.sources.stats import SourceStats
from pixelhelper.sources.writer import make_flow, write_flow_file

from conftest import EXAMPLES, shared_captures
from flowfactory import hit, loader_flow, pixel_flow, site_flow


def report_json(path: Path, fast: bool) -> str:
    """The whole JSON report (raw values shown, so nothing hides a difference)."""
    return json.dumps(build_report(audit_paths([path], fast=fast), show_values=True), indent=1)


def assert_same_reports(path: Path) -> dict:
    fast, slow = report_json(path, True), report_json(path, False)
    assert fast == slow
    return json.loads(fast)


def _flows_of_capture(path: Path) -> list:
    """A real capture as mitmproxy flows (what `mitmdump -w` would have written)."""
    stats = SourceStats(str(path))
    flows = []
    for n, request in enumerate(read_requests(path, stats)):
        flows.append(
            make_flow(
                request.method,
                request.url,
                headers=request.headers,
                body=request.body,
                client_ip=request.client_ip or "192.0.2.7",
                timestamp=request.timestamp or 1_767_258_000.0 + n,
            )
        )
        if n % 2 == 0:  # the rest of the browsing session, which the reader must skip
            flows.append(site_flow(f"https://shop.example.com/page-{n}", n))
    return flows


def test_bundled_example_reads_the_same():
    report = assert_same_reports(EXAMPLES / "shop-session.flow")
    assert report["events"], "the example has pixel events"


@pytest.mark.parametrize("capture", shared_captures(), ids=lambda p: p.name)
def test_every_shared_capture_reads_the_same_as_a_flow_file(capture: Path, tmp_path: Path):
    flows = _flows_of_capture(capture)
    path = tmp_path / f"{capture.stem}.flow"
    write_flow_file(path, flows)
    report = assert_same_reports(path)
    assert report["sources"][0]["flows"] == len(flows)


def _http2(flow_: flow.Flow) -> flow.Flow:
    flow_.request.http_version = "HTTP/2.0"
    flow_.request.authority = "analytics.tiktok.com"
    flow_.request.headers.pop("Host", None)
    return flow_


def _mixed_case_host(n: int) -> flow.Flow:
    """Transparent mode: the connection knows an IP, the Host header has the name."""
    f = pixel_flow(hit("ViewContent", n=n), n=n)
    f.request.host = "203.0.113.9"
    f.request.headers["Host"] = "Analytics.TikTok.COM:443"
    return f


def _tcp_flow() -> tcp.TCPFlow:
    client = connection.Client(peername=("192.0.2.44", 5000), sockname=("127.0.0.1", 8080))
    server = connection.Server(address=("analytics.tiktok.com", 443))
    f = tcp.TCPFlow(client, server)
    f.messages.append(tcp.TCPMessage(True, b"raw bytes to tiktok"))
    return f


def mixed_session() -> list[flow.Flow]:
    """A session with every shape the reader must handle, pixel and not."""
    html = site_flow("https://shop.example.com/")
    html.response.content = (
        b"<script>ttq.load('CQ8PJ3RC77U4LT2MKR2G');"
        b"//analytics.tiktok.com/i18n/pixel/events.js</script>"
    )
    flows: list[flow.Flow] = [
        html,
        loader_flow(),
        pixel_flow(hit("Pageview", n=1), n=1),
        _tcp_flow(),
        _http2(pixel_flow(hit("AddToCart", n=2, properties={"value": 9.5}), n=2)),
        _mixed_case_host(3),
        pixel_flow(hit("CompletePayment", n=4), n=4, Content_Encoding="identity"),
        make_flow("GET", "https://analytics.tiktok.com:8443/api/v2/pixel?x=1"),
        make_flow("GET", "http://cdn.example.net/img.png", response_body=b"\x89PNG" * 50),
        pixel_flow(hit("Contact", n=5, properties={"email": "ann@example.com"}), n=5),
    ]
    for n in range(6, 30):
        flows.append(site_flow(f"https://shop.example.com/p/{n}", n))
    return flows


def test_a_mixed_session_reads_the_same(tmp_path: Path):
    path = tmp_path / "mixed.flow"
    count = write_flow_file(path, mixed_session())
    report = assert_same_reports(path)
    assert report["sources"][0]["flows"] == count
    events = [e["event"] for e in report["events"]]
    assert {"Pageview", "AddToCart", "ViewContent", "CompletePayment", "Contact"} <= set(events)


def _records(flows: list[flow.Flow]) -> list[bytes]:
    return [tnetstring.dumps(f.get_state()) for f in flows]


def _events_and_errors(path: Path, fast: bool) -> tuple[list, int, list[str]]:
    result = audit_paths([path], fast=fast)
    events = [(f.source, f.event, f.page_url) for f in result.events.facts]
    return events, result.sources[0].flows, result.sources[0].errors


@pytest.mark.parametrize(
    "damage",
    [
        lambda r: b"x" + r[1:],  # the length prefix
        lambda r: r[:-1] + b"]",  # the record's tag
        lambda r: r.replace(b"7:request;", b"7:requezt;", 1)[:-1] + b"?",  # inside and tag
    ],
    ids=["length-prefix", "tag", "inside"],
)
def test_a_corrupt_record_in_the_middle_gives_todays_events_and_error(tmp_path, damage):
    flows = [pixel_flow(hit("Pageview", n=n, page=f"https://s.example/{n}"), n=n) for n in range(8)]
    records = _records(flows)
    records[4] = damage(records[4])
    path = tmp_path / "damaged.flow"
    path.write_bytes(b"".join(records))
    fast, slow = _events_and_errors(path, True), _events_and_errors(path, False)
    assert fast == slow
    events, _flows, errors = fast
    assert len(events) == 4 and errors, "the events before the damage and an error"
    assert assert_same_reports(path)["sources"][0]["errors"]


def test_truncation_at_every_offset_of_a_record_matches(tmp_path: Path):
    records = _records(mixed_session()[:6])
    data = b"".join(records)
    path = tmp_path / "cut.flow"
    for cut in range(len(records[0]) + len(records[1]) - 40, len(data), 97):
        path.write_bytes(data[:cut])
        assert _events_and_errors(path, True) == _events_and_errors(path, False), cut


def test_an_older_flow_format_is_migrated_by_mitmproxy(tmp_path: Path):
    states = [f.get_state() for f in mixed_session()[:6]]
    for state in states:
        state["version"] = FLOW_FORMAT_VERSION - 1  # convert_20_21 (or its successor) applies
        if "client_conn" in state:
            state["client_conn"].setdefault("tls_version", None)
            state["server_conn"].setdefault("tls_version", None)
    path = tmp_path / "old.flow"
    path.write_bytes(b"".join(tnetstring.dumps(s) for s in states))
    report = assert_same_reports(path)
    assert len(report["events"]) >= 2 and not report["sources"][0]["errors"]


def test_a_file_of_another_reader_version_is_refused_like_mitmproxy(tmp_path: Path):
    state = pixel_flow(hit()).get_state()
    state["version"] = FLOW_FORMAT_VERSION + 5
    path = tmp_path / "future.flow"
    path.write_bytes(tnetstring.dumps(state))
    fast, slow = _events_and_errors(path, True), _events_and_errors(path, False)
    assert fast == slow and fast[2], "the same clear error"


SESSION = mixed_session()[:8]
SESSION_BYTES = b"".join(_records(SESSION))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(0, len(SESSION_BYTES) - 1), value=st.integers(0, 255))
def test_one_damaged_byte_never_loses_an_event_mitmproxy_reads(tmp_path, position, value):
    data = bytearray(SESSION_BYTES)
    data[position] = value
    path = tmp_path / "fuzz.flow"
    path.write_bytes(bytes(data))
    fast_events, _, fast_errors = _events_and_errors(path, True)
    slow_events, _, slow_errors = _events_and_errors(path, False)
    # The fast reader does not parse records that are not TikTok's, so damage inside one of
    # those goes unnoticed by it; everything mitmproxy reads, it reads too, in order.
    assert fast_events[: len(slow_events)] == slow_events
    if fast_events == slow_events and fast_errors:
        assert slow_errors


def test_an_intact_file_has_no_errors_on_either_path(tmp_path: Path):
    path = tmp_path / "intact.flow"
    path.write_bytes(SESSION_BYTES)
    assert _events_and_errors(path, True) == _events_and_errors(path, False)
    assert _events_and_errors(path, True)[2] == []


@pytest.mark.parametrize("span", [16, 23, 64, 97, 250, 1024])
def test_requests_longer_than_one_read_are_searched_in_pieces(tmp_path, monkeypatch, span):
    """A request over `_SPAN` bytes is searched a piece at a time; a host name cut by the
    pieces' edges (a span of 16 cuts `tiktok` in most records) is still found."""
    from pixelhelper.sources import fastflow

    path = tmp_path / "long.flow"
    flows = mixed_session()
    flows.insert(3, make_flow("POST", "https://api.example.com/upload", body=b"x" * 5000))
    write_flow_file(path, flows)
    monkeypatch.setattr(fastflow, "_SPAN", span)
    report = assert_same_reports(path)
    assert len(report["events"]) == 7 and report["sources"][0]["errors"] == []


@pytest.mark.parametrize("span", [16, 97, 1024])
def test_requests_of_records_in_another_layout_are_searched_in_pieces(tmp_path, monkeypatch, span):
    """A record whose items come in another order (the request first) is walked to its
    request, which is then searched in the file a piece at a time, as in the usual layout."""
    from pixelhelper.sources import fastflow

    flows = [f for f in mixed_session() if f.type == "http"]
    flows.insert(3, make_flow("POST", "https://api.example.com/upload", body=b"x" * 5000))
    states = [f.get_state() for f in flows]
    reordered = [{"request": s["request"], **s} for s in states]
    path = tmp_path / "reordered.flow"
    path.write_bytes(b"".join(tnetstring.dumps(state) for state in reordered))
    monkeypatch.setattr(fastflow, "_SPAN", span)
    report = assert_same_reports(path)
    assert len(report["events"]) == 7 and report["sources"][0]["errors"] == []


# flowstate: the two things it does as mitmproxy does them.

tnet_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.binary(max_size=20)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.binary(max_size=8) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(tnet_values)
def test_tnetstring_loads_matches_mitmproxy(value):
    data = tnetstring.dumps(value)
    assert flowstate.loads(data) == tnetstring.loads(data)


hosts = st.sampled_from(
    [
        "analytics.tiktok.com",
        "ANALYTICS.TikTok.com",
        "203.0.113.9",
        "[2001:db8::1]",
        "xn--bcher-kva.example",
    ]
)


@given(
    method=st.sampled_from(["GET", "POST", "post", "OPTIONS", "CONNECT"]),
    scheme=st.sampled_from(["http", "https"]),
    host=hosts,
    port=st.sampled_from([80, 443, 8443]),
    host_header=st.none() | hosts | st.sampled_from(["analytics.tiktok.com:8080", "a.b, c.d"]),
    http_version=st.sampled_from(["HTTP/1.1", "HTTP/2.0", "HTTP/3"]),
    authority=st.sampled_from(["", "analytics.tiktok.com", "analytics.tiktok.com:443"]),
    path=st.sampled_from(
        ["/api/v2/pixel", "/i18n/pixel/events.js?sdkid=C1", "/%E2%82%AC?q=\u00e9"]
    ),
)
def test_request_state_reads_as_mitmproxy_presents_it(
    method, scheme, host, port, host_header, http_version, authority, path
):
    f = make_flow("POST", "https://analytics.tiktok.com/api/v2/pixel", body=b'{"event":"x"}')
    f.request.method = method
    f.request.scheme = scheme
    f.request.host = host.strip("[]")
    f.request.port = port
    f.request.http_version = http_version
    f.request.authority = authority
    f.request.path = path
    f.request.headers.pop("Host", None)
    if host_header is not None:
        f.request.headers["Host"] = host_header
    state = tnetstring.loads(tnetstring.dumps(f.get_state()))
    ours = flowstate.request_from_state(state["request"], state["client_conn"], "s", 3)
    theirs = request_from_flow(flow.Flow.from_state(state), "s", 3)
    assert ours == theirs
    assert ours.url == theirs.url


def test_unexpected_request_states_are_left_to_mitmproxy():
    state = pixel_flow(hit()).get_state()
    request = dict(state["request"], extra_field=b"new in a later mitmproxy")
    with pytest.raises(flowstate.Unexpected):
        flowstate.request_from_state(request, state["client_conn"], "s", 0)


def test_the_fast_reader_reads_what_flowwriter_wrote_through_a_pipe_too(tmp_path: Path):
    """A handle that cannot be mapped (a pipe) goes to mitmproxy's reader."""
    import io

    buffer = io.BytesIO()
    writer = FlowWriter(buffer)
    for f in mixed_session():
        writer.add(f)
    path = tmp_path / "session.flow"
    path.write_bytes(buffer.getvalue())
    from pixelhelper.sources.fastflow import read_flow_file_fast
    from pixelhelper.sources.stats import Meter

    stats_pipe, stats_file = SourceStats("pipe"), SourceStats("file")
    piped = list(read_flow_file_fast(io.BytesIO(buffer.getvalue()), "s", stats_pipe, Meter()))
    with path.open("rb") as handle:
        mapped = list(read_flow_file_fast(handle, "s", stats_file, Meter()))
    # mitmproxy's reader yields every HTTP request, the fast one only TikTok's candidates;
    # recognition downstream keeps the same ones from both.
    assert [r for r in piped if recognise(r.method, r.url)] == [
        r for r in mapped if recognise(r.method, r.url)
    ]
    assert stats_pipe.flows == stats_file.flows == len(mixed_session())


def _with_client(state: dict, client: dict) -> bytes:
    return tnetstring.dumps({**state, "client_conn": client})


def test_the_client_address_is_read_wherever_the_connection_puts_it(tmp_path: Path):
    """mitmproxy writes `peername` last and the fast reader finds it from the end; a
    connection in another order is walked, and a look-alike inside a TLS field (which the
    client controls) is not taken for it."""
    state = pixel_flow(hit("Pageview")).get_state()
    client = state["client_conn"]
    first = {"peername": client["peername"], **{k: v for k, v in client.items() if k != "peername"}}
    fake = tnetstring.dumps(["6.6.6.6", 1]) + b"]"
    lure = {**client, "alpn_offers": [b"8:peername;" + fake]}
    lure = {k: v for k, v in lure.items() if k != "peername"}
    lure["peername"] = client["peername"]
    tail = {**{k: v for k, v in client.items() if k != "alpn_offers"}}
    tail["alpn_offers"] = [b"]8:peername;" + fake[:-1]]  # peername no longer last
    path = tmp_path / "clients.flow"
    path.write_bytes(b"".join(_with_client(state, c) for c in (client, first, lure, tail)))
    report = assert_same_reports(path)
    assert [e["ip"] for e in report["events"]] == [client["peername"][0]] * 4
