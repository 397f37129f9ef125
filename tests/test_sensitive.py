import hashlib
import json

import pytest

from pixelhelper.audit import audit_paths, audit_requests
from pixelhelper.cli import main
from pixelhelper.inspect import InspectOptions
from pixelhelper.redact import mask
from pixelhelper.sources.writer import write_flow_file

from conftest import CAPTURES, EXAMPLES, request_list, shared_captures
from flowfactory import hit, pixel_flow

STRICT = {"email", "phone", "card_number", "national_id"}


@pytest.mark.parametrize("path", shared_captures(), ids=lambda p: p.stem)
def test_real_captures_have_no_personal_identifiers(path):
    result = audit_requests(request_list(path)) if path.suffix == ".json" else audit_paths([path])
    assert [f for f in result.findings if f.category in STRICT] == []


def test_planned_parenthood_is_flagged_as_reproductive_health_on_every_event():
    result = audit_paths([CAPTURES / "themarkup_nonprofit_plannedparenthood.har"])
    health = [f for f in result.findings if f.category == "health"]
    assert health and {f.subcategory for f in health} == {"reproductive"}
    flagged = {f.event for f in health}
    # the home page too, where only the host name says who the organisation is
    for index, event in enumerate(result.events):
        if event.kind == "pixel":
            assert index in flagged, event.event
    home = [
        f for f in health if result.events[f.event].page_url == "https://www.plannedparenthood.org/"
    ]
    assert any(f.location == "context.page.url" and f.value == "planned parenthood" for f in home)
    assert any(f.location == "event" and f.value == "Contact" for f in home)  # a care-seeking act


def test_site_context_makes_appointment_words_health_only_on_health_sites():
    def findings(page: str, **props: str) -> list:
        body = hit("Schedule", page=page, properties=props)
        return [f for f in audit_requests([_request(body)]).findings if f.category == "health"]

    clinic = findings("https://www.mentalhealthcenter.com/", content_name="Book an appointment")
    assert {f.location for f in clinic} >= {"context.page.url", "properties.content_name"}
    shop = findings("https://www.shoes.example.com/", content_name="Book an appointment")
    assert shop == []
    exchange = findings("https://www.coverme.gov/apply", content_name="Get a quote")
    assert {f.location for f in exchange} == {
        "event",
        "context.page.url",
        "properties.content_name",
    }
    assert "coverme" not in {f.value for f in exchange}  # its name says no condition


def _request(body: dict):  # type: ignore[no-untyped-def]
    from pixelhelper.capture import CapturedRequest

    return CapturedRequest(
        "POST", "https://analytics.tiktok.com/api/v2/pixel", (), json.dumps(body).encode()
    )


@pytest.mark.parametrize(
    ("value", "category", "shown"),
    [
        ("jane.doe@example.com", "email", "j***@example.com"),
        ("+1 415 555 0132", "phone", "+1 *** *** **32"),
        ("4111 1111 1111 1111", "card_number", "4111 **** **** 1111"),
        ("4111111111111111", "card_number", "4111 **** **** 1111"),
        ("123-45-6789", "national_id", "***-**-6789"),
        ("203.0.113.45", "ip_address", "203.0.113.*"),
    ],
)
def test_mask_formats(value, category, shown):
    assert mask(value, category) == shown


def _leaky_capture(tmp_path):
    flows = [
        pixel_flow(
            hit(
                "CompleteRegistration",
                page="https://clinic.example.com/welcome?email=jane.doe%40example.com",
                user={"email": "jane.doe@example.com", "phone_number": "+1 415 555 0132"},
                properties={"description": "Card 4111 1111 1111 1111, SSN 123-45-6789"},
            ),
            n=1,
        ),
        pixel_flow(
            {
                **hit("", page="https://clinic.example.com/hiv-testing"),
                "action": "Click",
                "auto_collected_properties": {
                    "trigger_element": {"tag": "BUTTON", "inner_text": "Book an HIV test"}
                },
            },
            path="/api/v2/pixel/act",
            n=2,
        ),
    ]
    path = tmp_path / "leaky.flow"
    write_flow_file(path, flows)
    return path


RAW = [
    "jane.doe@example.com",
    "jane.doe%40example.com",
    "415 555 0132",
    "4111 1111 1111 1111",
    "123-45-6789",
]


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_default_output_never_shows_raw_values(tmp_path, capsys, fmt):
    main(["audit", str(_leaky_capture(tmp_path)), "--format", fmt])
    out = capsys.readouterr().out
    for raw in RAW:
        assert raw not in out, raw
    assert "j***@example.com" in out


