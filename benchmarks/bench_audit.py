"""Audit speed and memory on large generated captures, against baselines run on the same files.

    python benchmarks/bench_audit.py [--mb 1024] [--runs 3] [--large] [--dir /tmp]

Generates (never commits) a flow file with 1% and one with 20% pixel flows, and a HAR with
1% pixel entries, then measures each command in its own process (CPU time = user + system,
peak RSS from `wait4`):
  - `pixelhelper audit --format json FILE` against iterating the same file with mitmproxy's
    `FlowReader` (goals: >= 20x at 1%, >= 3x at 20%; peak RSS <= 150 MB);
  - the HAR audit against `json.load` of the same file (goals: no slower; RSS <= 250 MB);
  - with `--large`, a flow file 4x the size (goal: RSS within 20% of the 1x file's);
  - start-up of `--help` and `rules` against `python -c pass` (goal: <= 0.08 s), run by turns;
    with `--clean-venv` everything runs in a new virtual environment holding pixelhelper and
    its dependencies, installed as the README's first command does (this interpreter's
    site-packages may run `.pth` hooks, such as an editable install's import finder, that
    every process pays for), start-up under both interpreters;
  - bytes held per pixel event: a list of decoded `PixelEvent`s against the `EventStore`.
Each figure is min / median / max over `--runs` runs. The package's bytecode is compiled
first, as `pip install` does: an editable checkout run with PYTHONDONTWRITEBYTECODE set (as
on these machines) would otherwise compile every module again in every measured run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from captures import write_flow_file, write_har  # noqa: E402

PY = sys.executable
# Peak RSS is the process's own VmHWM, written at exit: `ru_maxrss` would also count the
# high-water mark the child inherits from this (large) process across fork and exec.
HWM = (
    "import atexit, os\n"
    "def _hwm():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            open(os.environ['BENCH_HWM'], 'w').write(line.split()[1])\n"
    "atexit.register(_hwm)\n"
)
MAIN = HWM + "from pixelhelper.cli import main\nraise SystemExit(main())"
FLOW_READER = (
    HWM + "import sys\nfrom mitmproxy.io import FlowReader\n"
    "with open(sys.argv[1], 'rb') as f:\n    n = sum(1 for _ in FlowReader(f).stream())\n"
)
JSON_LOAD = HWM + "import json, sys\nwith open(sys.argv[1], 'rb') as f:\n    json.load(f)\n"


def measure(command: list[str]) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds, peak RSS in MB) of one run of `command`."""
    with tempfile.NamedTemporaryFile() as hwm:
        env = {**os.environ, "BENCH_HWM": hwm.name}
        start = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):  # 1: findings, as expected on pixel traffic
            raise SystemExit(f"{command} exited {code}")
        peak_kb = int(Path(hwm.name).read_text() or 0)
    return usage.ru_utime + usage.ru_stime, wall, peak_kb / 1024


def runs(command: list[str], count: int) -> list[tuple[float, float, float]]:
    return [measure(command) for _ in range(count)]


def spread(values: list[float], unit: str, digits: int = 2) -> str:
    return (
        f"{min(values):.{digits}f} / {statistics.median(values):.{digits}f} / "
        f"{max(values):.{digits}f} {unit}"
    )


def report(name: str, results: list[tuple[float, float, float]]) -> None:
    cpu = [r[0] for r in results]
    rss = [r[2] for r in results]
    print(f"  {name:<34} CPU {spread(cpu, 's')}   peak RSS {spread(rss, 'MB', 0)}")


def ratio(
    name: str, base: list[tuple[float, float, float]], ours: list[tuple[float, float, float]]
) -> float:
    factor = statistics.median(r[0] for r in base) / statistics.median(r[0] for r in ours)
    worst = min(r[0] for r in base) / max(r[0] for r in ours)
    best = max(r[0] for r in base) / min(r[0] for r in ours)
    pairs = ", ".join(f"{b[0] / o[0]:.1f}x" for b, o in zip(base, ours, strict=False))
    print(
        f"  => {name}: {factor:.1f}x faster (median; range {worst:.1f}x-{best:.1f}x; "
        f"run by run {pairs})"
    )
    return factor


def audit(python: str, path: Path, count: int) -> list[tuple[float, float, float]]:
    """`pixelhelper audit --format json` on `path` under `python`, reported."""
    ours = runs([python, "-c", MAIN, "audit", "--format", "json", str(path)], count)
    report("pixelhelper audit --format json", ours)
    return ours


def against(
    python: str, name: str, baseline: str, path: Path, count: int
) -> list[tuple[float, float, float]]:
    """The baseline script on `path` and the audit, both under `python`, run by turns, and
    their ratio; the audit's runs. By turns, because these machines have slow phases of a
    minute and more: all baseline runs first and then all audits put a phase on one side."""
    base: list[tuple[float, float, float]] = []
    ours: list[tuple[float, float, float]] = []
    for _ in range(count):
        base.append(measure([python, "-c", baseline, str(path)]))
        ours.append(measure([python, "-c", MAIN, "audit", "--format", "json", str(path)]))
    report(name, base)
    report("pixelhelper audit --format json", ours)
    ratio(f"audit vs {name.split()[0]}", base, ours)
    return ours


def startup(python: str, count: int) -> None:
    """`python -c pass`, `pixelhelper --help` and `pixelhelper rules` under `python`, by
    turns (start-up is tens of milliseconds: a phase of the machine would otherwise land on
    one command only), with how far each median lies above the interpreter's."""
    commands = {"python -c pass": [python, "-c", HWM], "pixelhelper --help": [python, "-c", MAIN, "--help"],
                "pixelhelper rules": [python, "-c", MAIN, "rules"]}  # fmt: skip
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for _ in range(count):
        for name, command in commands.items():
            results[name].append(measure(command))
    bare = statistics.median(r[0] for r in results["python -c pass"])
    for name, values in results.items():
        above = statistics.median(r[0] for r in values) - bare
        report(name, values)
        if name != "python -c pass":
            print(f"  {'':<34} {above * 1000:+.0f} ms over the interpreter (medians)")


