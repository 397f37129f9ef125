"""Vendors: the Meta Pixel beside TikTok's (loader, browser hits by GET, POST form and
beacon, the Conversions API), rules by vendor, `--vendors`, the policy's `vendor:ID`, block
mode, and a third party's vendor registered by entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from urllib.parse import quote, urlencode

import pytest

from pixelhelper.audit import audit_paths, audit_requests
from pixelhelper.capture import CapturedRequest
from pixelhelper.cli import main
from pixelhelper.recognise import Kind, recognise
from pixelhelper.sources.writer import make_flow, write_flow_file

from e2e_support import proxied_request, running_proxy, standin_server
from flowfactory import hit, pixel_flow

PIXEL = "1234567890123456"
CLINIC = "https://clinic.example/book?service=hiv-test"
EMAIL = "jane.doe@example.com"
TOKEN = "EAABsbCS1iHgBAExampleSecretToken0123456789"


def tr_params(**extra: str) -> dict[str, str]:
    return {"id": PIXEL, "ev": "PageView", "dl": CLINIC, "rl": "https://search.example/",
            "if": "false", "ts": "1767258000000", "sw": "1920", "sh": "1080", "v": "2.9.179",
            "r": "stable", "ec": "0", "o": "4126", "fbp": "fb.1.1767258000000.987654321",
            "it": "1767257999000", "coo": "false", "rqm": "GET", **extra}  # fmt: skip


def get_hit(**extra: str) -> CapturedRequest:
    return CapturedRequest(method="GET", source="t", headers=(("Referer", CLINIC),),
                           url="https://www.facebook.com/tr/?" + urlencode(tr_params(**extra)))  # fmt: skip


def form_hit(**extra: str) -> CapturedRequest:
    return CapturedRequest(
        method="POST", url="https://www.facebook.com/tr/", source="t",
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
        body=urlencode(tr_params(rqm="formPOST", **extra)).encode(),
    )  # fmt: skip


def beacon_hit(**extra: str) -> CapturedRequest:
    boundary = "----WebKitFormBoundaryq8TtY2gKk1Lq0e7c"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in tr_params(rqm="SB", **extra).items()]  # fmt: skip
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return CapturedRequest(
        method="POST", url="https://www.facebook.com/tr/", source="t", body=body,
        headers=(("Content-Type", f"multipart/form-data; boundary={boundary}"),),
    )  # fmt: skip


def capi(**item: object) -> CapturedRequest:
    event = {"event_name": "Schedule", "event_time": 1767258000, "event_id": "s-1",
             "action_source": "website", "event_source_url": CLINIC,
             "user_data": {"em": [EMAIL], "client_ip_address": "203.0.113.9",
                           "client_user_agent": "Mozilla/5.0"},
             "custom_data": {"service": "HIV test"}, **item}  # fmt: skip
    return CapturedRequest(
        method="POST", source="t",
        url=f"https://graph.facebook.com/v19.0/{PIXEL}/events?access_token={TOKEN}",
        headers=(("Content-Type", "application/json"),),
        body=json.dumps({"data": [event], "access_token": TOKEN,
                         "test_event_code": "TEST123"}).encode(),
    )  # fmt: skip


@pytest.mark.parametrize("build", [get_hit, form_hit, beacon_hit])
def test_browser_hits_decode_with_custom_data_and_advanced_matching(build):
    request = build(ev="SubscribedButtonClick", es="automatic",
                    **{"cd[buttonText]": "Book an HIV test", "ud[em]": EMAIL})  # fmt: skip
    result = audit_requests([request])
    event = result.events[0]
    assert (event.vendor, event.kind, event.endpoint) == ("meta", "pixel", "tr")
    assert event.pixel_code == PIXEL and event.event == "SubscribedButtonClick"
    assert event.page_url == CLINIC and event.referrer == "https://search.example/"
    assert event.properties == {"buttonText": "Book an HIV test"}
    assert event.user == {"em": EMAIL, "fbp": "fb.1.1767258000000.987654321"}
    assert event.payload["rqm"] in ("GET", "formPOST", "SB")  # every parameter kept
    found = {(f.rule, f.location) for f in result.findings}
    assert ("sensitive-email", "ud[em]") in found
    assert ("meta-unhashed-user-data", "ud[em]") in found
    assert ("sensitive-health", "cd[buttonText]") in found
    places = [(f.rule, f.location) for f in result.findings]
    assert len(places) == len(set(places))  # the query and the payload are one: found once


def test_a_hashed_identity_and_bookkeeping_raise_nothing():
    hashed = "a" * 64
    result = audit_requests([get_hit(ev="Lead", eid="l-1", **{"ud[em]": hashed,
                                                              "cd[value]": "0"})])  # fmt: skip
    sensitive = [f for f in result.findings if f.type == "sensitive" and f.category != "health"]
    assert not [f for f in result.findings if f.rule == "meta-unhashed-user-data"]
    assert not sensitive, sensitive  # ts, it, fbp: the pixel's own numbers are no phones


def test_the_conversions_api_decodes_and_never_keeps_its_token(tmp_path, capsys):
    result = audit_requests([capi()])
    event = result.events[0]
    assert (event.vendor, event.kind, event.endpoint) == ("meta", "events_api", "conversions_api")
    assert event.event == "Schedule" and event.event_id == "s-1"
    assert event.event_source == "website" and event.test_event_code == "TEST123"
    assert event.user["em"] == [EMAIL] and event.properties == {"service": "HIV test"}
    assert "access_token" not in json.dumps(event.payload)
    rules = {f.rule for f in result.findings}
    assert {"sensitive-email", "meta-unhashed-user-data", "sensitive-health"} <= rules
    path = tmp_path / "capi.flow"
    write_flow_file(path, [make_flow("POST", capi().url, body=capi().body,
                                     headers={"Content-Type": "application/json"})])  # fmt: skip
    for fmt in ("json", "text", "sarif", "jsonl"):
        main(["audit", str(path), "--format", fmt, "--show-values"])
        assert TOKEN not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("method", "url", "kind", "code"),
    [
        ("GET", "https://connect.facebook.net/en_US/fbevents.js", Kind.SCRIPT, None),
        ("GET", f"https://connect.facebook.net/signals/config/{PIXEL}?v=2.9.179&r=stable",
         Kind.SCRIPT, PIXEL),
        ("GET", "https://www.facebook.com/tr?id=1&ev=PageView", Kind.PIXEL, None),
        ("POST", "https://facebook.com/tr/", Kind.PIXEL, None),
        ("POST", f"https://graph.facebook.com/v21.0/{PIXEL}/events", Kind.EVENTS_API, PIXEL),
    ],
)  # fmt: skip
def test_meta_pixel_traffic_is_recognised(method, url, kind, code):
    found = recognise(method, url)
    assert found is not None and found.vendor == "meta" and found.kind is kind
    assert found.pixel_code == code


@pytest.mark.parametrize(
    "url",
    [
        "https://connect.facebook.net/en_US/sdk.js",  # the login SDK, not the pixel
        "https://www.facebook.com/groups/tr",
        "https://www.facebook.com.evil.example/tr",
        f"https://graph.facebook.com/v19.0/{PIXEL}/photos",
        "https://tr.facebook.example/tr",
    ],
)
def test_the_rest_of_facebook_is_not_the_pixel(url):
    assert recognise("POST" if "graph" in url else "GET", url) is None


def test_tiktok_rules_stay_on_tiktok_events_and_vendors_can_be_chosen(tmp_path, capsys):
    flows = [
        make_flow("GET", get_hit(ev="Purchase", eid="p-1").url, headers={"Referer": CLINIC}),
        pixel_flow(hit("Pageview", page=CLINIC)),
    ]
    path = tmp_path / "both.flow"
    write_flow_file(path, flows)
    result = audit_paths([path])
    vendors = [result.events[i].vendor for i in range(len(result.events))]
    assert sorted(vendors) == ["meta", "tiktok"]
    by_rule = {
        f.rule: result.events[f.event].vendor for f in result.findings if f.event is not None
    }
    assert by_rule.get("meta-missing-value-currency") == "meta"
    assert "invalid-pixel-code" not in by_rule  # a Meta ID is not judged as a TikTok code
    assert "missing-currency" not in by_rule  # TikTok's purchase rule is not Meta's
    for chosen, expected in (
        ("tiktok", {"tiktok"}),
        ("meta", {"meta"}),
        ("tiktok,meta", {"tiktok", "meta"}),
    ):
        assert main(["audit", str(path), "--vendors", chosen, "--format", "json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert {e["vendor"] for e in report["events"]} == expected
        assert {p["vendor"] for p in report["pixels"]} == expected
    assert main(["audit", str(path), "--vendors", "acme"]) == 2
    assert "unknown vendor 'acme'" in capsys.readouterr().err


def test_the_policy_allows_pixels_by_vendor(tmp_path, capsys):
    flows = [make_flow("GET", get_hit(ev="Lead", eid="l-1").url, headers={"Referer": CLINIC}),
             pixel_flow(hit("Pageview", page=CLINIC))]  # fmt: skip
    path = tmp_path / "both.flow"
    write_flow_file(path, flows)

    def unexpected(allowed: str) -> list[str]:
        policy = tmp_path / "p.toml"
        policy.write_text(f"[pixels]\nallowed = [{allowed}]\n")
        main(["check", str(path), "--policy", str(policy), "--format", "json"])
        report = json.loads(capsys.readouterr().out)
        return sorted(
            f["pixel_code"] for f in report["findings"] if f["rule"] == "unexpected-pixel"
        )

    assert unexpected('"CQ8PJ3RC77U4LT2MKR2G"') == []  # a TikTok list says nothing of Meta
    assert unexpected(f'"CQ8PJ3RC77U4LT2MKR2G", "meta:{PIXEL}"') == []
    assert unexpected('"meta:999999999999999"') == [PIXEL]  # Meta named: its list applies
    assert unexpected('"meta:999999999999999", "CQ8PJ3RC77U4LT2MKR2G"') == [PIXEL]
    policy = tmp_path / "bad.toml"
    policy.write_text('[pixels]\nallowed = ["acme:123"]\n')
    assert main(["check", str(path), "--policy", str(policy)]) == 2
    assert "unknown vendor 'acme'" in capsys.readouterr().err


def test_block_mode_blocks_the_meta_pixel_and_lets_facebook_through(tmp_path):
    with standin_server() as standin:
        extra = ["--set", f"map_remote=!https?://[^/]*facebook\\.(com|net)!{standin.url}"]
        with running_proxy(tmp_path, "block", extra=extra) as proxy:
            pixel = proxied_request(proxy.port, "GET", get_hit(ev="Lead", eid="l-1").url)
            page = proxied_request(proxy.port, "GET", "http://www.facebook.com/groups/runners")
            sdk = proxied_request(proxy.port, "GET", "http://connect.facebook.net/en_US/sdk.js")
        paths = [received.path.split("?")[0] for received in standin.received]
    assert pixel in (200, 204) and page == 200 and sdk == 200
    assert paths == ["/groups/runners", "/en_US/sdk.js"]  # the pixel's hit never left
    saved = audit_paths([tmp_path / "session.flow"])
    assert [saved.events[i].event for i in range(len(saved.events))] == ["Lead"]


def test_a_third_party_vendor_is_picked_up_by_entry_point(tmp_path):
    package = tmp_path / "site"
    (package / "acme_pixel-1.0.dist-info").mkdir(parents=True)
    (package / "acme_pixel-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-pixel\nVersion: 1.0\n"
    )
    (package / "acme_pixel-1.0.dist-info" / "entry_points.txt").write_text(
        "[pixelhelper.vendors]\nacme = acme_pixel:VENDOR\n")  # fmt: skip
    (package / "acme_pixel.py").write_text(
        textwrap.dedent("""
        from pixelhelper.decode.events import base_fields, event
        from pixelhelper.recognise import Kind, Recognition

        class Acme:
            id = "acme"
            name = "Acme Pixel"
            host_markers = (b"acme-pixel",)
            rule_modules = ()

            def host(self, name):
                return name == "t.acme-pixel.example"

            def recognise(self, method, url):
                if url.startswith("https://t.acme-pixel.example/hit"):
                    return Recognition(Kind.PIXEL, "hit", "ACME-1", vendor="acme")
                return None

            def decode(self, request, recognition):
                return [event(base_fields(request, recognition), event="Visit",
                              page_url=request.header("referer"))]

        VENDOR = Acme()
    """)
    )
    capture = tmp_path / "acme.flow"
    write_flow_file(capture, [
        make_flow("GET", f"https://t.acme-pixel.example/hit?u={quote(CLINIC)}&e={quote(EMAIL)}",
                  headers={"Referer": CLINIC}),
        pixel_flow(hit("Pageview")),
    ])  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(package), os.getcwd()])}
    env.pop("PIXELHELPER_VENDORS", None)
    done = subprocess.run([sys.executable, "-m", "pixelhelper.cli", "audit", str(capture),
                           "--format", "json"], capture_output=True, text=True, env=env,
                          timeout=60)  # fmt: skip
    report = json.loads(done.stdout)
    assert {e["vendor"] for e in report["events"]} == {"acme", "tiktok"}
    assert any(
        f["rule"] == "sensitive-email" and f["location"] == "url?e" for f in report["findings"]
    )  # the detectors work on its hits unchanged
    listed = subprocess.run([sys.executable, "-m", "pixelhelper.cli", "audit", str(capture),
                             "--vendors", "acme", "--format", "json"], capture_output=True,
                            text=True, env=env, timeout=60)  # fmt: skip
    assert {e["vendor"] for e in json.loads(listed.stdout)["events"]} == {"acme"}


def test_redact_mode_never_forwards_a_meta_hits_email(tmp_path):
    with standin_server() as standin:
        extra = ["--set", f"map_remote=!https?://[^/]*facebook\\.(com|net)!{standin.url}"]
        with running_proxy(tmp_path, "redact", extra=extra) as proxy:
            status = proxied_request(proxy.port, "GET",
                                     get_hit(ev="Lead", eid="l-1", **{"ud[em]": EMAIL}).url)  # fmt: skip
            form = form_hit(ev="Lead", eid="l-2", **{"cd[email]": EMAIL})
            posted = proxied_request(proxy.port, "POST", form.url, form.body,
                                     dict(form.headers))  # fmt: skip
        forwarded = [r.path + r.body.decode("utf-8", "replace") for r in standin.received]
    assert status in (200, 204) and posted in (200, 204)
    assert not any("jane.doe" in text or "jane.doe%40" in text for text in forwarded)


def test_automatic_events_carry_the_page_and_the_button_into_the_detectors():
    features = json.dumps({"classList": "btn btn-primary", "destination": CLINIC,
                           "id": "book", "innerText": "Book an abortion consultation",
                           "tag": "button", "type": "submit"})  # fmt: skip
    meta = json.dumps({"title": "HIV testing and PrEP | Downtown Clinic",
                       "meta:description": "Confidential HIV testing"})  # fmt: skip
    result = audit_requests([
        get_hit(ev="SubscribedButtonClick", es="automatic",
                **{"cd[buttonFeatures]": features, "cd[buttonText]": "Book now"}),
        get_hit(ev="Microdata", es="automatic", **{"cd[Meta]": meta, "cd[OpenGraph]": "{}"}),
    ])  # fmt: skip
    health = {
        (f.event, f.location.split(".")[0]) for f in result.findings if f.category == "health"
    }
    assert (0, "cd[buttonFeatures]") in health and (1, "cd[Meta]") in health
    assert not [f for f in result.findings if f.rule == "meta-missing-event-id"]  # automatic


def test_observe_mode_records_a_meta_hit_once_and_forwards_it(tmp_path):
    with standin_server() as standin:
        extra = ["--set", f"map_remote=!https?://[^/]*facebook\\.(com|net)!{standin.url}"]
        with running_proxy(tmp_path, "observe", extra=extra) as proxy:
            proxied_request(proxy.port, "GET", get_hit(ev="Lead", eid="l-1").url)
            proxied_request(proxy.port, "GET", "http://www.facebook.com/groups/runners")
        paths = [received.path.split("?")[0] for received in standin.received]
    assert paths == ["/tr/", "/groups/runners"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert [(e["vendor"], e["event"]) for e in report["events"]] == [("meta", "Lead")]
