import base64
import gzip
import json
import zlib

import brotli
import pytest

from pixelhelper.capture import CapturedRequest
from pixelhelper.decode import decode

PIXEL_URL = "https://analytics.tiktok.com/api/v2/pixel"
HIT = {
    "event": "AddToCart",
    "event_id": "e1",
    "message_id": "messageId-1782755533505-3769975450859",
    "timestamp": "2026-06-29T17:52:13.505Z",
    "context": {
        "pixel": {"code": "CQ8PJ3RC77U4LT2MKR2G"},
        "page": {"url": "https://shop.example.com/p/1", "referrer": ""},
        "user": {"external_id": "42"},
        "userAgent": "Mozilla/5.0",
    },
    "properties": {"value": "99.95", "currency": "EUR", "content_id": 119},
}


def req(body: bytes, url: str = PIXEL_URL, method: str = "POST", **headers: str) -> CapturedRequest:
    return CapturedRequest(method, url, tuple(headers.items()), body)


def test_plain_json_with_text_plain_content_type():
    (event,) = decode(req(json.dumps(HIT).encode(), **{"Content-Type": "text/plain;charset=UTF-8"}))
    assert event.decode_error is None
    assert event.event == "AddToCart"
    assert event.pixel_code == "CQ8PJ3RC77U4LT2MKR2G"
    assert event.user == {"external_id": "42"}
    assert event.properties == HIT["properties"]


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("br", brotli.compress),
    ],
)
def test_content_encoding_is_honoured(coding, compress):
    body = compress(json.dumps(HIT).encode())
    (event,) = decode(req(body, **{"Content-Encoding": coding}))
    assert event.decode_error is None
    assert event.event == "AddToCart"


def test_raw_deflate_is_accepted():
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = compressor.compress(json.dumps(HIT).encode()) + compressor.flush()
    (event,) = decode(req(body, **{"Content-Encoding": "deflate"}))
    assert event.event == "AddToCart"


def test_declared_encoding_that_does_not_match_is_an_error_not_a_crash():
    (event,) = decode(req(b"\x00\x01garbage", **{"Content-Encoding": "gzip"}))
    assert event.decode_error and "gzip" in event.decode_error


def test_batch_yields_one_event_per_element():
    other = dict(HIT, event="Purchase")
    for key in ("batch", "events", "data"):
        events = decode(req(json.dumps({key: [HIT, other]}).encode()))
        assert [e.event for e in events] == ["AddToCart", "Purchase"]
        assert [e.batch_index for e in events] == [0, 1]


def test_get_with_base64_json_query():
    blob = base64.urlsafe_b64encode(json.dumps(HIT).encode()).decode().rstrip("=")
    (event,) = decode(req(b"", url=f"{PIXEL_URL}?analytics_message={blob}", method="GET"))
    assert event.decode_error is None
    assert event.event == "AddToCart"


def test_lenient_types():
    hit = json.loads(json.dumps(HIT))
    hit["event_id"] = 12345
    hit["context"]["page"] = "not an object"
    hit["context"]["pixel"]["code"] = 7
    (event,) = decode(req(json.dumps(hit).encode()))
    assert event.decode_error is None
    assert event.event_id == "12345"
    assert event.page_url is None
    assert event.pixel_code == "7"
    assert event.payload["context"]["page"] == "not an object"  # kept as sent


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b'{"event": "Purchase", ', "not valid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not valid JSON"),
        (b"[1, 2, 3]", "expected a JSON object"),
        (b'"just a string"', "expected a JSON object"),
    ],
)
def test_garbage_becomes_decode_error(body, reason):
    events = decode(req(body))
    assert events
    assert all(e.decode_error and reason in e.decode_error for e in events)


def test_latin1_body_is_decoded_with_warning():
    body = json.dumps({**HIT, "properties": {"description": "Brennstäbchen"}}, ensure_ascii=False)
    (event,) = decode(
        req(body.encode("latin-1"), **{"Content-Type": "text/plain;charset=ISO-8859-1"})
    )
    assert event.decode_error is None
    assert event.properties == {"description": "Brennstäbchen"}
    assert any("ISO-8859-1" in w for w in event.warnings)


