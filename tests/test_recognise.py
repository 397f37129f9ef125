import pytest

from pixelhelper.recognise import Kind, host_role, recognise

CODE = "C2J87UCST06BEPRUG4F0"


@pytest.mark.parametrize(
    ("method", "url", "kind", "code"),
    [
        (
            "GET",
            f"https://analytics.tiktok.com/i18n/pixel/events.js?sdkid={CODE}&lib=ttq",
            Kind.SCRIPT,
            CODE,
        ),
        (
            "GET",
            f"https://analytics.us.tiktok.com/i18n/pixel/events.js?sdkid={CODE}",
            Kind.SCRIPT,
            CODE,
        ),
        (
            "GET",
            "https://analytics.tiktok.com/i18n/pixel/static/main.MTdjYzNiZDU2MQ.js",
            Kind.SCRIPT,
            None,
        ),
        (
            "GET",
            "https://analytics.tiktok.com/i18n/pixel/static/identify_bb163.js",
            Kind.SCRIPT,
            None,
        ),
        ("GET", "https://analytics.tiktok.com/i18n/pixel/identify.js", Kind.SCRIPT, None),
        (
            "GET",
            f"https://analytics.tiktok.com/i18n/pixel/config.js?sdkid={CODE}&hostname=x.org",
            Kind.SCRIPT,
            CODE,
        ),
        ("POST", "https://analytics.tiktok.com/api/v2/pixel", Kind.PIXEL, None),
        (
            "GET",
            "https://analytics.tiktok.com/api/v2/pixel?analytics_message=eyJ9",
            Kind.PIXEL,
            None,
        ),
        ("POST", "https://analytics.tiktok.com/api/v1/track", Kind.PIXEL, None),
        ("POST", "https://analytics.tiktok.com/api/v2/pixel/act", Kind.ACTION, None),
        ("POST", "https://analytics.tiktok.com/api/v2/pixel/inter", Kind.OTHER, None),
        ("POST", "https://analytics.tiktok.com/api/v2/pixel/perf", Kind.OTHER, None),
        ("POST", "https://analytics.tiktok.com/api/v2/performance_interaction", Kind.OTHER, None),
        ("POST", "https://analytics.tiktok.com/api/v2/interaction", Kind.OTHER, None),
        ("POST", "https://analytics-sg.tiktok.com/api/v2/pixel", Kind.PIXEL, None),
        ("POST", "https://analytics.tiktokw.us/api/v2/pixel", Kind.PIXEL, None),
        (
            "POST",
            "https://business-api.tiktok.com/open_api/v1.3/event/track/",
            Kind.EVENTS_API,
            None,
        ),
        (
            "POST",
            "https://business-api.tiktok.com/open_api/v1.3/pixel/track/",
            Kind.EVENTS_API,
            None,
        ),
        (
            "POST",
            "https://business-api.tiktok.com/open_api/v1.3/pixel/batch/",
            Kind.EVENTS_API,
            None,
        ),
    ],
)
def test_recognises_pixel_traffic(method, url, kind, code):
    found = recognise(method, url)
    assert found is not None
    assert found.kind is kind
    assert found.pixel_code == code


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "https://www.tiktok.com/@someone/video/7301234567890123456"),
        ("GET", "https://www.tiktok.com/embed/v2/7301234567890123456"),
        ("POST", "https://www.tiktok.com/api/v2/pixel"),
        ("GET", "https://v16-webapp.tiktok.com/video/tos/abc.mp4"),
        ("POST", "https://www.facebook.com/groups/tr"),
        ("POST", "https://www.google-analytics.com/g/collect?v=2"),
        ("POST", "https://analytics.tiktok.com.evil.example/api/v2/pixel"),
        ("POST", "https://tiktok.com.example.org/api/v2/pixel"),
        ("POST", "https://analytics.nottiktok.com/api/v2/pixel"),
        ("OPTIONS", "https://analytics.tiktok.com/api/v2/pixel"),
        ("GET", "https://business-api.tiktok.com/open_api/v1.3/event/track/"),
        ("POST", "https://business-api.tiktok.com/open_api/v1.3/oauth2/access_token/"),
        ("GET", "https://analytics.tiktok.com/favicon.ico"),
        ("POST", "https://ads.tiktok.com/api/v2/pixel"),
        ("GET", "not a url"),
    ],
)
def test_rejects_everything_else(method, url):
    assert recognise(method, url) is None


def test_host_role_uses_registered_domain():
    assert host_role("analytics.tiktok.com") is not None
    assert host_role("ANALYTICS.TIKTOK.COM.") is not None
    assert host_role("tiktok.com") is None


def test_a_host_is_judged_in_ascii_as_raw_readers_fold_it():
    """The readers that skip raw bytes without a host marker fold ASCII case only, so a
    name that only Unicode folding turns into TikTok's (the Kelvin sign lowers to "k") is
    none of TikTok's here either; dot look-alikes are still dots."""
    assert recognise("POST", "https://analytics.ti\u212atok.com/api/v2/pixel") is None
    assert host_role("ANALYTICS.TI\u212aTOK.COM") is None
    assert host_role("analytics\u3002tiktok\u3002com") is not None
    assert host_role("ANALYTICS.TIKTOK.COM") is not None
