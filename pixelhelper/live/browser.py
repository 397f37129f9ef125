"""Chromium for live sessions: a fresh, private profile that trusts only the proxy's CA.

The browser is Debian's (`/usr/bin/chromium`); nothing is ever downloaded. Its profile holds
browsing data of the audited site, so it lives in a private temporary directory (0700, an
unpredictable name) that is removed when the browser is gone.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pixelhelper.errors import PixelHelperError

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


def has_display() -> bool:
    """True when a windowed browser can be shown (X11 or Wayland)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@dataclass
class Browser:
    """A running Chromium and the profile directory it owns."""

    process: subprocess.Popen[bytes]
    profile: str

    def close(self) -> None:
        """End the browser and all its helper processes, then delete its profile (helpers
        still writing to it would otherwise leave it behind)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(10 if sig == signal.SIGTERM else 5)
                break
            except subprocess.TimeoutExpired:
                continue
        for _ in range(20):
            shutil.rmtree(self.profile, ignore_errors=True)
            if not os.path.exists(self.profile):
                return
            time.sleep(0.1)


def launch_browser(host: str, port: int, url: str | None = None, headless: bool = False) -> Browser:
    """A Chromium with a fresh profile, proxied through pixelhelper, trusting mitmproxy's CA
    by its public key (SPKI) rather than ignoring certificate errors altogether."""
    if not Path(CHROMIUM).exists():
        raise PixelHelperError(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="pixelhelper-profile-")  # 0700, unpredictable
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
    try:
        process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
    except OSError as exc:
        shutil.rmtree(profile, ignore_errors=True)
        raise PixelHelperError(f"cannot start Chromium: {exc}") from exc
    return Browser(process, profile)


def headless_args() -> list[str]:
    """Chromium flags for the headless browsers of `scan` and `crawl` (Playwright-driven)."""
    args = [*CHROMIUM_FLAGS, "--disable-gpu"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # root in a container: Chromium refuses its sandbox
    return args
