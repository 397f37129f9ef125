"""Generate the bundled example capture of a realistic shopping session.

    python examples/make_example.py            # writes examples/shop-session.flow and .har

The session: a visitor lands on a health-and-wellness shop from a TikTok ad, views a product,
adds it to the cart, clicks "Book an appointment", buys, and the shop's server reports the
purchase through the Events API. Payload shapes follow the real captures in ../shared/captures.
It deliberately contains the mistakes and leaks pixelhelper exists to catch (an email in a
page URL, a health term on a clicked button, an unhashed phone number). Every address is a
documentation address (example.com, 192.0.2.0/24); nothing here is a real person.
"""

from __future__ import annotations

import json
from pathlib import Path

from pixelhelper.sources.writer import make_flow, write_flow_file, write_har

PIXEL = "CQ8PJ3RC77U4LT2MKR2G"
SITE = "https://shop.example.com"
UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
TTCLID = "E.C.P.CmQKCzE3MzQ1Njc4OTAxEgQIARIA"
TTP = "01JZGKKZ7YCQWRDASWKDH1J19Z_.tt.1"
T0 = 1_767_258_000.0  # 2026-01-01T09:00:00Z
SHA_EMAIL = "3c2a1f0f5bcbbd6e9b5a4f6b1ed7e7d1d4ab3f46b9a3e0a1d22c0d5a4d1b8f10"
SHA_PHONE = "a6b1b5d7a0c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9011223344556677"


def _context(page: str, referrer: str, *, user: dict[str, str] | None = None) -> dict[str, object]:
    return {
        "ad": {"sdk_env": "external", "jsb_status": 2, "callback": TTCLID},
        "device": {"platform": "pc"},
        "user": {"anonymous_id": TTP, **(user or {})},
        "pixel": {"code": PIXEL, "runtime": "1"},
        "page": {"url": page, "referrer": referrer, "load_progress": "2"},
        "library": {"name": "pixel.js", "version": "2.2.1"},
        "session_id": "ad5497f5-2444-11f0-8aa1-020017104972::ZUoDMc9pZAVFlEh-peNB",
        "userAgent": UA,
    }


def _hit(n: int, event: str, page: str, referrer: str, **extra: object) -> dict[str, object]:
    ms = int((T0 + n * 7) * 1000)
    body: dict[str, object] = {
        "event": event,
        "event_id": extra.pop("event_id", ""),
        "message_id": f"messageId-{ms}-{4812039475610 + n}-{PIXEL}",
        "is_onsite": False,
        "timestamp": f"2026-01-01T09:{n * 7 // 60:02d}:{n * 7 % 60:02d}.000Z",
        "context": _context(page, referrer, user=extra.pop("user", None)),  # type: ignore[arg-type]
        "properties": extra.pop("properties", {}),
        "_inspection": {},
        "signal_diagnostic_labels": {
            "raw_email": {"label": "missing"},
            "raw_phone": {"label": "missing"},
            "hashed_email": {"label": "missing"},
        },
    }
    body.update(extra)
    return body


def _beacon(n: int, path: str, body: dict[str, object], page: str):  # type: ignore[no-untyped-def]
    return make_flow(
        "POST",
        f"https://analytics.tiktok.com{path}",
        headers={
            "Content-Type": "text/plain;charset=UTF-8",
            "Origin": SITE,
            "Referer": page,
            "User-Agent": UA,
            "Cookie": f"_ttp={TTP}; ttclid={TTCLID}; _tt_enable_cookie=1",
        },
        body=json.dumps(body, separators=(",", ":")),
        client_ip="192.0.2.44",
        timestamp=T0 + n * 7,
    )


def _page(n: int, url: str):  # type: ignore[no-untyped-def]
    return make_flow(
        "GET",
        url,
        headers={"User-Agent": UA, "Cookie": "shop_session=9f8e7d6c5b4a; cart=2"},
        client_ip="192.0.2.44",
        timestamp=T0 + n * 7 - 1,
        response_body=b"<html><head><title>Shop</title></head><body></body></html>",
        response_type="text/html",
    )