def test_show_values_shows_raw_values(tmp_path, capsys):
    main(["audit", str(_leaky_capture(tmp_path)), "--format", "json", "--show-values"])
    report = json.loads(capsys.readouterr().out)
    values = {f["value"] for f in report["findings"]}
    assert {
        "jane.doe@example.com",
        "+1 415 555 0132",
        "4111 1111 1111 1111",
        "123-45-6789",
    } <= values


def test_findings_have_locations_and_severities(tmp_path, capsys):
    main(["audit", str(_leaky_capture(tmp_path)), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    got = {
        (f["category"], f["location"], f["severity"])
        for f in report["findings"]
        if f["type"] == "sensitive"
    }
    assert ("email", "context.page.url?email", "high") in got
    assert ("email", "context.user.email", "high") in got
    assert ("phone", "context.user.phone_number", "high") in got
    assert ("card_number", "properties.description", "critical") in got
    assert ("national_id", "properties.description", "critical") in got
    assert ("health", "auto_collected_properties.trigger_element.inner_text", "critical") in got
    assert ("health", "context.page.url", "high") in got
    button = next(f for f in report["findings"] if f["location"].endswith("inner_text"))
    assert button["subcategory"] == "sexual_health"
    assert button["rule"] == "sensitive-health"


@pytest.mark.parametrize(
    ("identity", "sent", "variant"),
    [
        ("Jane.Doe@Example.com", "jane.doe@example.com", "normalised"),
        ("Jane.Doe@Example.com", "Jane.Doe@Example.com", "as given"),
        ("+1 415 555 0132", "+14155550132", "normalised"),
        ("+1 415 555 0132", "14155550132", "e164 without +"),
    ],
)
def test_known_identity_found_hashed(tmp_path, identity, sent, variant):
    ids = tmp_path / "ids.txt"
    ids.write_text(f"# test account\n{identity}\n")
    for algorithm in ("sha256", "md5"):
        digest = hashlib.new(algorithm, sent.encode()).hexdigest()
        path = tmp_path / f"{algorithm}.flow"
        write_flow_file(path, [pixel_flow(hit("Purchase", user={"email": digest}))])
        result = audit_paths([path], InspectOptions(known_identities=str(ids)))
        (finding,) = [f for f in result.findings if f.category == "hashed_identity"]
        assert finding.location == "context.user.email"
        assert finding.value == digest
        assert variant in finding.message and algorithm.upper() in finding.message


def test_unknown_hash_is_not_an_identity(tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("jane.doe@example.com\n")
    path = tmp_path / "x.flow"
    write_flow_file(path, [pixel_flow(hit("Purchase", user={"email": "ab" * 32}))])
    result = audit_paths([path], InspectOptions(known_identities=str(ids)))
    assert [f for f in result.findings if f.category == "hashed_identity"] == []


def test_bad_identities_file_is_a_clear_error(tmp_path, capsys):
    code = main(
        [
            "audit",
            str(EXAMPLES / "shop-session.flow"),
            "--known-identities",
            str(tmp_path / "missing.txt"),
        ]
    )
    assert code == 2
    assert "known identities" in capsys.readouterr().err


def test_national_numbers_of_other_countries_are_found_whatever_the_region(tmp_path):
    path = tmp_path / "de.flow"
    write_flow_file(
        path,
        [
            pixel_flow(
                hit(
                    "Lead",
                    page="https://shop.example.de/kontakt",
                    properties={"telefon_mobile": "0176 12345678", "note": "Bestellung 48213"},
                )
            )
        ],
    )
    for options in (InspectOptions(), InspectOptions(region="US")):
        phones = [f for f in audit_paths([path], options).findings if f.category == "phone"]
        assert [f.value for f in phones] == ["0176 12345678"]


def test_base64_payload_value_is_unwrapped_and_its_carrier_masked(tmp_path, capsys):
    import base64

    blob = base64.b64encode(json.dumps({"contact": "jane.doe@example.com"}).encode()).decode()
    path = tmp_path / "b64.flow"
    write_flow_file(path, [pixel_flow(hit("Lead", properties={"state": blob}))])
    main(["audit", str(path), "--format", "json"])
    out = capsys.readouterr().out
    report = json.loads(out)
    (finding,) = [f for f in report["findings"] if f["category"] == "email"]
    assert finding["location"] == "properties.state(base64).contact"
    assert blob not in out
