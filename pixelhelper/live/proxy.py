"""Run the proxy: `mitmdump` with the pixelhelper addon, as a child process.

mitmproxy's maintainers recommend running mitmdump with an addon script rather than embedding
its master (mitmproxy issues #4297 and #5171): the embedding API is unsupported and changes
between releases. So `pixelhelper live` and `scan` start `mitmdump -s <addon>` with the same
Python interpreter, and the addon owns the live view inside that process. `-q` keeps
mitmproxy's own log quiet, so it never garbles the view.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pixelhelper.errors import PixelHelperError
from pixelhelper.live import outcome
from pixelhelper.live.browser import Browser, has_display, launch_browser

ENTRY = str(Path(__file__).with_name("mitmdump_entry.py"))
_PR_SET_PDEATHSIG = 1


STREAM_LARGE_BODIES = "1m"


@dataclass
class ProxyConfig:
    """Everything the child mitmdump is started with."""

    host: str = "127.0.0.1"
    port: int = 8080
    mode: str = "observe"
    save: str | None = None
    save_all: bool = False
    report: str | None = None
    view: str = "auto"
    summary: bool = True
    region: str | None = None
    known_identities: str | None = None
    identity: str | None = None
    show_values: bool = False
    allow_sdk: bool = False
    inspector_process: bool = True
    body_size_limit: str | None = None  # mitmproxy's: larger bodies are refused (crawls)
    extra: list[str] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)
    """More ports to listen on besides `port` (a `--consent` visit: one per mode, so the
    capture tells the modes apart by the port each request came in on)."""

    def command(self) -> list[str]:
        """The mitmdump command line."""
        sets = {
            "connection_strategy": "lazy",  # never dial TikTok for a request we answer locally
            # bodies over this stream through instead of being held whole: memory stays bounded
            # whatever a site serves (pixel hits are a few KB; see the addon's requestheaders)
            "stream_large_bodies": STREAM_LARGE_BODIES,
            "pixelhelper_mode": self.mode,
            "pixelhelper_view": self.view,
            "pixelhelper_summary": str(self.summary).lower(),
            "pixelhelper_show_values": str(self.show_values).lower(),
            "pixelhelper_allow_sdk": str(self.allow_sdk).lower(),
            "pixelhelper_save_all": str(self.save_all).lower(),
            "pixelhelper_inspector_process": str(self.inspector_process).lower(),
            "pixelhelper_listen": f"{self.host}:{self.port}",
            "pixelhelper_parent_pid": str(os.getpid()),
        }
        optional = {
            "pixelhelper_save": self.save,
            "pixelhelper_report": self.report,
            "pixelhelper_region": self.region,
            "pixelhelper_known_identities": self.known_identities,
            "pixelhelper_identity": self.identity,
            "body_size_limit": self.body_size_limit,
        }
        sets.update({k: v for k, v in optional.items() if v})
        command = [
            sys.executable, "-c", outcome.ENTRY_CODE,
            "-q", "--listen-host", self.host, "--listen-port", str(self.port), "-s", ENTRY,
        ]  # fmt: skip
        for port in [self.port, *self.ports] if self.ports else []:
            command += ["--mode", f"regular@{port}"]
        extra = _once_each(self.extra)
        given = {name for name, _value in _set_options(extra)}
        for name, value in sets.items():
            if name not in given:  # the caller's own `--set` of it wins, and goes once
                command += ["--set", f"{name}={value}"]
        return command + extra


def _set_options(args: Sequence[str]) -> list[tuple[str, int]]:
    """Each `--set NAME=VALUE` in `args`: its option's name and the index of its value."""
    return [(args[i + 1].split("=", 1)[0], i + 1) for i in range(len(args) - 1)
            if args[i] == "--set"]  # fmt: skip


def _once_each(args: Sequence[str]) -> list[str]:
    """`args` with only the last `--set` of each pixelhelper option.

    mitmproxy refuses two values for a single-valued option, but for a script's option it
    does so only once the script has loaded, and then runs on without the script (the addon
    stops the proxy when it sees this: `addon.repeated_options`). pixelhelper's options are
    all single-valued, so a later `--set` of one simply replaces an earlier; mitmproxy's own
    options pass as given (several `map_remote`s are one option's list)."""
    last = {name: index for name, index in _set_options(args) if name.startswith("pixelhelper_")}
    dropped = {index for name, index in _set_options(args) if last.get(name, index) != index}
    out: list[str] = []
    for i, arg in enumerate(args):
        if i in dropped or (i + 1 in dropped and arg == "--set"):
            continue
        out.append(arg)
    return out


