"""Every real capture in ../shared/captures must decode cleanly, with the right codes and names."""

from pathlib import Path

import pytest

from pixelhelper.audit import audit_paths, audit_requests

from conftest import CAPTURES, request_list, shared_captures

EXPECTED = {
    "github_khoand04_trainning-git_pixel_act_click.json": [
        ("action", "C3LTV833G487IS978FKG", "Click"),
    ],
    "github_mbaersch_tracking-auditor-extension_tiktok_test.json": [
        ("pixel", "C1234567890", "Pageview"),
        ("pixel", "C1234567890", "CompleteRegistration"),
        ("pixel", "C1234567890", "AddToCart"),
    ],
    "github_misterphilip_omnibug_tiktok_v1_track.json": [
        ("pixel", "BT24M8TQUU2IQ2BVG9NG", "AddToCart"),
        ("pixel", "BT24M8TQUU2IQ2BVG9NG", "ViewContent"),
        ("pixel", "BT24M8TQUU2IQ2BVG9NG", "Purchase"),
        ("pixel", "BT24M8TQUU2IQ2BVG9NG", "Checkout"),
        ("pixel", "BT24M8TQUU2IQ2BVG9NG", ""),
    ],
    "github_stape-io_tiktok-tag_issue33_eventsapi_offline_placeanorder.json": [
        ("events_api", "CM1I1K3C77xxxxxxxxxxxx", "PlaceAnOrder"),
    ],
    "themarkup_edtech_abcmouse_loginpage.har": [
        ("script", "C2J87UCST06BEPRUG4F0", None),
        ("script", "CH642RJC77UDT6H4LLG0", None),
        ("script", None, None),
        ("script", None, None),
        ("pixel", "C2J87UCST06BEPRUG4F0", "Pageview"),
        ("pixel", "CH642RJC77UDT6H4LLG0", "Pageview"),
        ("action", "C2J87UCST06BEPRUG4F0", "Metadata"),
    ],
    "themarkup_healthexchange_colorado-connectforhealthco.com.har": [
        ("script", "C8J7IKS8D8GECQQUIMM0", None),
        ("script", "CE9020JC77UFTJ8G40I0", None),
        ("script", None, None),
        ("script", None, None),
        ("pixel", "C8J7IKS8D8GECQQUIMM0", "Pageview"),
        ("pixel", "CE9020JC77UFTJ8G40I0", "Pageview"),
        ("action", "C8J7IKS8D8GECQQUIMM0", "Metadata"),
    ],
    "themarkup_healthexchange_maine-coverme.gov.har": [
        ("script", "CL157I3C77UBVPRAJM8G", None),
        ("script", None, None),
        ("script", None, None),
        ("pixel", "CL157I3C77UBVPRAJM8G", "Pageview"),
        ("action", "CL157I3C77UBVPRAJM8G", "Metadata"),
    ],
    "themarkup_nonprofit_plannedparenthood.har": [
        ("script", "C25EUNFMU8Q03RAI4CE0", None),
        ("script", None, None),
        ("script", "C25EUNFMU8Q03RAI4CE0", None),
        ("pixel", "C25EUNFMU8Q03RAI4CE0", "Contact"),
        ("pixel", "C25EUNFMU8Q03RAI4CE0", "Pageview"),
        ("script", "C25EUNFMU8Q03RAI4CE0", None),
        ("script", None, None),
        ("script", "C25EUNFMU8Q03RAI4CE0", None),
        ("pixel", "C25EUNFMU8Q03RAI4CE0", "Contact"),
        ("pixel", "C25EUNFMU8Q03RAI4CE0", "Pageview"),
    ],
}


def test_every_shared_capture_has_an_expectation():
    assert {p.name for p in shared_captures()} == set(EXPECTED)


@pytest.mark.parametrize("path", shared_captures(), ids=lambda p: p.stem)
def test_capture_decodes_cleanly(path: Path):
    if path.suffix == ".json":
        result = audit_requests(request_list(path))
    else:
        result = audit_paths([path])
        assert result.sources[0].errors == []
    got = [(e.kind, e.pixel_code, e.event) for e in result.events]
    assert got == EXPECTED[path.name]
    assert [e.decode_error for e in result.events] == [None] * len(got)
    for event in result.events:
        if event.kind in ("pixel", "action"):
            assert event.page_url and event.page_url.startswith("http")
            assert event.timestamp
            assert event.payload is not None


def test_unknown_fields_are_kept():
    result = audit_paths([CAPTURES / "themarkup_healthexchange_maine-coverme.gov.har"])
    pageview = next(e for e in result.events if e.event == "Pageview")
    # csid / page_csid / csct are 2025 additions no model declares: they must survive.
    assert pageview.payload["context"]["csid"].startswith("1745853783401::")
    assert pageview.payload["_inspection"] == {"vids": ""}


def test_act_metadata_json_strings_are_decoded():
    result = audit_paths(
        [CAPTURES / "themarkup_healthexchange_colorado-connectforhealthco.com.har"]
    )
    action = next(e for e in result.events if e.kind == "action")
    assert action.action is not None
    meta = action.action.metadata
    assert meta["open_graph"]["og:site_name"] == "Connect for Health Colorado"
    assert isinstance(meta["json_ld"], list)
    assert action.pixel_codes == ["C8J7IKS8D8GECQQUIMM0", "CE9020JC77UFTJ8G40I0"]


def test_collected_data_is_surfaced():
    result = audit_paths([CAPTURES / "themarkup_edtech_abcmouse_loginpage.har"])
    hit = next(e for e in result.events if e.kind == "pixel")
    assert hit.cookies == {"_ttp": "2YEFIqgqFBd6o0E19vj4EkI2vHC"}
    assert hit.user_agent and "Chrome/119" in hit.user_agent
    assert hit.user == {"anonymous_id": "UUTs66C64yjhna71nfypNJRsYar"}
    assert hit.library == "pixel.js 2.1.33"
    assert hit.referrer == "https://www.abcmouse.com/abc/login/"


def test_legacy_url_is_unquoted_and_advanced_matching_kept():
    legacy = audit_requests(
        request_list(CAPTURES / "github_misterphilip_omnibug_tiktok_v1_track.json")
    )
    assert legacy.events[0].page_url == "https://digital-intelligence.myshopify.com/"
    hits = audit_requests(
        request_list(CAPTURES / "github_mbaersch_tracking-auditor-extension_tiktok_test.json")
    )
    registration = hits.events[1]
    assert registration.user["external_id"] == "123456"
    assert registration.signal_diagnostics["raw_phone"]["label"] == "invalid"
    cart = hits.events[2]
    assert cart.properties["value"] == "99.95"
    assert cart.properties["contents"][0]["content_id"] == 119


def test_events_api_item_fields():
    result = audit_requests(
        request_list(
            CAPTURES / "github_stape-io_tiktok-tag_issue33_eventsapi_offline_placeanorder.json"
        )
    )
    (event,) = result.events
    assert event.event_source == "offline"
    assert event.test_event_code == "TEST11178"
    assert event.event_id == "5044668852556"
    assert event.timestamp == "2025-01-03T07:31:27.000Z"
    assert event.properties["currency"] == "IDR"
    assert event.user["country"] == "PH"
