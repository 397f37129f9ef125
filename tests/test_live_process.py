"""`pixelhelper live` as a process: however it ends, its mitmdump child ends too, and bad
output paths or a taken port fail before anything claims to listen."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pixelhelper.live.proxy import free_port, wait_for_port

from conftest import ROOT
from e2e_support import proxied_request
from flowfactory import hit


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = next(
            (line.split()[1] for line in status.splitlines() if line.startswith("PPid:")), ""
        )
        if ppid == str(pid):
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pixelhelper",
            "live",
            "--port",
            str(port),
            "--view",
            "none",
            "--mode",
            "block",
            *extra,
        ],  # fmt: skip
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for_port("127.0.0.1", port, process)  # type: ignore[arg-type]
    return process, port


def _wait_gone(pid: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc (Linux) to find the child")
def test_sigkill_leaves_no_mitmdump_behind(tmp_path):
    process, _port = _start(tmp_path)
    children = _children(process.pid)
    assert children, "no mitmdump child found"
    process.kill()
    process.wait(10)
    assert all(_wait_gone(child) for child in children)


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_hangup_and_terminate_end_the_session_with_its_report(tmp_path, sig):
    report = tmp_path / "r.json"
    process, port = _start(tmp_path, "--report", str(report))
    children = _children(process.pid)
    proxied_request(
        port, "POST", "http://analytics.tiktok.com/api/v2/pixel", json.dumps(hit("Lead")).encode()
    )
    process.send_signal(sig)
    out, _err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert b"Findings:" in out  # the session summary was printed
    assert json.loads(report.read_text())["events"][0]["event"] == "Lead"
    assert all(_wait_gone(child) for child in children)


def test_port_in_use_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "pixelhelper", "live", "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert proc.returncode == 2
    assert f"port {port}" in proc.stderr and "--port" in proc.stderr
    assert "proxy on" not in proc.stderr  # never claimed to listen
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("option", ["--report", "--save"])
def test_unwritable_outputs_fail_before_the_proxy_starts(tmp_path, option):
    proc = subprocess.run(
        [sys.executable, "-m", "pixelhelper", "live", "--port", str(free_port()), option,
         str(tmp_path / "no" / "such" / "dir" / "x")],  # fmt: skip
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert option in proc.stderr and "proxy on" not in proc.stderr
    assert "Traceback" not in proc.stderr


def test_saved_capture_is_private(tmp_path):
    save = tmp_path / "s.flow"
    process, port = _start(tmp_path, "--save", str(save))
    proxied_request(
        port, "POST", "http://analytics.tiktok.com/api/v2/pixel", json.dumps(hit("Lead")).encode()
    )
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert (os.stat(save).st_mode & 0o777) == 0o600


def test_stopping_with_a_browser_connection_open_prints_no_traceback(tmp_path):
    """A browser keeps connections open; at Ctrl-C mitmproxy cancels them, and Python 3.11's
    asyncio (gh-113538) would log a traceback for each on the user's terminal."""
    import http.client

    process, port = _start(tmp_path)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps(hit("Lead")).encode()
    connection.request("POST", "http://analytics.tiktok.com/api/v2/pixel", body,
                       {"Content-Type": "text/plain;charset=UTF-8"})  # fmt: skip
    assert connection.getresponse().read() == b""  # answered by block mode, still open
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    connection.close()
    assert process.returncode == 0
    assert b"Findings:" in out
    assert b"Traceback" not in err and b"Exception in callback" not in err


def test_only_cancelled_tasks_are_dropped_from_asyncio_s_log():
    import asyncio
    import logging

    from pixelhelper.live.logs import CancelledAtShutdown

    def record(exc: BaseException) -> logging.LogRecord:
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, "Exception in callback",
                                 (), (type(exc), exc, None))  # fmt: skip

    keep = CancelledAtShutdown()
    assert not keep.filter(record(asyncio.CancelledError()))
    assert keep.filter(record(ConnectionResetError("peer reset")))
    plain = logging.LogRecord("asyncio", logging.ERROR, __file__, 1, "no exception", (), None)
    assert keep.filter(plain)
