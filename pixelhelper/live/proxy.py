"""Run the proxy: `mitmdump` with the pixelhelper addon, as a child process.

mitmproxy's maintainers recommend running mitmdump with an addon script rather than embedding
its master (mitmproxy issues #4297 and #5171): the embedding API is unsupported and changes
between releases. So `pixelhelper live` and `scan` start `mitmdump -s <addon>` with the same
Python interpreter, and the addon owns the live view inside that process. `-q` keeps
mitmproxy's own log quiet, so it never garbles the view.
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pixelhelper.errors import PixelHelperError

ENTRY = str(Path(__file__).with_name("mitmdump_entry.py"))
CHROMIUM = os.environ.get("PIXELHELPER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-default-apps",
    "--proxy-bypass-list=<-loopback>",
)


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
    show_values: bool = False
    allow_sdk: bool = False
    extra: list[str] = field(default_factory=list)

    def command(self) -> list[str]:
        """The mitmdump command line."""
        sets = {
            "connection_strategy": "lazy",  # never dial TikTok for a request we answer locally
            "pixelhelper_mode": self.mode,
            "pixelhelper_view": self.view,
            "pixelhelper_summary": str(self.summary).lower(),
            "pixelhelper_show_values": str(self.show_values).lower(),
            "pixelhelper_allow_sdk": str(self.allow_sdk).lower(),
            "pixelhelper_save_all": str(self.save_all).lower(),
            "pixelhelper_listen": f"{self.host}:{self.port}",
        }
        optional = {
            "pixelhelper_save": self.save,
            "pixelhelper_report": self.report,
            "pixelhelper_region": self.region,
            "pixelhelper_known_identities": self.known_identities,
        }
        sets.update({k: v for k, v in optional.items() if v})
        command = [
            sys.executable, "-c", "from mitmproxy.tools.main import mitmdump; mitmdump()",
            "-q", "--listen-host", self.host, "--listen-port", str(self.port), "-s", ENTRY,
        ]  # fmt: skip
        for name, value in sets.items():
            command += ["--set", f"{name}={value}"]
        return command + self.extra


def free_port(host: str = "127.0.0.1") -> int:
    """An unused TCP port on `host`."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


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


def ca_spki_hash(confdir: Path | None = None) -> str | None:
    """Base64 SHA-256 of mitmproxy's CA public key, for Chromium's SPKI allow-list."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    path = (confdir or Path.home() / ".mitmproxy") / "mitmproxy-ca-cert.pem"
    if not path.is_file():
        return None
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def launch_browser(
    host: str, port: int, url: str | None = None, headless: bool = False
) -> subprocess.Popen[bytes]:
    """A Chromium with a fresh profile, proxied through pixelhelper, trusting mitmproxy's CA
    by its public key (SPKI) rather than ignoring certificate errors altogether."""
    if not Path(CHROMIUM).exists():
        raise PixelHelperError(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="pixelhelper-profile-")
    args = [CHROMIUM, f"--user-data-dir={profile}", f"--proxy-server=http://{host}:{port}",
            *CHROMIUM_FLAGS]  # fmt: skip
    spki = ca_spki_hash()
    if spki:
        args.append(f"--ignore-certificate-errors-spki-list={spki}")
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    if headless:
        args += ["--headless=new", "--disable-gpu"]
    if url:
        args.append(url)
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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


def run_live(config: ProxyConfig, browser: bool = False) -> int:
    """Run the proxy in the foreground until Ctrl-C; the child prints the session summary.

    The child runs in its own session, so a Ctrl-C in the terminal reaches only this process,
    which passes exactly one SIGINT on (a second one could cut mitmdump's shutdown short).
    """
    print(instructions(config.host, config.port, config.mode), file=sys.stderr, flush=True)
    process = subprocess.Popen(config.command(), start_new_session=True)
    forwarded = False

    def forward(signum: int, frame: object) -> None:
        nonlocal forwarded
        if not forwarded and process.poll() is None:
            forwarded = True
            process.send_signal(signal.SIGINT)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    chromium = None
    try:
        if browser:
            wait_for_port(config.host, config.port, process)
            chromium = launch_browser(config.host, config.port)
        return process.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if chromium is not None and chromium.poll() is None:
            chromium.terminate()
        if process.poll() is None:
            stop(process)


def start_background(config: ProxyConfig, log: Path | None = None) -> subprocess.Popen[bytes]:
    """Start mitmdump without a view (for scans and tests) and wait until it listens.

    Its output goes to `log` (or nowhere): a pipe nobody reads could fill up and stall it.
    """
    sink = log.open("wb") if log else subprocess.DEVNULL
    try:
        process = subprocess.Popen(
            config.command(), stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        if log:
            sink.close()  # type: ignore[union-attr]
    wait_for_port(config.host, config.port, process)
    return process


def run_args(values: Sequence[str]) -> list[str]:
    """`--set name=value` pairs for extra mitmproxy options given on the command line."""
    out: list[str] = []
    for value in values:
        out += ["--set", value]
    return out
