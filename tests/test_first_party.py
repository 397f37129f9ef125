"""First-party proxies: TikTok pixel payloads sent through the site's own host are recognised
by their shape, in captures and through the live proxy (blocked in block mode), and reported
once; ordinary JSON traffic with a `message_id` is left alone."""

from __future__ import annotations

import gzip
import json

import pytest

from pixelhelper.audit import audit_paths, audit_requests
from pixelhelper.capture import CapturedRequest
from pixelhelper.firstparty import MAX_BODY, recognise_payload
from pixelhelper.recognise import Kind
from pixelhelper.sources.writer import make_flow

from e2e_support import proxied_request, running_proxy, standin_server
from flowfactory import CODE, hit

EMAIL = "jane.tester@example.com"


def body(payload: object) -> bytes:
    return json.dumps(payload).encode()


def action() -> dict:
    clicked = hit("Click")
    clicked.pop("event")
    clicked["action"] = "Click"
    clicked["auto_collected_properties"] = {"trigger_element": {"inner_text": "Book a scan"}}
    return clicked


@pytest.mark.parametrize(
    ("url", "payload", "kind"),
    [
        ("https://shop.example/tt-proxy/api/v2/pixel", hit("ViewContent"), Kind.PIXEL),
        ("https://metrics.shop.example/collect/e", hit("Purchase"), Kind.PIXEL),
        ("https://shop.example/_scripts/tt/act", action(), Kind.ACTION),
        ("https://shop.example/p", {"batch": [hit("Pageview"), hit("AddToCart")]}, Kind.PIXEL),
        ("https://shop.example/p", [hit("Pageview")], Kind.PIXEL),
        (f"https://shop.example/p?sdkid={CODE}",
         {**hit("Pageview"), "context": {"page": {"url": "https://shop.example/"}}}, Kind.PIXEL),
    ],
)  # fmt: skip
def test_a_pixel_payload_is_recognised_on_any_host(url, payload, kind):
    recognition = recognise_payload("POST", url, body(payload))
    assert recognition is not None and recognition.kind is kind
    assert recognition.via == "first-party"


@pytest.mark.parametrize(
    ("method", "payload", "encoding"),
    [
        ("POST", {"message_id": "m-1", "event": "typing", "context": {"pixel": {"code": "abc"}}}, None),
        ("POST", {"message_id": "m-1", "text": "hello", "chat": 3}, None),
        ("POST", {"message_id": "m-1", "context": {"pixel": {"code": CODE}}}, None),  # no event
        ("POST", {"message_id": 7, "event": "x", "context": {"pixel": {"code": CODE}}}, None),
        ("GET", hit("Pageview"), None),
        ("POST", hit("Pageview"), "gzip"),
    ],
)  # fmt: skip
def test_other_json_with_a_message_id_is_not_a_pixel(method, payload, encoding):
    assert recognise_payload(method, "https://api.shop.example/v1/chat", body(payload),
                             encoding) is None  # fmt: skip


def test_bodies_that_cannot_be_payloads_cost_one_search():
    assert recognise_payload("POST", "https://a.example/", b"x" * (MAX_BODY + 1)) is None
    assert recognise_payload("POST", "https://a.example/", b'{"message_id": ') is None
    assert recognise_payload("POST", "https://a.example/", b"\xff\xfe message_id") is None
    assert recognise_payload("POST", "https://a.example/", b"[" * 100_000 + b"message_id") is None


def proxied(url: str, payload: object, n: int = 0) -> CapturedRequest:
    return CapturedRequest(method="POST", url=url, source="test", timestamp=1_767_258_000.0 + n,
                           headers=(("Content-Type", "text/plain;charset=UTF-8"),),
                           body=body(payload))  # fmt: skip


def test_an_audit_reports_each_proxied_hit_once_with_its_host_and_leaks():
    page = f"https://shop.example/thanks?email={EMAIL}"
    result = audit_requests([
        proxied("https://shop.example/tt-proxy/api/v2/pixel", hit("Purchase", page=page), 0),
        proxied("https://metrics.shop.example/e", hit("Pageview", page=page, n=1), 1),
        proxied("https://api.shop.example/chat", {"message_id": "m", "event": "typing"}, 2),
    ])  # fmt: skip
    events = [result.events[i] for i in range(len(result.events))]
    assert [(e.event, e.via, e.via_host) for e in events] == [
        ("Purchase", "first-party", "shop.example"),
        ("Pageview", "first-party", "metrics.shop.example"),
    ]
    rules = [f.rule for f in result.findings]
    assert rules.count("first-party-proxy") == 2
    assert any(f.rule == "sensitive-email" and f.event == 0 for f in result.findings)