def test_utf16_body_with_bom():
    (event,) = decode(req(json.dumps(HIT).encode("utf-16")))
    assert event.event == "AddToCart"


def test_events_api_two_items():
    body = {
        "event_source": "web",
        "event_source_id": "CQ8PJ3RC77U4LT2MKR2G",
        "data": [
            {
                "event": "Purchase",
                "event_time": 1735889487,
                "event_id": "o1",
                "user": {"ip": "192.0.2.1"},
            },
            {
                "event": "ViewContent",
                "event_time": 1735889488,
                "page": {"url": "https://a.example/x"},
            },
        ],
    }
    events = decode(
        req(
            json.dumps(body).encode(),
            url="https://business-api.tiktok.com/open_api/v1.3/event/track/",
            **{"Access-Token": "secret-token-value"},
        )
    )
    assert [(e.kind, e.event, e.pixel_code) for e in events] == [
        ("events_api", "Purchase", "CQ8PJ3RC77U4LT2MKR2G"),
        ("events_api", "ViewContent", "CQ8PJ3RC77U4LT2MKR2G"),
    ]
    assert events[0].ip == "192.0.2.1"
    assert events[1].page_url == "https://a.example/x"
    assert "secret-token-value" not in json.dumps([e.model_dump(mode="json") for e in events])


def test_events_api_1_0_batch():
    body = {
        "pixel_code": "CQ8PJ3RC77U4LT2MKR2G",
        "batch": [
            {
                "type": "track",
                "event": "Purchase",
                "event_id": "a",
                "timestamp": "2024-01-01T00:00:00Z",
                "context": {
                    "user": {"email": "ab" * 32},
                    "page": {"url": "https://a.example/"},
                    "ip": "192.0.2.9",
                },
            },
        ],
    }
    (event,) = decode(
        req(
            json.dumps(body).encode(),
            url="https://business-api.tiktok.com/open_api/v1.3/pixel/batch/",
        )
    )
    assert event.event == "Purchase"
    assert event.user == {"email": "ab" * 32}
    assert event.ip == "192.0.2.9"
    assert event.page_url == "https://a.example/"


def test_act_click_details():
    body = {
        "action": "Click",
        "context": {
            "pixel": {
                "code": "CQ8PJ3RC77U4LT2MKR2G",
                "codes": "CQ8PJ3RC77U4LT2MKR2G|C2D2TAIQV140ORDIHT80",
            }
        },
        "auto_collected_properties": {
            "trigger_element": {
                "tag": "BUTTON",
                "inner_text": "Buy now",
                "xpath": "/HTML/body[1]/button[1]",
            },
            "content_data": {"meta": '{"title": "Shop"}', "json_ld": "not json"},
        },
    }
    (event,) = decode(req(json.dumps(body).encode(), url=PIXEL_URL + "/act"))
    assert event.kind == "action"
    assert event.event == "Click"
    assert event.action.inner_text == "Buy now"
    assert event.action.metadata == {"meta": {"title": "Shop"}, "json_ld": "not json"}
    assert event.pixel_codes == ["CQ8PJ3RC77U4LT2MKR2G", "C2D2TAIQV140ORDIHT80"]


def test_cookie_values_other_than_tracking_are_withheld():
    (event,) = decode(
        req(
            json.dumps(HIT).encode(),
            Cookie="_ttp=abc; sessionid=SECRETSESSION; ttcsid_CQ8PJ3RC77U4LT2MKR2G=1::x.1.2.0",
        )
    )
    assert event.cookies["_ttp"] == "abc"
    assert event.cookies["ttcsid_CQ8PJ3RC77U4LT2MKR2G"] == "1::x.1.2.0"
    assert event.cookies["sessionid"] == "<redacted>"


def test_other_beacon_is_decoded_generically():
    (event,) = decode(req(b'{"metric_name":"x","ext_json":{}}', url=PIXEL_URL + "/inter"))
    assert event.kind == "other"
    assert event.event == "x"
    (binary,) = decode(req(b"\x00\x01\x02", url=PIXEL_URL + "/perf"))
    assert binary.kind == "other" and binary.decode_error is None and binary.warnings


def test_non_pixel_request_yields_nothing():
    assert decode(req(json.dumps(HIT).encode(), url="https://www.tiktok.com/api/v2/pixel")) == []
