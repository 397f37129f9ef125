"""The proxy child's exit code: mitmdump's own, or 1 when a file the session was asked to write
(`--save`, `--report`, the exit summary) could not be written.

mitmdump exits 0 after Ctrl-C whatever its addons met, so the addon records each failed write
here (the addon module and this one are ordinary imports, shared by the `-s` script) and the
child's entry point turns them into its exit status: a session whose capture was lost must not
look like a clean one to a script or CI.
"""

from __future__ import annotations

import sys

failed_writes: list[str] = []

ENTRY_CODE = "from pixelhelper.live.outcome import main; main()"
"""What the proxy child runs (`python -c`)."""


def failed(message: str) -> None:
    """Note a file that could not be written (the message is already logged)."""
    failed_writes.append(message)


def main() -> None:
    """Run mitmdump, then exit 1 if a write failed."""
    from mitmproxy.tools.main import mitmdump

    mitmdump()
    if failed_writes:
        sys.exit(1)
