"""Forms (#33): what the leak search costs an audit, and what typing costs a page.

1. `audit` CPU on a generated capture with 20% pixel flows (`--mb`, default 200 MB), without
   and with a test identity (`--identity`) and with one known identity (`--known-identities`):
   each command in its own process, by turns (`--runs` pairs), CPU time of the children. The
   goal: the leak search adds at most 20%.
2. Typing: `scan --fill` of a local page with five identity fields against `scan` of the same
   page, each in its own process, wall time per page (the goal: at most 3 s more). Needs
   Debian's Chromium.

    python benchmarks/bench_forms.py [--mb 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from captures import write_flow_file  # noqa: E402

IDENTITY = 'email = "jane.tester@example.com"\nphone = "+1 201 555 0123"\n' \
    'first_name = "Zephyrine"\nlast_name = "Quillfeather"\ncity = "Marrowfield"\n'  # fmt: skip
PAGE = """<!doctype html><html><head><title>Five fields</title>
<script src="/pixel.js" data-pixel="CQ8PJ3RC77U4LT2MKR2G"></script></head><body><form>
<label>Email <input id="e" type="email"></label><label>Phone <input id="p" type="tel"></label>
<label>First name <input id="f"></label><label>Last name <input id="l"></label>
<label>City <input id="c"></label></form><script>ttq.page();</script></body></html>"""


def _cpu(command: list[str]) -> float:
    """CPU seconds (user + system) of one command run in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _audit(capture: Path, work: Path, runs: int) -> None:
    identity = work / "identity.toml"
    identity.write_text(IDENTITY)
    known = work / "known.txt"
    known.write_text("jane.tester@example.com\n")
    base = [sys.executable, "-m", "pixelhelper.cli", "audit", str(capture), "--format", "json",
            "-o", os.devnull]  # fmt: skip
    variants = {"plain": base, "--identity": [*base, "--identity", str(identity)],
                "--known-identities": [*base, "--known-identities", str(known)]}  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):  # by turns: a slow phase of the machine falls on all alike
        for name, command in variants.items():
            times[name].append(_cpu(command))
    plain = statistics.median(times["plain"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"audit CPU {name:20} {min(values):.2f} / {median:.2f} / {max(values):.2f} s "
              f"(min / median / max): {median / plain:.3f}x plain"
              + ("  (goal <= 1.20x)" if name != "plain" else ""))  # fmt: skip


def _typing(work: Path, runs: int) -> None:
    from e2e_support import chromium_missing, site_server

    if chromium_missing():
        print(f"typing: skipped ({chromium_missing()})")
        return
    site = work / "site"
    site.mkdir()
    (site / "five.html").write_text(PAGE)
    pixel = Path(__file__).resolve().parent.parent / "examples" / "site" / "pixel.js"
    (work / "identity.toml").write_text(IDENTITY)
    walls: dict[str, list[float]] = {"scan": [], "scan --fill": []}
    with site_server(site, {"/pixel.js": pixel}) as base:
        for _ in range(runs):
            for name, extra in (("scan", []), ("scan --fill",
                                               ["--fill", "--identity", str(work / "identity.toml")])):  # fmt: skip
                command = [sys.executable, "-m", "pixelhelper.cli", "scan", f"{base}/five.html",
                           "--mode", "block", "--wait", "0.5", "--save", str(work / "s.flow"),
                           "--format", "json", "-o", os.devnull, *extra]  # fmt: skip
                start = time.perf_counter()
                subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               check=False)  # fmt: skip
                walls[name].append(time.perf_counter() - start)
    plain, filled = statistics.median(walls["scan"]), statistics.median(walls["scan --fill"])
    print(
        f"typing: scan {plain:.2f} s, scan --fill (five fields) {filled:.2f} s per page "
        f"(median of {runs}): +{filled - plain:.2f} s  (goal <= +3 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200, help="size of the generated capture")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-typing", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        capture = work / "capture.flow"
        write_flow_file(capture, int(args.mb * 1_000_000), 0.20)
        _audit(capture, work, args.runs)
        if not args.no_typing:
            _typing(work, args.runs)


if __name__ == "__main__":
    main()
