"""`pixelhelper live` in a real terminal (tmux), read back from the screen."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from pixelhelper.live.proxy import free_port

from e2e_support import needs_chromium, site_server, tmux_available
from flowfactory import hit

pytestmark = pytest.mark.skipif(
    not tmux_available(), reason="tmux is not installed (apt-get install -y tmux)"
)


SOCKET = f"pixelhelper-test-{os.getpid()}"
"""A tmux server of these tests' own, kept alive by a session of its own for the whole
module: when a test ended the last session of a shared server, the server exited while the
next test's `new-session` was reaching it ("server exited unexpectedly")."""


@pytest.fixture(scope="module", autouse=True)
def _tmux_server() -> Iterator[None]:
    if not tmux_available():
        yield
        return
    subprocess.run(["tmux", "-L", SOCKET, "new-session", "-d", "-s", "keeper", "sleep 3600"],
                   capture_output=True)  # fmt: skip
    try:
        yield
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)


def _tmux(*args: str) -> str:
    proc = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True)
    assert proc.returncode == 0, f"tmux {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def _screen(session: str) -> str:
    return _tmux("capture-pane", "-p", "-t", session)


def _wait_for(session: str, text: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(session)
        if text in screen:
            return screen
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never appeared on screen:\n{screen}")


def _wait_until_gone(session: str, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text not in _screen(session):
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} stayed on screen:\n{_screen(session)}")


def _send_beacon(port: int, body: dict) -> int:
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{port}"})
    )
    request = urllib.request.Request(
        "http://analytics.tiktok.com/api/v2/pixel",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "text/plain;charset=UTF-8"},
        method="POST",
    )
    with opener.open(request, timeout=10) as response:
        return response.status


@pytest.mark.parametrize("width", [80, 160])
def test_live_view_in_a_terminal(tmp_path, width):
    port = free_port()
    session = f"ph-{uuid.uuid4().hex[:8]}"
    command = (  # COLUMNS/LINES from the test's environment would fix the app's size
        f"env -u COLUMNS -u LINES {shlex.quote(sys.executable)} -m pixelhelper live "
        f"--port {port} --mode block "
        f"--save {shlex.quote(str(tmp_path / 's.flow'))}"
    )
    # "; sleep 30" keeps the pane (and what it printed) readable if the command ends early
    _tmux("new-session", "-d", "-s", session, "-x", str(width), "-y", "24", f"{command}; sleep 30")
    try:
        _wait_for(session, "waiting for pixel traffic")
        assert "127.0.0.1" in _screen(session)
        page = "https://shop.example.com/thanks?email=jane.doe%40example.com"
        assert (
            _send_beacon(
                port,
                hit(
                    "Purchase",
                    page=page,
                    event_id="o-1",
                    properties={"value": 24.9, "currency": "USD"},
                ),
            )
            == 200
        )
        screen = _wait_for(session, "Purchase")
        assert "CQ8PJ3RC77U4LT2MKR2G"[:10] in screen
        assert "mode block" in screen
        assert "jane.doe" not in screen
        assert all(len(line) <= width for line in screen.splitlines())
        _tmux("send-keys", "-t", session, "C-c")
        summary = _wait_for(session, "Findings:")
        assert "pixelhelper audit" in summary or "Page" in summary
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", session], capture_output=True)
    assert (tmp_path / "s.flow").stat().st_size > 0


@needs_chromium
def test_the_app_over_a_headless_browser_session(tmp_path):
    """`pixelhelper live --browser` with no display: headless Chromium browses the example
    site through the proxy; keys sent with tmux select an event and show its findings."""
    port = free_port()
    session = f"ph-{uuid.uuid4().hex[:8]}"
    with site_server() as base:
        command = (
            f"env -u DISPLAY -u WAYLAND_DISPLAY -u COLUMNS -u LINES {shlex.quote(sys.executable)} -m pixelhelper "
            f"live --port {port} --mode block --browser --open {base}/product.html; sleep 30"
        )
        _tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "45", command)
        try:
            screen = _wait_for(session, "Metadata", timeout=60)  # the page's auto-collected hit
            screen = _wait_for(session, "ViewContent")
            assert "headless" in screen
            time.sleep(1)  # the page's last hits land before the keys do
            for attempt in range(5):  # a key sent while a new row re-renders can be lost
                _tmux("send-keys", "-t", session, "/")
                _tmux("send-keys", "-t", session, "-l", "Metadata")
                try:  # the typed filter has replaced the filter bar's placeholder
                    _wait_until_gone(session, "text in events and findings", timeout=5)
                    _tmux("send-keys", "-t", session, "Enter")
                    screen = _wait_for(session, "sensitive-health", timeout=10)  # detail pane
                    break
                except AssertionError:
                    if attempt == 4:
                        raise
                    _tmux("send-keys", "-t", session, "Escape")
                    time.sleep(0.5)
            assert "fix:" in screen and "og:title" in screen
            time.sleep(0.5)  # Enter has moved the focus from the filter bar to the table
            for attempt in range(3):  # a `k` that still reached the filter bar is taken back
                _tmux("send-keys", "-t", session, "k")
                try:
                    _wait_for(session, "browsing", timeout=5)
                    break
                except AssertionError:
                    if attempt == 2:
                        raise
                    _tmux("send-keys", "-t", session, "BSpace")
                    _tmux("send-keys", "-t", session, "Enter")
                    time.sleep(0.5)
            _tmux("send-keys", "-t", session, "q")
            summary = _wait_for(session, "Findings:", timeout=30)
            assert "Metadata" in summary  # the session report, printed once the app is gone
        finally:
            subprocess.run(
                ["tmux", "-L", SOCKET, "kill-session", "-t", session], capture_output=True
            )


def test_lines_when_stdout_is_not_a_terminal(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pixelhelper", "live", "--port", str(port), "--mode", "block"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        from pixelhelper.live.proxy import wait_for_port

        wait_for_port("127.0.0.1", port, process)  # type: ignore[arg-type]
        _send_beacon(port, hit("ViewContent", page="https://shop.example.com/p"))
        time.sleep(0.5)
    finally:
        process.send_signal(2)
        out, err = process.communicate(timeout=30)
    assert "Point" not in out and "proxy on http://127.0.0.1" in err  # instructions on stderr
    first = out.splitlines()[0]
    assert "ViewContent" in first and "pixel" in first
    assert "Findings:" in out  # the session summary after Ctrl-C
