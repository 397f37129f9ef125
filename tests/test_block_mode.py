"""Block mode through the real proxy: no method, path, case or host variant reaches TikTok.

Every TikTok pixel host is mapped (mitmproxy's own map_remote, which runs after the addon) to a
recording stand-in on 127.0.0.1: anything the addon let through would arrive there.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pixelhelper.audit import audit_paths
from pixelhelper.live.proxy import ProxyConfig, free_port, stop, wait_for_port

from conftest import ROOT
from e2e_support import (
    TIKTOK_HOSTS,
    map_all_tiktok_to,
    proxied_request,
    running_proxy,
    standin_server,
)
from flowfactory import hit

PATHS = (
    "/api/v2/pixel", "//api/v2/pixel", "/api/v2/pixel//", "/API/V2/PIXEL", "/api/v2/pixel;x",
    "/api/v3/pixel", "/api/v1/pixel", "/api/v2/pixel/act", "/i18n/pixel/events.js?sdkid=X",
    "/%61pi/v2/pixel", "/open_api/v1.3/event/track/", "/unknown/path", "/",
    "/api/v2/pixel?access_token=x#frag",
)  # fmt: skip
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")
EMAIL = "jane.tester@example.com"


def _body() -> bytes:
    return json.dumps(hit("Purchase", page=f"https://shop.example.com/?e={EMAIL}")).encode()


def _headers() -> dict[str, str]:
    return {"Content-Type": "text/plain;charset=UTF-8", "Origin": "https://shop.example.com",
            "Referer": f"https://shop.example.com/?e={EMAIL}"}  # fmt: skip


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_nothing_reaches_tiktok_in_block_mode(tmp_path, scheme):
    with standin_server() as standin:
        extra = map_all_tiktok_to(standin.url)
        with running_proxy(tmp_path, "block", extra=extra) as proxy:
            statuses = _sweep(proxy.port, scheme)
        assert standin.received == []
    assert all(status in (200, 204) for status in statuses)
    result = audit_paths([tmp_path / "session.flow"])
    assert any(e.event == "Purchase" for e in result.events)


def _sweep(proxy_port: int, scheme: str) -> list[int]:
    """Every host x path x method over HTTP; over HTTPS (a TLS handshake each, and the proxy's
    decision hangs on the names the handshake and the request carry) every host with every
    method on one path and with POST on a few paths."""
    if scheme == "http":
        cases = [(path, method) for path in PATHS for method in METHODS]
    else:
        cases = [(PATHS[0], method) for method in METHODS]
        cases += [(path, "POST") for path in PATHS[1:3] + PATHS[-3:]]
    statuses = []
    for host in TIKTOK_HOSTS:
        for path, method in cases:
            body = _body() if method in ("POST", "PUT", "PATCH") else None
            url = f"{scheme}://{host}{path}"
            statuses.append(proxied_request(proxy_port, method, url, body, _headers()))
    return statuses


def test_the_sweep_would_see_a_leak(tmp_path):
    """The same sweep in observe mode reaches the stand-in: the test can fail."""
    with standin_server() as standin:
        extra = map_all_tiktok_to(standin.url)
        with running_proxy(tmp_path, "observe", extra=extra) as proxy:
            proxied_request(
                proxy.port, "POST", "http://ANALYTICS.tiktok.com//api/v2/pixel", _body()
            )
            proxied_request(proxy.port, "OPTIONS", "http://analytics.us.tiktok.com/api/v3/pixel")
        assert len(standin.received) == 2


def test_host_header_disagreeing_with_the_destination_is_blocked(tmp_path):
    with standin_server() as standin:
        extra = map_all_tiktok_to(standin.url)
        with running_proxy(tmp_path, "block", extra=extra) as proxy:
            proxied_request(
                proxy.port, "POST", "http://analytics.tiktok.com/api/v2/pixel", _body(),
                {"Host": "shop.example.com"},
            )  # fmt: skip
        assert standin.received == []


def test_standalone_addon_blocks_offline_without_dialing(tmp_path):
    """`mitmdump -s addons/tiktok_pixel.py --set pixelhelper_mode=block`, no upstream at all:
    the addon itself makes connections lazy, so every hit is answered and recorded."""
    port = free_port()
    save = tmp_path / "s.flow"
    command = [
        sys.executable, "-c", "from mitmproxy.tools.main import mitmdump; mitmdump()", "-q",
        "--listen-host", "127.0.0.1", "--listen-port", str(port),
        "-s", str(ROOT / "addons" / "tiktok_pixel.py"),
        "--set", "pixelhelper_mode=block", "--set", f"pixelhelper_save={save}",
        "--set", "pixelhelper_view=none", "--set", "pixelhelper_summary=false",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.0.1", port, process)
        for n in range(3):
            body = json.dumps(hit("AddToCart", n=n)).encode()
            url = "https://analytics.tiktok.com/api/v2/pixel"
            assert proxied_request(port, "POST", url, body) == 200
    finally:
        stop(process)
    events = audit_paths([save]).events
    assert [e.event for e in events] == ["AddToCart"] * 3


def test_an_option_given_again_with_set_keeps_block_mode(tmp_path):
    """`pixelhelper live --mode block --set pixelhelper_mode=block`: mitmproxy would get the
    option twice and run without the addon (every hit forwarded); the caller's `--set` now
    replaces pixelhelper's own value instead."""
    with standin_server() as standin:
        extra = [*map_all_tiktok_to(standin.url), "--set", "pixelhelper_mode=block"]
        with running_proxy(tmp_path, "block", extra=extra) as proxy:
            status = proxied_request(
                proxy.port, "POST", "http://analytics.tiktok.com/api/v2/pixel", _body()
            )
        assert standin.received == []
    assert status == 200


def test_the_last_set_of_a_pixelhelper_option_wins_and_goes_once():
    config = ProxyConfig(mode="block", extra=[
        "--set", "pixelhelper_mode=observe", "--set", "map_remote=|a|b", "--set", "map_remote=|c|d",
        "--set", "pixelhelper_view=none", "--set", "pixelhelper_view=lines",
    ])  # fmt: skip
    sets = [arg for arg in config.command() if "=" in arg and not arg.startswith("from ")]
    names = [arg.split("=", 1)[0] for arg in sets]
    assert names.count("pixelhelper_mode") == 1 and "pixelhelper_mode=observe" in sets
    assert names.count("pixelhelper_view") == 1 and "pixelhelper_view=lines" in sets
    assert "map_remote=|a|b" in sets and "map_remote=|c|d" in sets  # a list: both kept


def test_a_repeated_option_stops_the_standalone_addon_instead_of_running_without_it():
    """`mitmdump -s addons/tiktok_pixel.py` given a pixelhelper option twice: mitmproxy drops
    the script and would proxy on without it; the addon makes the proxy exit with status 1."""
    command = [
        sys.executable, "-c", "from mitmproxy.tools.main import mitmdump; mitmdump()", "-q",
        "--listen-host", "127.0.0.1", "--listen-port", str(free_port()),
        "-s", str(ROOT / "addons" / "tiktok_pixel.py"),
        "--set", "pixelhelper_mode=block", "--set", "pixelhelper_mode=block",
        "--set", "pixelhelper_view=none", "--set", "pixelhelper_summary=false",
    ]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "pixelhelper_mode given more than once" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
