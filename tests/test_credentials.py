"""Credentials in captured traffic never reach any output: a matrix of secret forms x places x
formats, with and without --show-values, and the live views."""

from __future__ import annotations

import asyncio
import io
import json
import secrets

import pytest
from mitmproxy.test import taddons
from rich.console import Console

from pixelhelper.cli import main
from pixelhelper.live.addon import PixelHelper
from pixelhelper.live.state import LiveSettings, LiveState
from pixelhelper.live.view import render_live
from pixelhelper.redact.credentials import is_secret_name, scrub_headers, scrub_text
from pixelhelper.sources import request_from_flow
from pixelhelper.sources.writer import make_flow, write_flow_file

from flowfactory import hit, pixel_flow

NAMES = [
    "access_token", "refresh_token", "id_token", "token", "code", "auth", "authorization",
    "session", "sessionid", "sid", "signature", "X-Amz-Signature", "X-Amz-Credential",
    "api_key", "apikey", "client_secret", "password", "secret", "api_token", "x-access-token",
    "csrfToken",
]  # fmt: skip


def _secret(label: str) -> str:
    return f"sk{label}{secrets.token_hex(6)}"


def _matrix() -> tuple[list, list[str]]:
    """Flows carrying each secret name in each place; returns (flows, secret values)."""
    values: list[str] = []
    flows = []
    for n, name in enumerate(NAMES):
        s = [_secret(f"{n}x{i}") for i in range(9)]
        values += s
        encoded_redirect = f"https%3A%2F%2Fidp.example%2Fcb%3F{name}%3D{s[2]}%26next%3D%252Fhome"
        body = hit(
            "ViewContent",
            page=f"https://shop.example.com/p?{name}={s[0]}&q=1#{name}={s[1]}",
            n=n,
            properties={
                "return_to": f"/cb?{name}={s[3]}&x=1",
                "login": f"https://shop.example.com/login?next={encoded_redirect}",
                name: s[4],
                "description": f"reset with {name}={s[5]} today",
                "nested": {"deep": [{name: s[6]}]},
                "json_text": json.dumps({name: s[7]}),
            },
        )
        body["context"]["page"]["referrer"] = f"https://idp.example/cb?{name}={s[8]}"
        flows.append(pixel_flow(body, n=n))
    events_api_token = _secret("ea")
    header_token = _secret("hd")
    cookie = _secret("ck")
    values += [events_api_token, header_token, cookie]
    flows.append(
        make_flow(
            "POST",
            f"https://business-api.tiktok.com/open_api/v1.3/event/track/?access_token={events_api_token}",
            headers={"Access-Token": header_token, "Content-Type": "application/json"},
            body=json.dumps(
                {
                    "event_source": "web",
                    "event_source_id": "CQ8PJ3RC77U4LT2MKR2G",
                    "data": [
                        {
                            "event": "Purchase",
                            "event_id": "o-1",
                            "event_time": 1767258000,
                            "properties": {"value": 5, "currency": "USD"},
                        }
                    ],
                }  # fmt: skip
            ),
        )
    )
    flows.append(pixel_flow(hit("Pageview", n=99), n=99, cookie=f"_ttp=abc; sessionid={cookie}"))
    return flows, values


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    flows, values = _matrix()
    path = tmp_path_factory.mktemp("creds") / "secrets.flow"
    write_flow_file(path, flows)
    return path, values


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
@pytest.mark.parametrize("show", [False, True])
def test_no_secret_in_any_format(capture, capsys, fmt, show):
    path, values = capture
    args = ["audit", str(path), "--format", fmt] + (["--show-values"] if show else [])
    assert main(args) in (0, 1)
    out = capsys.readouterr()
    assert "ViewContent" in out.out and "Purchase" in out.out
    leaked = [v for v in values if v in out.out or v in out.err]
    assert leaked == []