def clean_venv(where: Path) -> str:
    """A new virtual environment with pixelhelper installed from this checkout as the
    README's first command installs it (a copy, with its dependencies): its python."""
    repo = Path(__file__).resolve().parent.parent
    subprocess.run([PY, "-m", "venv", str(where)], check=True)
    python = str(where / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", str(repo)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    return python


def bytes_per_event(count: int = 400) -> tuple[float, float]:
    """Memory held per event: decoded `PixelEvent`s in a list vs the compact `EventStore`."""
    from bench_detectors import payloads

    from pixelhelper.capture import CapturedRequest
    from pixelhelper.decode import decode
    from pixelhelper.store import EventStore

    url = "https://analytics.tiktok.com/api/v2/pixel"
    headers = (("Content-Type", "application/json"), ("User-Agent", "Mozilla/5.0"))
    requests = [CapturedRequest("POST", url, headers, body) for body in payloads(count)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    held = [event for request in requests for event in decode(request)]
    live = (tracemalloc.get_traced_memory()[0] - before) / len(held)
    count = len(held)
    del held
    before = tracemalloc.get_traced_memory()[0]
    store = EventStore()
    for request in requests:  # as an audit does: each event stored, then dropped
        for event in decode(request):
            store.append(event)
    compact = (tracemalloc.get_traced_memory()[0] - before) / count
    tracemalloc.stop()
    return live, compact


def live_bytes_per_event(count: int = 400, repeat: int = 8) -> tuple[float, float]:
    """Memory the live proxy's state holds per event it records as the inspection process
    sends them (`store.pack`, pickled): the events' facts and stored dumps, their findings and
    the session's maps; and the findings per event."""
    import gc
    import pickle

    from bench_detectors import payloads

    from pixelhelper.audit import Audit
    from pixelhelper.capture import CapturedRequest
    from pixelhelper.live.state import LiveState
    from pixelhelper.store import pack

    audit, url = Audit(), "https://analytics.tiktok.com/api/v2/pixel"
    headers = (("Content-Type", "text/plain;charset=UTF-8"), ("User-Agent", "Mozilla/5.0"))
    frames = []
    for body in payloads(count) * repeat:
        prepared = audit.prepare(CapturedRequest("POST", url, headers, body, client_ip="127.0.0.1"))
        frames.append(pickle.dumps([(*pack(event), found) for event, found in prepared]))
    state = LiveState()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for frame in frames:
        state.record_packed(pickle.loads(frame))  # noqa: S301  (made above)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held / len(state.events), len(state.audit.result.findings) / len(state.events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1024, help="size of the generated files")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large", action="store_true", help="also a file 4x the size (RSS)")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the files")
    parser.add_argument("--clean-venv", action="store_true",
                        help="run in a new venv, installed as the README's first command does "
                             "(the baselines too; start-up also under this interpreter)")  # fmt: skip
    parser.add_argument("--startup-only", action="store_true", help="measure start-up only")
    args = parser.parse_args()
    size = int(args.mb * 1024 * 1024)
    import pixelhelper

    package = Path(pixelhelper.__file__).parent
    subprocess.run(
        [PY, "-m", "compileall", "-q", str(package)], check=True, stdout=subprocess.DEVNULL
    )
    with tempfile.TemporaryDirectory(dir=args.dir) as workdir:
        work = Path(workdir)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} runs each")
        print(f"start-up (CPU, includes the interpreter), {PY}:")
        startup(PY, args.runs)
        python = PY
        if args.clean_venv:
            python = clean_venv(work / "venv")
            print(f"start-up in a clean virtual environment (pip install .), {python}:")
            startup(python, args.runs)
        if args.startup_only:
            return
        flow_rss = {}
        for share in (0.01, 0.20):
            path = work / f"capture-{int(share * 100)}.flow"
            flows = write_flow_file(path, size, share)
            mb = path.stat().st_size / 1e6
            print(f"flow file, {share:.0%} pixel flows: {mb:.0f} MB, {flows} flows")
            ours = against(python, "FlowReader iteration", FLOW_READER, path, args.runs)
            flow_rss[share] = statistics.median(r[2] for r in ours)
            path.unlink()
        if args.large:
            path = work / "capture-large.flow"
            flows = write_flow_file(path, size * 4, 0.01)
            print(f"flow file 4x, 1% pixel: {path.stat().st_size / 1e6:.0f} MB, {flows} flows")
            ours = audit(python, path, args.runs)
            large = statistics.median(r[2] for r in ours)
            print(f"  => peak RSS 4x / 1x: {large / flow_rss[0.01]:.2f}")
            path.unlink()
        path = work / "capture.har"
        entries = write_har(path, size, 0.01)
        print(f"HAR, 1% pixel entries: {path.stat().st_size / 1e6:.0f} MB, {entries} entries")
        against(python, "json.load", JSON_LOAD, path, args.runs)
    live, compact = bytes_per_event()
    print(f"memory per held event: PixelEvent {live:,.0f} B, EventStore {compact:,.0f} B "
          f"({live / compact:.1f}x less)")  # fmt: skip
    held, findings = live_bytes_per_event()
    print(f"memory per event held by the live proxy's state (facts, stored event, findings, "
          f"session): {held:,.0f} B, with {findings:.2f} findings per event")  # fmt: skip


if __name__ == "__main__":
    main()