def free_port(host: str = "127.0.0.1") -> int:
    """An unused TCP port on `host`."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def check_port(host: str, port: int) -> None:
    """Fail before anything claims to listen when the port is taken.

    Raises:
        PixelHelperError: naming the port and a free alternative.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
                raise PixelHelperError(
                    f"port {port} on {host} is already in use; try --port {free_port(host)}"
                ) from exc
            raise PixelHelperError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the kernel sends the child SIGTERM (a clean mitmproxy shutdown) when its parent
    dies, however it dies (SIGKILL included). Elsewhere the addon's watchdog does it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def spawn(command: list[str], stdout: int | IO[bytes] | None = None) -> subprocess.Popen[bytes]:
    """Start the mitmdump child: its own session (a terminal's Ctrl-C reaches only us, and we
    pass exactly one on), and bound to our lifetime."""
    return subprocess.Popen(
        command,
        stdout=stdout,
        stderr=subprocess.STDOUT if stdout is not None else None,
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,  # noqa: PLW1509
    )


def wait_for_port(
    host: str, port: int, process: subprocess.Popen[bytes], timeout: float = 30
) -> None:
    """Block until the proxy accepts connections.

    Raises:
        PixelHelperError: if it exits or does not listen in time.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PixelHelperError(f"the proxy exited early (exit code {process.returncode})")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise PixelHelperError(f"the proxy did not listen on {host}:{port} within {timeout:.0f}s")


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> int:
    """Stop mitmdump the way Ctrl-C does, so its addon saves and reports; kill if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def instructions(host: str, port: int, mode: str) -> str:
    """What a newcomer needs to know to point a browser at the proxy."""
    warn = ""
    if host in ("0.0.0.0", "::"):  # noqa: S104 - we only warn about it
        warn = "\nWARNING: listening on all interfaces; anyone on your network can use this proxy."
    return (
        f"pixelhelper: proxy on http://{host}:{port} (mode: {mode}). Ctrl-C ends and prints the "
        "session report.\n"
        f"  1. Set your browser's (or phone's) HTTP and HTTPS proxy to {host}:{port}.\n"
        "  2. Open http://mitm.it through the proxy and install/trust the mitmproxy CA "
        "(~/.mitmproxy/mitmproxy-ca-cert.pem).\n"
        "  Or run with --browser to get a ready Chromium with a fresh profile." + warn
    )


def run_live(config: ProxyConfig, browser: bool = False, url: str | None = None) -> int:
    """Run the proxy in the foreground until Ctrl-C (or SIGTERM, or SIGHUP when the terminal
    closes); the child prints the session summary and writes the report either way.

    The child runs in its own session, so a Ctrl-C in the terminal reaches only this process,
    which passes exactly one SIGINT on (a second one could cut mitmdump's shutdown short).
    """
    check_port(config.host, config.port)
    print(instructions(config.host, config.port, config.mode), file=sys.stderr, flush=True)
    process = spawn(config.command())
    forwarded = False

    def forward(signum: int, frame: object) -> None:
        nonlocal forwarded
        if not forwarded and process.poll() is None:
            forwarded = True
            process.send_signal(signal.SIGINT)

    ending = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, forward) for sig in ending}
    chromium: Browser | None = None
    try:
        if browser:
            wait_for_port(config.host, config.port, process)
            headless = not has_display()
            if headless:
                print(
                    "pixelhelper: no display ($DISPLAY is not set): Chromium runs headless",
                    file=sys.stderr,
                    flush=True,
                )
            chromium = launch_browser(config.host, config.port, url, headless=headless)
        code = process.wait()
        return code
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if chromium is not None:
            chromium.close()
        if process.poll() is None:
            stop(process)


def start_background(config: ProxyConfig, log: Path | None = None) -> subprocess.Popen[bytes]:
    """Start mitmdump without a view (for scans and tests) and wait until it listens.

    Its output goes to `log` (or nowhere): a pipe nobody reads could fill up and stall it.
    """
    for port in (config.port, *config.ports):
        check_port(config.host, port)
    sink = log.open("wb") if log else None
    try:
        process = spawn(config.command(), sink if sink else subprocess.DEVNULL)
    finally:
        if sink:
            sink.close()
    try:
        for port in (config.port, *config.ports):
            wait_for_port(config.host, port, process)
    except PixelHelperError:
        stop(process)
        raise
    return process


def run_args(values: Sequence[str]) -> list[str]:
    """`--set name=value` pairs for extra mitmproxy options given on the command line."""
    out: list[str] = []
    for value in values:
        out += ["--set", value]
    return out
