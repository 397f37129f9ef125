"""Redact mode through the real proxy fails closed: what it cannot redact provably clean, it
blocks. Nothing the stand-in receives holds the email in any encoding."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

from e2e_support import map_all_tiktok_to, proxied_request, running_proxy, standin_server
from flowfactory import hit

EMAIL = "jane.tester@example.com"
FORMS = (
    EMAIL,
    quote(EMAIL, safe=""),
    base64.b64encode(EMAIL.encode()).decode().rstrip("="),
    base64.b64encode(json.dumps({"email": EMAIL}).encode()).decode()[:20],
)


def _legacy_get() -> str:
    blob = base64.urlsafe_b64encode(
        json.dumps(hit("Pageview", page=f"https://s.example/?e={EMAIL}")).encode()
    )
    return f"http://analytics.tiktok.com/api/v1/track?analytics_message={blob.decode()}"


def test_redact_mode_forwards_only_what_it_could_clean(tmp_path):
    copy = base64.b64encode(EMAIL.encode()).decode()
    page = f"https://shop.example.com/?e={EMAIL}&b={copy}"
    clean = json.dumps(hit("ViewContent", page="https://shop.example.com/p", n=1)).encode()
    leaky = json.dumps(hit("Lead", page=page, n=2, properties={"note": f"mail {EMAIL}"})).encode()
    with standin_server() as standin:
        with running_proxy(tmp_path, "redact", extra=map_all_tiktok_to(standin.url)) as proxy:
            port = proxy.port
            assert (
                proxied_request(port, "POST", "http://analytics.tiktok.com/api/v2/pixel", clean)
                == 200
            )
            assert (
                proxied_request(port, "POST", "http://analytics.tiktok.com/api/v2/pixel", leaky)
                == 200
            )
            assert proxied_request(port, "GET", _legacy_get()) == 200
            assert (
                proxied_request(port, "POST", "http://analytics.tiktok.com/api/v9/new", leaky)
                == 200
            )
            assert (
                proxied_request(
                    port,
                    "POST",
                    "http://analytics.tiktok.com/api/v2/pixel",
                    b"{not json " + EMAIL.encode(),
                )
                == 200
            )
            assert (
                proxied_request(port, "OPTIONS", "http://analytics.tiktok.com/api/v2/pixel") == 204
            )
        received = standin.received
    everything = "\n".join(
        r.path + r.body.decode("utf-8", "replace") + json.dumps(r.headers) for r in received
    )
    for form in FORMS:
        assert form not in everything, form
    bodies = [json.loads(r.body) for r in received if r.method == "POST"]
    assert [b["event"] for b in bodies] == ["ViewContent", "Lead"]  # the rest was blocked
    assert "REDACTED" in json.dumps(bodies[1])
