from pixelhelper.audit import audit_requests
from pixelhelper.sources import request_from_flow

from flowfactory import hit, loader_flow, pixel_flow

HOME = "https://shop.example.com/"


def _audit(flows):
    return audit_requests(request_from_flow(f, "t", i) for i, f in enumerate(flows))


def test_reading_pages_does_not_change_the_session():
    result = _audit(
        [
            loader_flow(n=0),
            loader_flow(code="D0ABCDEFGHIJKLMNOPQG", n=1),
            pixel_flow(hit("Pageview", page=HOME), n=2),
        ]
    )
    first = [
        (p.url, {c: (e.loads, e.events) for c, e in p.pixels.items()}) for p in result.session.pages
    ]
    second = [
        (p.url, {c: (e.loads, e.events) for c, e in p.pixels.items()}) for p in result.session.pages
    ]
    assert first == second
    assert result.session.pixel_totals() == {
        "CQ8PJ3RC77U4LT2MKR2G": (1, 1),
        "D0ABCDEFGHIJKLMNOPQG": (1, 0),
    }


def test_reload_is_a_new_visit_not_a_duplicate_load():
    flows = [
        loader_flow(n=0),
        pixel_flow(hit("Pageview", page=HOME), n=1),
        loader_flow(n=2),
        pixel_flow(hit("Pageview", page=HOME), n=3),
    ]
    result = _audit(flows)
    pages = result.session.pages
    assert [(p.url, len(p.pixels["CQ8PJ3RC77U4LT2MKR2G"].loads)) for p in pages] == [
        (HOME, 1),
        (HOME, 1),
    ]
    assert not [f for f in result.findings if f.rule == "duplicate-pixel-load"]


def test_two_loads_before_the_first_hit_are_a_duplicate_load():
    flows = [loader_flow(n=0), loader_flow(n=1), pixel_flow(hit("Pageview", page=HOME), n=2)]
    result = _audit(flows)
    assert [f.rule for f in result.findings if f.rule == "duplicate-pixel-load"] == [
        "duplicate-pixel-load"
    ]


def test_events_follow_the_page_they_were_sent_from():
    other = "https://shop.example.com/cart"
    flows = [
        loader_flow(n=0),
        pixel_flow(hit("Pageview", page=HOME), n=1),
        pixel_flow(hit("ViewContent", page=other, event_id="v"), n=2),
    ]
    pages = _audit(flows).session.pages
    assert [(p.url, p.pixels["CQ8PJ3RC77U4LT2MKR2G"].events) for p in pages] == [
        (HOME, [1]),
        (other, [2]),
    ]