def build_flows() -> list:  # type: ignore[type-arg]
    """The whole session, in capture order."""
    home = f"{SITE}/?ttclid={TTCLID}"
    product = f"{SITE}/products/prenatal-vitamins-60"
    cart = f"{SITE}/cart"
    thanks = f"{SITE}/checkout/thank-you?order=100234&email=jane.doe%40example.com"
    item = {
        "content_id": "SKU-4471",
        "content_name": "Prenatal vitamins, 60 capsules",
        "content_category": "Vitamins",
        "price": 24.9,
        "quantity": 1,
    }
    flows = [
        _page(0, home),
        make_flow(
            "GET",
            f"https://analytics.tiktok.com/i18n/pixel/events.js?sdkid={PIXEL}&lib=ttq",
            headers={"Referer": f"{SITE}/", "User-Agent": UA},
            client_ip="192.0.2.44",
            timestamp=T0,
            response_type="application/javascript",
        ),
        make_flow(
            "GET",
            "https://www.facebook.com/tr?id=1234567890123456&ev=PageView",
            headers={"Referer": f"{SITE}/", "User-Agent": UA},
            client_ip="192.0.2.44",
            timestamp=T0 + 0.5,
        ),
        _beacon(1, "/api/v2/pixel", _hit(1, "Pageview", home, ""), home),
        _page(2, product),
        _beacon(
            3,
            "/api/v2/pixel",
            _hit(
                3,
                "ViewContent",
                product,
                home,
                event_id="vc-100234-1",
                properties={**item, "content_type": "product", "value": 24.9, "currency": "USD"},
            ),
            product,
        ),
        _beacon(
            4,
            "/api/v2/pixel",
            _hit(
                4,
                "AddToCart",
                product,
                home,
                event_id="atc-100234-1",
                properties={"contents": [item], "content_type": "product", "value": "24.90"},
            ),
            product,
        ),
        _beacon(
            5,
            "/api/v2/pixel/act",
            {
                **_hit(5, "", cart, product),
                "action": "Click",
                "auto_collected_properties": {
                    "trigger_element": {
                        "tag": "BUTTON",
                        "attributes": {"class": "btn btn-primary", "id": "book"},
                        "inner_text": "Book an appointment with a midwife",
                        "xpath": "/HTML/body[1]/main[1]/div[2]/button[1]",
                        "num_child_buttons": 0,
                        "position": {"x": 412, "y": 630},
                    }
                },
            },
            cart,
        ),
        _beacon(
            6,
            "/api/v2/pixel",
            _hit(
                6,
                "Purchase",
                thanks,
                cart,
                event_id="order-100234",
                user={"email": SHA_EMAIL, "phone_number": "+1 415 555 0132"},
                properties={
                    "contents": [item],
                    "content_type": "product",
                    "value": 24.9,
                    "currency": "USD",
                    "order_id": "100234",
                },
            ),
            thanks,
        ),
        make_flow(
            "POST",
            "https://business-api.tiktok.com/open_api/v1.3/event/track/",
            headers={
                "Access-Token": "3f9a1c0e5d7b2a4c6e8f0a1b3c5d7e9f1a2b3c4d",
                "Content-Type": "application/json",
            },
            body=json.dumps(
                {
                    "event_source": "web",
                    "event_source_id": PIXEL,
                    "data": [
                        {
                            "event": "Purchase",
                            "event_time": int(T0 + 43),
                            "event_id": "order-100234",
                            "user": {
                                "email": SHA_EMAIL,
                                "phone": SHA_PHONE,
                                "ttp": TTP,
                                "ttclid": TTCLID,
                                "ip": "192.0.2.44",
                                "user_agent": UA,
                            },
                            "page": {"url": f"{SITE}/checkout/thank-you?order=100234"},
                            "properties": {
                                "contents": [item],
                                "content_type": "product",
                                "value": 24.9,
                                "currency": "USD",
                            },
                        }
                    ],
                }
            ),
            client_ip="198.51.100.7",
            timestamp=T0 + 45,
            response_body=b'{"code":0,"message":"OK","request_id":"202601010900450001","data":{}}',
            response_type="application/json",
        ),
        make_flow(
            "GET",
            "https://www.tiktok.com/embed/v2/7301234567890123456",
            headers={"Referer": product, "User-Agent": UA},
            client_ip="192.0.2.44",
            timestamp=T0 + 50,
            response_type="text/html",
        ),
    ]
    return flows


def main() -> None:
    """Write the example capture next to this script."""
    here = Path(__file__).resolve().parent
    flows = build_flows()
    write_flow_file(here / "shop-session.flow", flows)
    write_har(here / "shop-session.har", build_flows())
    print(f"wrote {len(flows)} flows to {here / 'shop-session.flow'} and shop-session.har")


if __name__ == "__main__":
    main()