def test_captures_keep_proxied_hits_in_every_reader(tmp_path):
    from mitmproxy.io import FlowWriter

    flows = [
        make_flow("POST", "https://shop.example/tt-proxy/api/v2/pixel",
                  headers={"Content-Type": "text/plain"}, body=json.dumps(hit("ViewContent")),
                  client_ip="192.0.2.4", timestamp=1_767_258_000.0),
        make_flow("POST", "https://shop.example/api/cart", headers={"Content-Type": "application/json"},
                  body=json.dumps({"message_id": "x", "sku": 3}), client_ip="192.0.2.4",
                  timestamp=1_767_258_001.0),
    ]  # fmt: skip
    path = tmp_path / "proxied.flow"
    with path.open("wb") as handle:
        writer = FlowWriter(handle)
        for flow in flows:
            writer.add(flow)
    for fast in (True, False):
        result = audit_paths([path], fast=fast)
        assert [result.events[i].event for i in range(len(result.events))] == ["ViewContent"]
    har = {"log": {"entries": [
        {"startedDateTime": "2026-01-01T09:00:00.000Z", "time": 1,
         "request": {"method": "POST", "url": "https://shop.example/tt-proxy/api/v2/pixel",
                     "headers": [], "postData": {"mimeType": "text/plain",
                                                 "text": json.dumps(hit("ViewContent"))}},
         "response": {"status": 204, "headers": [], "content": {"size": 0}}},
    ]}}  # fmt: skip
    (tmp_path / "proxied.har").write_text(json.dumps(har))
    result = audit_paths([tmp_path / "proxied.har"])
    assert result.events[0].via == "first-party" and result.events[0].event == "ViewContent"


def test_gzip_bodies_are_not_parsed_but_a_compressed_hit_is_rare():
    assert recognise_payload("POST", "https://a.example/", gzip.compress(body(hit()))) is None


@pytest.mark.parametrize("mode", ["block", "observe"])
def test_the_proxy_blocks_a_proxied_hit_and_lets_other_api_calls_through(tmp_path, mode):
    page = f"https://shop.example/checkout?email={EMAIL}"
    with standin_server() as site:  # the shop's own host: its proxy path and its API
        with running_proxy(tmp_path, mode) as proxy:
            pixel = proxied_request(proxy.port, "POST", f"{site.url}/tt-proxy/api/v2/pixel",
                                    body(hit("Purchase", page=page)),
                                    {"Content-Type": "text/plain;charset=UTF-8"})  # fmt: skip
            api = proxied_request(proxy.port, "POST", f"{site.url}/api/chat",
                                  body({"message_id": "m-1", "text": "hi"}),
                                  {"Content-Type": "application/json"})  # fmt: skip
        paths = [received.path for received in site.received]
    assert pixel in (200, 204) and api == 200
    assert "/api/chat" in paths
    assert ("/tt-proxy/api/v2/pixel" in paths) is (mode == "observe")
    report = json.loads((tmp_path / "report.json").read_text())
    purchases = [e for e in report["events"] if e.get("event") == "Purchase"]
    assert len(purchases) == 1 and purchases[0]["via"] == "first-party"
    rules = {f["rule"] for f in report["findings"]}
    assert {"first-party-proxy", "sensitive-email"} <= rules
    saved = audit_paths([tmp_path / "session.flow"])
    assert [saved.events[i].event for i in range(len(saved.events))] == ["Purchase"]


def test_a_get_beacon_through_the_sites_host_is_recognised_by_its_query():
    import base64
    from urllib.parse import quote

    plain = f"https://shop.example/tt/e?data={quote(json.dumps(hit('ViewContent')))}"
    packed = base64.b64encode(json.dumps(hit("Pageview")).encode()).decode()
    for url in (plain, f"https://shop.example/tt/e?message_id=1&d={quote(packed)}"):
        recognition = recognise_payload("GET", url, None)
        assert recognition is not None and recognition.kind is Kind.PIXEL
    result = audit_requests([CapturedRequest(method="GET", url=plain, source="t")])
    assert result.events[0].event == "ViewContent" and result.events[0].via == "first-party"
    # a query that only names the key is no payload
    assert (
        recognise_payload("GET", "https://shop.example/inbox?message_id=42&event=open", None)
        is None
    )
