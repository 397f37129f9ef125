"""The diagnostics TikTok documents: every listed pixel, event_time units, exact event names,
TikTok's own matching status, first-party cookies, hashed fields, and sessions per file."""

from __future__ import annotations

import json

import pytest

from pixelhelper.audit import audit_paths, audit_requests
from pixelhelper.cli import main
from pixelhelper.report import build_report
from pixelhelper.sources.writer import write_flow_file, write_har

from conftest import CAPTURES, request_list
from flowfactory import CODE, hit, loader_flow, pixel_flow
from test_rules import SENT, SHA, SHOP, events_api, purchase


def _rules(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.rule for f in result.findings]


def test_every_code_in_pixel_codes_is_a_pixel_of_the_page(capsys):
    path = CAPTURES / "github_khoand04_trainning-git_pixel_act_click.json"
    result = audit_requests(request_list(path))
    (page,) = result.session.pages
    assert set(page.pixels) == {"C3LTV833G487IS978FKG", "C2D2TAIQV140ORDIHT80"}
    report = build_report(result)
    listed = {p["code"]: p for p in report["pixels"]}
    assert listed["C2D2TAIQV140ORDIHT80"]["listed"] == 1
    assert listed["C2D2TAIQV140ORDIHT80"]["events"] == 0


@pytest.mark.parametrize(
    ("event_time", "rule", "says"),
    [
        (None, "invalid-event-time", "missing"),
        ("yesterday", "invalid-event-time", "not a number"),
        (int(SENT * 1000), "invalid-event-time", "milliseconds"),
        (int(SENT) + 86400, "invalid-event-time", "after the request"),
        (int(SENT) - 8 * 86400, "stale-event-time", "days before"),
    ],
)
def test_event_time_units_and_ages(tmp_path, event_time, rule, says):
    item = {"event": "Purchase", "event_id": "o1", "user": {"email": SHA}, "properties": purchase()}
    if event_time is not None:
        item["event_time"] = event_time
    path = tmp_path / "e.flow"
    write_flow_file(path, [events_api(item)])
    result = audit_paths([path])
    (finding,) = [f for f in result.findings if f.rule.endswith("event-time")]
    assert finding.rule == rule and says in finding.message


def test_event_time_in_seconds_is_clean(tmp_path):
    path = tmp_path / "e.flow"
    item = {"event": "Purchase", "event_id": "o1", "event_time": int(SENT) - 30,
            "user": {"email": SHA}, "properties": purchase()}  # fmt: skip
    write_flow_file(path, [events_api(item)])
    assert not [r for r in _rules(audit_paths([path])) if r.endswith("event-time")]


@pytest.mark.parametrize("name", ["Purchase ", " Purchase", "purchase", "PURCHASE", "PageView"])
def test_case_and_space_variants_of_standard_names(tmp_path, name):
    path = tmp_path / "n.flow"
    write_flow_file(path, [pixel_flow(hit(name, page=SHOP, event_id="o1", properties=purchase()))])
    rules = _rules(audit_paths([path]))
    assert "event-name-case" in rules and "custom-event" not in rules


def test_matching_status_is_shown_for_every_event_and_summarised_per_pixel(capsys):
    path = CAPTURES / "github_mbaersch_tracking-auditor-extension_tiktok_test.json"
    result = audit_requests(request_list(path))
    report = build_report(result)
    (pixel,) = report["pixels"]
    signals = pixel["advanced_matching"]["signals"]
    assert signals["raw_phone"] == {"missing": 1, "invalid": 2}
    assert "plain_email" in pixel["advanced_matching"]["identity_params"]["email_is_hashed"]
    with_labels = [e for e in report["events"] if e.get("signal_diagnostics")]
    from pixelhelper.output import Format

    text = Format.TEXT.renderer()(report, False)
    assert text.count("TikTok matching status") == len(with_labels) == 3
    assert "raw_phone: invalid (invalid_country" in text
    assert "advanced matching: raw_email" in text


def test_first_party_cookie_check_on_real_captures():
    missing = audit_paths([CAPTURES / "themarkup_nonprofit_plannedparenthood.har"])
    assert "no-first-party-cookie" in _rules(missing)
    present = audit_paths(
        [CAPTURES / "themarkup_healthexchange_colorado-connectforhealthco.com.har"]
    )
    assert "no-first-party-cookie" not in _rules(present)  # anonymous_id carries _ttp


def test_unhashed_identity_only_for_fields_documented_as_hashed(tmp_path):
    path = tmp_path / "u.flow"
    browser = hit("Lead", page=SHOP, event_id="l1",
                  user={"first_name": "Jane", "external_id": "123456", "anonymous_id": "x"})  # fmt: skip
    server = {"event": "Lead", "event_id": "l1", "event_time": int(SENT),
              "user": {"email": SHA, "external_id": "cust-42"}}  # fmt: skip
    write_flow_file(path, [pixel_flow(browser), events_api(server)])
    flagged = [(f.event, f.location, f.severity) for f in audit_paths([path]).findings
               if f.rule == "unhashed-identity"]  # fmt: skip
    assert flagged == [(1, "user.external_id", "medium")]


def test_a_session_saved_twice_has_no_cross_file_findings(tmp_path):
    flows = [
        loader_flow(referer=SHOP, n=0),
        pixel_flow(hit("ViewContent", page=SHOP, event_id="vc-1", n=1), n=1),
        pixel_flow(hit("Purchase", page=SHOP, event_id="o-1", properties=purchase(), n=2), n=2),
        events_api(
            {
                "event": "Purchase",
                "event_id": "o-1",
                "event_time": int(SENT),
                "user": {"email": SHA},
                "properties": purchase(),
            }
        ),  # fmt: skip
    ]
    write_flow_file(tmp_path / "s.flow", flows)
    write_har(tmp_path / "s.har", flows)
    result = audit_paths([tmp_path])
    cross = {"duplicate-event", "static-event-id", "events-api-no-dedup", "duplicate-pixel-load"}
    assert cross.isdisjoint(_rules(result))
    assert {p.source for p in result.session.pages} == {
        str(tmp_path / "s.flow"),
        str(tmp_path / "s.har"),
    }


def test_a_reload_with_a_fixed_event_id_is_static_not_duplicate(tmp_path):
    path = tmp_path / "r.flow"
    flows = [
        loader_flow(referer=SHOP, n=0),
        pixel_flow(hit("Lead", page=SHOP, event_id="lead", n=1), n=1),
        loader_flow(referer=SHOP, n=2),
        pixel_flow(hit("Lead", page=SHOP, event_id="lead", n=3), n=3),
        pixel_flow(hit("Lead", page=SHOP, event_id="lead", n=4), n=4),
    ]
    write_flow_file(path, flows)
    found = [(f.rule, f.event) for f in audit_paths([path]).findings
             if f.rule in ("static-event-id", "duplicate-event")]  # fmt: skip
    assert sorted(found) == [("duplicate-event", 4), ("static-event-id", 3)]


def test_top_level_content_id_is_low_advice(tmp_path, capsys):
    path = tmp_path / "c.flow"
    props = {"content_id": "SKU-1", "content_type": "product", "value": 5, "currency": "USD"}
    write_flow_file(
        path, [pixel_flow(hit("ViewContent", page=SHOP, event_id="v", properties=props))]
    )
    main(["audit", str(path), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    (advice,) = [f for f in findings if f["rule"] == "content-ids-shape"]
    assert advice["severity"] == "low" and advice["value"] == "SKU-1"
    assert CODE  # the fixture pixel code is a valid one
