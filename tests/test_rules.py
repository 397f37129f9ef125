"""One capture per setup rule that triggers it, a clean capture that triggers none of the
error-level rules, and the real captures (with the justification of every error they raise)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pixelhelper.audit import audit_paths, audit_requests
from pixelhelper.cli import main
from pixelhelper.inspect import InspectOptions, all_rules
from pixelhelper.inspect.rules import ERROR_SEVERITIES, RULES
from pixelhelper.sources.writer import make_flow, write_flow_file

from conftest import CAPTURES, request_list, shared_captures
from flowfactory import CODE, hit, loader_flow, pixel_flow, site_flow

SHOP = "https://shop.example.com/products/1"
ITEM = {"content_id": "SKU-1", "content_name": "Shirt", "price": 20.0, "quantity": 1}
SHA = hashlib.sha256(b"jane.doe@example.com").hexdigest()


SENT = 1_767_258_010.0  # when the Events API requests below were sent


def events_api(*items, code=CODE):
    body = {"event_source": "web", "event_source_id": code, "data": list(items)}
    return make_flow(
        "POST",
        "https://business-api.tiktok.com/open_api/v1.3/event/track/",
        headers={"Access-Token": "x" * 40, "Content-Type": "application/json"},
        body=json.dumps(body),
        timestamp=SENT,
    )


def purchase(**props):
    base = {"contents": [ITEM], "content_type": "product", "value": 20.0, "currency": "USD"}
    base.update(props)
    return {k: v for k, v in base.items() if v is not None}


CASES = {
    "invalid-pixel-code": [pixel_flow(hit("Pageview", code="C1234567890"))],
    "event-name-case": [
        pixel_flow(hit("Purchase ", page=SHOP, event_id="o1", properties=purchase()))
    ],
    "invalid-event-time": [
        events_api(
            {
                "event": "Purchase",
                "event_id": "o1",
                "event_time": int(SENT * 1000),
                "user": {"email": SHA},
                "properties": purchase(),
            }
        )  # fmt: skip
    ],
    "stale-event-time": [
        events_api(
            {
                "event": "Purchase",
                "event_id": "o1",
                "event_time": int(SENT) - 9 * 86400,
                "user": {"email": SHA},
                "properties": purchase(),
            }
        )  # fmt: skip
    ],
    "static-event-id": [
        loader_flow(referer=SHOP, n=0),
        pixel_flow(hit("ViewContent", page=SHOP, event_id="vc-1", n=1), n=1),
        loader_flow(referer=SHOP, n=2),
        pixel_flow(hit("ViewContent", page=SHOP, event_id="vc-1", n=3), n=3),
    ],
    "no-first-party-cookie": [
        loader_flow(referer=SHOP, n=0),
        pixel_flow(hit("Pageview", page=SHOP, user={}, n=1), n=1),
    ],
    "duplicate-pixel-load": [
        loader_flow(n=0),
        loader_flow(n=1),
        pixel_flow(hit("Pageview", page="https://shop.example.com/"), n=2),
    ],
    "pixel-without-events": [loader_flow(code="D0ABCDEFGHIJKLMNOPQG", n=0), site_flow(n=1)],
    "empty-event-name": [pixel_flow(hit("", page=SHOP))],
    "custom-event": [pixel_flow(hit("WatchedVideo", page=SHOP, event_id="v1"))],
    "legacy-event-name": [
        pixel_flow(hit("CompletePayment", page=SHOP, event_id="o1", properties=purchase()))
    ],
    "missing-value": [
        pixel_flow(hit("Purchase", page=SHOP, event_id="o1", properties=purchase(value=None)))
    ],
    "missing-currency": [
        pixel_flow(
            hit("AddToCart", page=SHOP, event_id="a1", properties={"contents": [ITEM], "value": 20})
        )
    ],
    "invalid-value": [
        pixel_flow(hit("Purchase", page=SHOP, event_id="o1", properties=purchase(value="$20,00")))
    ],
    "invalid-currency": [
        pixel_flow(hit("Purchase", page=SHOP, event_id="o1", properties=purchase(currency="usd")))
    ],
    "invalid-content-type": [
        pixel_flow(
            hit(
                "ViewContent",
                page=SHOP,
                event_id="v1",
                properties={"content_type": "sku", "content_ids": ["1"]},
            )
        )
    ],
    "invalid-contents": [
        pixel_flow(
            hit("AddToCart", page=SHOP, event_id="a1", properties=purchase(contents=[{"sku": "1"}]))
        )
    ],
    "content-ids-shape": [
        pixel_flow(
            hit(
                "ViewContent",
                page=SHOP,
                event_id="v1",
                properties={"content_id": "SKU-1", "content_type": "product"},
            )
        )
    ],
    "missing-event-id": [pixel_flow(hit("Purchase", page=SHOP, properties=purchase()))],
    "unhashed-identity": [
        pixel_flow(
            hit(
                "Purchase",
                page=SHOP,
                event_id="o1",
                properties=purchase(),
                user={"email": "jane.doe@example.com"},
            )
        )
    ],
    "identity-not-normalised": [
        pixel_flow(
            hit(
                "Purchase",
                page=SHOP,
                event_id="o1",
                properties=purchase(),
                user={"email": hashlib.sha256(b"Jane.Doe@Example.com").hexdigest()},
            )
        )
    ],
    "signal-rejected": [
        pixel_flow(
            hit(
                "Lead",
                page=SHOP,
                event_id="l1",
                signal_diagnostic_labels={
                    "raw_phone": {"label": "invalid", "abnormal_types": ["invalid_country"]}
                },
            )
        )
    ],
    "decode-error": [pixel_flow(b'{"event": "Purchase", "context": ')],
    "duplicate-event": [
        pixel_flow(hit("Purchase", page=SHOP, event_id="o1", properties=purchase(), n=1), n=1),
        pixel_flow(hit("Purchase", page=SHOP, event_id="o1", properties=purchase(), n=2), n=2),
    ],
    "events-api-no-dedup": [
        pixel_flow(hit("Purchase", page=SHOP, event_id="browser-1", properties=purchase())),
        events_api(
            {
                "event": "Purchase",
                "event_id": "server-1",
                "event_time": 1767258000,
                "user": {"email": SHA},
                "properties": purchase(),
            }
        ),
    ],
}


def meta_hit(**params: str):
    """A Meta Pixel image hit (GET facebook.com/tr), as fbevents.js sends it."""
    from urllib.parse import urlencode

    query = {"id": "1234567890123456", "ev": "PageView", "dl": SHOP, "rl": "", "if": "false",
             "ts": "1767258000000", "v": "2.9.179", "r": "stable", "ec": "0",
             "fbp": "fb.1.1767258000000.123456789", **params}  # fmt: skip
    return make_flow("GET", "https://www.facebook.com/tr/?" + urlencode(query),
                     headers={"Referer": SHOP}, timestamp=SENT)  # fmt: skip


def meta_config(n: int = 0):
    return make_flow("GET", "https://connect.facebook.net/signals/config/1234567890123456?v=2",
                     headers={"Referer": SHOP}, timestamp=SENT + n)  # fmt: skip


CASES.update({
    "first-party-proxy": [make_flow(
        "POST", "https://shop.example.com/tt-proxy/api/v2/pixel",
        headers={"Content-Type": "text/plain;charset=UTF-8"}, body=json.dumps(hit("Pageview")),
    )],
    "meta-invalid-pixel-id": [meta_hit(id="PIXEL_ID_HERE")],
    "meta-custom-event": [meta_hit(ev="BookedConsultation", eid="b-1")],
    "meta-missing-value-currency": [meta_hit(ev="Purchase", eid="o-1", **{"cd[value]": "20"})],
    "meta-missing-event-id": [meta_hit(ev="AddToCart", **{"cd[value]": "20"})],
    "meta-unhashed-user-data": [meta_hit(ev="Lead", eid="l-1", **{"ud[em]": "jane.doe@example.com"})],
    "meta-duplicate-event": [meta_hit(ev="Lead", eid="l-1"), meta_hit(ev="Lead", eid="l-1")],
    "meta-duplicate-pixel": [meta_config(0), meta_config(1)],
})  # fmt: skip
EXPECTED_LOCATION = {
    "invalid-currency": "properties.currency",
    "invalid-value": "properties.value",
    "missing-value": "properties.value",
    "unhashed-identity": "context.user.email",
    "signal-rejected": "signal_diagnostic_labels.raw_phone",
    "content-ids-shape": "properties.content_id",
    "event-name-case": "event",
    "invalid-event-time": "event_time",
    "stale-event-time": "event_time",
    "static-event-id": "event_id",
    "no-first-party-cookie": "cookies._ttp",
    "meta-missing-value-currency": "cd[currency]",
    "meta-unhashed-user-data": "ud[em]",
    "meta-missing-event-id": "eid",
}


def _audit(tmp_path: Path, flows, **options):
    path = tmp_path / "capture.flow"
    write_flow_file(path, flows)
    return audit_paths([path], InspectOptions(**options))


def test_every_setup_rule_has_a_case():
    """(The consent rules need a consent visit's timeline: tests/test_consent.py has theirs.)"""
    setup = {rule_id for rule_id, rule in RULES.items()
             if rule.scope != "detector" and rule.level != "consent"}  # fmt: skip
    assert setup == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_triggers(tmp_path, rule_id):
    options = {}
    if rule_id == "identity-not-normalised":
        ids = tmp_path / "ids.txt"
        ids.write_text("Jane.Doe@Example.com\n")
        options["known_identities"] = str(ids)
    result = _audit(tmp_path, CASES[rule_id], **options)
    hits = [f for f in result.findings if f.rule == rule_id]
    assert hits, [f.rule for f in result.findings]
    finding = hits[0]
    assert finding.type == "setup"
    assert finding.category in ("pixel", "event", "parameter")
    assert finding.message
    if rule_id in EXPECTED_LOCATION:
        assert finding.location == EXPECTED_LOCATION[rule_id]


def test_clean_session_raises_no_error_level_rule(tmp_path):
    page = "https://shop.example.com/"
    flows = [
        site_flow(n=0),
        loader_flow(n=1),
        pixel_flow(hit("Pageview", page=page, n=2), n=2),
        pixel_flow(
            hit(
                "ViewContent",
                page=SHOP,
                event_id="vc-1",
                n=3,
                properties={
                    "content_ids": ["SKU-1"],
                    "content_type": "product",
                    "value": 20,
                    "currency": "USD",
                },
            ),
            n=3,
        ),
        pixel_flow(hit("AddToCart", page=SHOP, event_id="atc-1", n=4, properties=purchase()), n=4),
        pixel_flow(
            hit(
                "Purchase",
                page="https://shop.example.com/thanks",
                event_id="order-1",
                n=5,
                user={"email": SHA},
                properties=purchase(value="20.00"),
            ),
            n=5,
        ),
        events_api(
            {
                "event": "Purchase",
                "event_id": "order-1",
                "event_time": 1767258005,
                "user": {"email": SHA},
                "properties": purchase(),
            }
        ),
    ]
    result = _audit(tmp_path, flows)
    assert [f.rule for f in result.findings] == []


@pytest.mark.parametrize("path", shared_captures(), ids=lambda p: p.stem)
def test_real_captures_error_level_setup_findings_are_justified(path):
    result = audit_requests(request_list(path)) if path.suffix == ".json" else audit_paths([path])
    errors = sorted(
        (f.rule, f.location)
        for f in result.findings
        if f.type == "setup" and f.severity in ERROR_SEVERITIES
    )
    expected = {
        # The test's author replaced the real pixel code with the placeholder 'C1234567890'.
        "github_mbaersch_tracking-auditor-extension_tiktok_test.json": [
            ("invalid-pixel-code", "context.pixel.code")
        ],
        # 2020 fixture: its Purchase really carries no properties (no value, no currency), and
        # the author blanked one event name on purpose for a 'bad data' test case.
        "github_misterphilip_omnibug_tiktok_v1_track.json": [
            ("empty-event-name", "event"),
            ("missing-currency", "properties.currency"),
            ("missing-value", "properties.value"),
        ],
        # The issue reporter masked the pixel id as 'CM1I1K3C77xxxxxxxxxxxx'.
        "github_stape-io_tiktok-tag_issue33_eventsapi_offline_placeanorder.json": [
            ("invalid-pixel-code", "event_source_id")
        ],
    }.get(path.name, [])
    assert errors == sorted(expected)


def test_rules_command_lists_and_explains(capsys):
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    for rule_id in all_rules():
        assert rule_id in listing
    assert main(["rules", "events-api-no-dedup"]) == 0
    assert "Fix:" in capsys.readouterr().out
    assert main(["rules", "no-such-rule"]) == 2


def test_every_rule_says_what_to_change():
    for rule in RULES.values():
        if rule.scope != "detector":
            assert "Fix:" in rule.help, rule.id


def test_rule_help_is_the_check_docstring_cleaned_as_inspect_would():
    """The registry cleans docstrings itself (importing `inspect` costs `rules` 5 ms)."""
    import inspect

    checked = [rule for rule in RULES.values() if rule.check is not None]
    assert len(checked) >= 20
    for rule in checked:
        assert rule.help == inspect.cleandoc(rule.check.__doc__ or rule.summary), rule.id


def test_text_report_shows_status_and_diagnostics(tmp_path, capsys):
    path = tmp_path / "c.flow"
    write_flow_file(path, CASES["missing-value"])
    main(["audit", str(path)])
    out = capsys.readouterr().out
    assert "RED" in out
    assert "missing-value" in out and "properties.value" in out


def test_real_capture_signal_rejected_shows_abnormal_types():
    result = audit_requests(
        request_list(CAPTURES / "github_mbaersch_tracking-auditor-extension_tiktok_test.json")
    )
    rejected = [f for f in result.findings if f.rule == "signal-rejected"]
    assert rejected and "invalid_country" in rejected[0].message