def test_no_secret_in_the_live_views_or_the_report(capture, tmp_path):
    path, values = capture
    from mitmproxy.io import FlowReader

    with path.open("rb") as handle:
        flows = list(FlowReader(handle).stream())
    for flow in flows:
        flow.response = None
    console_out = io.StringIO()
    addon = PixelHelper(console=Console(file=console_out, width=200, color_system=None))
    report = tmp_path / "report.json"
    with taddons.context(addon) as tctx:
        tctx.configure(
            addon,
            pixelhelper_view="lines",
            pixelhelper_summary=False,
            pixelhelper_report=str(report),
            pixelhelper_show_values=True,
        )
        addon.running()
        for flow in flows:
            asyncio.run(tctx.cycle(addon, flow))
        addon.done()
    lines = console_out.getvalue()
    assert "ViewContent" in lines
    state = LiveState(settings=LiveSettings(show_values=True))
    for i, flow in enumerate(flows):
        state.add(request_from_flow(flow, "live", i))
    screen = io.StringIO()
    Console(file=screen, width=160, height=45, color_system=None).print(render_live(state, 45))
    everything = lines + report.read_text() + screen.getvalue()
    assert [v for v in values if v in everything] == []


@pytest.mark.parametrize(
    "name", NAMES + ["X-Amz-Security-Token", "PHPSESSID", "oauth_verifier", "cvv", "xsrf-token"]
)
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["pixel_code", "event_id", "content_id", "zip_code", "state", "country_code", "codes",
     "sessions", "currency", "value", "author", "description", "keywords", "tokenizer_note"],
)  # fmt: skip
def test_ordinary_names_are_not_secrets(name):
    assert not is_secret_name(name)


def test_free_text_shapes():
    assert "eyJ" not in scrub_text("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig-x")
    assert "abcdef123" not in scrub_text("Authorization: Bearer abcdef123")
    assert "hunter2" not in scrub_text("password = hunter2")
    assert "AKIAABCDEFGHIJKLMNOP" not in scrub_text("key AKIAABCDEFGHIJKLMNOP here")
    assert scrub_text("https://x.example/?q=shoes&page=2") == "https://x.example/?q=shoes&page=2"


@pytest.mark.parametrize(
    "text, secret",
    [
        ("password%3Dhunter2", "hunter2"),  # an encoded pair on its own: no `=` or `:`
        ("state%3Dx%26code%3Dabc123xyz", "abc123xyz"),
        ("access_token%253Ddeep-s3cr3t", "deep-s3cr3t"),  # encoded twice
        ("Ba\u017fic dXNlcjpwYXNzd29yZA", "dXNlcjpwYXNzd29yZA"),  # long s folds to `s`
        ("\u212aey AKIAABCDEFGHIJKLMNOP", "AKIAABCDEFGHIJKLMNOP"),  # non-ASCII text around it
        ("Token\u00a0abcdef123456 caf\u00e9", "abcdef123456"),
    ],
)
def test_secrets_without_the_usual_separators(text, secret):
    assert secret not in scrub_text(text)


def test_text_that_holds_no_pass_trigger_is_returned_as_is():
    for text in ["messageId-1767258042000-4812039475616", "Caf\u00e9 cr\u00e8me", "2026"]:
        assert scrub_text(text) == text


def test_headers_keep_only_the_pixel_cookies():
    shown = dict(
        scrub_headers(
            [
                ("Authorization", "Bearer zzz"),
                ("Access-Token", "t0k"),
                ("Cookie", "_ttp=abc; sessionid=s3cr3t"),
                ("Set-Cookie", "sid=1"),
                ("User-Agent", "UA"),
            ]
        )
    )
    assert shown["Authorization"] == shown["Access-Token"] == shown["Set-Cookie"]
    assert "zzz" not in str(shown) and "t0k" not in str(shown) and "s3cr3t" not in str(shown)
    assert "_ttp=abc" in shown["Cookie"] and shown["User-Agent"] == "UA"


def test_memoised_keys_still_depend_on_their_parent():
    from pixelhelper.redact.credentials import CREDENTIAL, scrub

    value = {"pixel": {"code": "CQ8PJ3RC77U4LT2MKR2G"}, "login": {"code": "s3cr3t-c0de"}}
    for _ in range(2):  # the second pass is served from the memo
        shown = scrub(value)
        assert shown["pixel"]["code"] == "CQ8PJ3RC77U4LT2MKR2G"
        assert shown["login"]["code"] == CREDENTIAL
        assert scrub({"code": "s3cr3t-c0de", "sid": ""}) == {"code": CREDENTIAL, "sid": ""}
