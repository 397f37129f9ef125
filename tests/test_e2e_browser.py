"""End to end: headless Chromium -> pixelhelper proxy -> (a local stand-in for) TikTok.

The site (examples/site) is served on 127.0.0.1 and loads a small pixel script written for
these tests that posts the real SDK's payload shapes to https://analytics.tiktok.com. mitmproxy's
own map_remote option points TikTok's hosts at a recording stand-in on 127.0.0.1, so whatever
would leave the machine is visible and nothing ever does.
"""

from __future__ import annotations

import json

from pixelhelper.audit import audit_paths

from e2e_support import browse_site, needs_chromium, running_proxy, site_server, standin_server

EMAIL = "jane.tester@example.com"


def _visit(page, base):  # type: ignore[no-untyped-def]
    page.goto(f"{base}/index.html", wait_until="load")
    page.goto(f"{base}/product.html", wait_until="load")
    page.click("#add-to-cart")
    page.click("#book")
    page.wait_for_timeout(300)
    page.goto(f"{base}/contact.html", wait_until="load")
    page.fill("#email", EMAIL)
    page.click("#send")
    page.wait_for_url("**/thanks.html*")
    page.wait_for_load_state("load")


def _events(path):  # type: ignore[no-untyped-def]
    return audit_paths([path])


@needs_chromium
def test_block_mode_nothing_leaves_and_report_holds_findings(tmp_path):
    with site_server() as base, standin_server() as standin:
        with running_proxy(tmp_path, "block", standin) as proxy:
            browse_site(base, proxy, _visit)
        assert standin.received == []  # map_remote would have routed it here: nothing was sent
    result = _events(proxy.save)
    names = [e.event for e in result.events if e.kind in ("pixel", "action")]
    for expected in ("Pageview", "ViewContent", "AddToCart", "Click", "SubmitForm", "Metadata"):
        assert expected in names, names
    assert any(e.kind == "script" and e.pixel_code == "CQ8PJ3RC77U4LT2MKR2G" for e in result.events)
    categories = {(f.category, f.location) for f in result.findings if f.type == "sensitive"}
    assert ("health", "auto_collected_properties.trigger_element.inner_text") in categories
    assert ("email", "context.user.email") in categories
    assert ("email", "context.page.url?email") in categories
    assert any(f.rule == "unhashed-identity" for f in result.findings)
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["events"]) == len(result.events)
    assert EMAIL not in (tmp_path / "report.json").read_text()  # masked by default


@needs_chromium
def test_observe_mode_requests_arrive_unchanged(tmp_path):
    with (
        site_server() as base,
        standin_server() as standin,
        running_proxy(tmp_path, "observe", standin) as proxy,
    ):
        browse_site(base, proxy, _visit)
    canon = lambda doc: json.dumps(doc, sort_keys=True)  # noqa: E731
    posted = sorted(canon(json.loads(r.body)) for r in standin.received if r.method == "POST")
    captured = _events(proxy.save)
    seen = sorted(canon(e.payload) for e in captured.events if e.kind in ("pixel", "action"))
    assert posted and posted == seen  # every body arrived, byte for byte as the browser sent it
    loads = [r for r in standin.received if r.method == "GET"]
    assert loads and all(r.path.startswith("/i18n/pixel/events.js?sdkid=") for r in loads)
    assert any(EMAIL in r.body.decode() for r in standin.received)  # observe really observes
    for request in standin.received:
        if request.method == "POST":
            assert request.headers["content-type"].startswith("text/plain")


@needs_chromium
def test_redact_mode_strips_flagged_values(tmp_path):
    with (
        site_server() as base,
        standin_server() as standin,
        running_proxy(tmp_path, "redact", standin) as proxy,
    ):
        browse_site(base, proxy, _visit)
    bodies = [r.body.decode() for r in standin.received if r.method == "POST"]
    assert bodies
    everything = "\n".join(bodies) + "\n".join(r.path for r in standin.received)
    assert EMAIL not in everything
    assert "jane.tester%40example.com" not in everything
    assert "Book an appointment with a midwife" not in everything
    assert "REDACTED" in everything
    events = [json.loads(b) for b in bodies]
    assert {e.get("event") for e in events} >= {"Pageview", "ViewContent", "AddToCart"}
