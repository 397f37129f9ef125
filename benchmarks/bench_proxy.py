"""Proxy overhead of the pixelhelper addon, against plain mitmdump measured in the same run.

    python benchmarks/bench_proxy.py [--requests 500] [--rounds 24] [--instances 2]
                                     [--rate 300] [--seconds 30] [--segments 6]
                                     [--calls 1000] [--instructions 0] [--busy]
                                     [--paced-only]

Everything runs on 127.0.0.1: a local HTTP server, plain `mitmdump`s and `mitmdump`s with the
pixelhelper addon (observe mode, which inspects in a separate process). Prints:
  - first, on fresh proxies: pixel requests paced at `--rate` per second for `--seconds`
    through each (open loop, 8 connections; in `--segments` parts, the proxies by turns in
    an order rotating from part to part: a slow phase of the machine lasts seconds, and three
    10 s parts let one land on one proxy, at +13 and +19 ms of p99 in two runs): p99 latency
    through the addon and a plain proxy (target: addon <= plain + 5 ms), with a second plain
    proxy as the control (how far the same program's p99 moves in this run), and each
    proxy's RSS afterwards (target: addon <= plain + 50 MiB); with `--busy`, a CPU-bound
    process runs beside them meanwhile, as the user's browser or a build may (the addon's
    inspection process runs niced: the proxy comes first);
  - non-pixel and pixel throughput (closed loop): requests per second and the ratio
    addon/plain (targets >= 0.95 and >= 0.85), and each proxy's CPU time per request, the
    addon's inspection process included (the work the addon adds, also where a second core
    hides it from the throughput). `--instances` plain and addon proxies each run by turns,
    in an order that rotates from round to round; each round's ratio is the addon proxies'
    mean rate over the plain ones', so no single process's luck (its hash seed, memory
    layout and the core it settles on) weighs alone; the second instance of each kind
    against the first ("controls": the same program twice) shows how far that luck and the
    machine's noise move a ratio in this run;
  - Python function calls per non-pixel request in plain mitmdump, with a `-s` script that
    does nothing, and with the addon (cProfile; a count, which the machine's load does not
    move, where the throughput ratio moves by several percent from run to run); with
    `--instructions N`, machine instructions per request too (valgrind's cachegrind), which
    also count the native work (the interpreter's, the parsers', the sockets') and repeat to
    about 2%;
  - added latency per pixel request: the addon's decode + inspect time measured in-process
    on realistic pixel payloads (p50/p99; target p99 < 5 ms), and the p99 round-trip of the
    same pixel requests through each proxy (TikTok's host mapped to the local server).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import pstats
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_detectors import payloads  # noqa: E402

from pixelhelper.capture import CapturedRequest  # noqa: E402
from pixelhelper.live.proxy import (  # noqa: E402
    STREAM_LARGE_BODIES,
    ProxyConfig,
    free_port,
    start_background,
    stop,
    wait_for_port,
)
from pixelhelper.live.view import LiveState  # noqa: E402

MITMDUMP_CODE = "from mitmproxy.tools.main import mitmdump; mitmdump()"
MITMDUMP = [sys.executable, "-c", MITMDUMP_CODE]


def _listen(port: int) -> list[str]:
    """The options every plain and profiled mitmdump here runs with: those the proxies
    pixelhelper starts run with too (lazy connections, large bodies streamed), so a plain
    mitmdump differs from the addon's by the addon alone."""
    return ["-q", "--listen-host", "127.0.0.1", "--listen-port", str(port),
            "--set", "connection_strategy=lazy",
            "--set", f"stream_large_bodies={STREAM_LARGE_BODIES}"]  # fmt: skip


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _plain_proxy(port: int, target: str):  # type: ignore[no-untyped-def]
    process = subprocess.Popen(
        [*MITMDUMP, *_listen(port),
         "--set", f"map_remote=|http://analytics\\.tiktok\\.com|{target}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    wait_for_port("127.0.0.1", port, process)
    return process


def _drive(port: int, urls: list[tuple[str, bytes | None]], workers: int = 4) -> list[float]:
    """Send the requests through the proxy on keep-alive connections; return latencies (s)."""
    latencies: list[float] = []
    lock = threading.Lock()
    chunks = [urls[i::workers] for i in range(workers)]

    def work(chunk: list[tuple[str, bytes | None]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        local = []
        for url, body in chunk:
            start = time.perf_counter()
            if body is None:
                conn.request("GET", url)
            else:
                conn.request("POST", url, body, {"Content-Type": "text/plain;charset=UTF-8"})
            conn.getresponse().read()
            local.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def _stall(port: int, target: str, body: bytes) -> tuple[float, float]:
    """Site latency (p50, max; s) through the proxy while one 1 MB pixel body is in flight."""
    done = threading.Event()

    def post() -> None:
        _drive(port, [("http://analytics.tiktok.com/api/v2/pixel", body)], 1)
        done.set()

    sender = threading.Thread(target=post)
    sender.start()
    latencies: list[float] = []
    while not done.is_set() or len(latencies) < 20:
        latencies += _drive(port, [(f"{target}/during/{len(latencies)}", None)], 1)
    sender.join()
    return statistics.median(latencies), max(latencies)


def _big_body() -> bytes:
    """About 1 MB: 40,000 emails, so 40,000 findings to record and mask."""
    emails = [f"visitor{i}@example{i % 40}.com" for i in range(40_000)]
    return json.dumps({"event": "Lead", "context": {"page": {"url": "https://shop.example.com/"}},
                       "properties": {"list": emails}}).encode()  # fmt: skip


def _paced(
    port: int, bodies: list[bytes], rate: float, seconds: float, workers: int = 8
) -> list[float]:
    """Open-loop load: pixel POSTs sent at `rate` per second for `seconds`, spread over
    `workers` keep-alive connections; latencies (s) measured from each request's send."""
    total = int(rate * seconds)
    start = time.perf_counter() + 0.1
    latencies: list[float] = []
    lock = threading.Lock()

    def work(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        local = []
        for i in range(offset, total, workers):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent = time.perf_counter()
            conn.request("POST", "http://analytics.tiktok.com/api/v2/pixel", bodies[i % len(bodies)],
                         {"Content-Type": "text/plain;charset=UTF-8"})  # fmt: skip
            conn.getresponse().read()
            local.append(time.perf_counter() - sent)
        conn.close()
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


@contextlib.contextmanager
def _busy(on: bool) -> Iterator[None]:
    """A process spinning on one core while the block runs (if `on`)."""
    if not on:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


Paced = dict[str, tuple[list[float], float]]


def _paced_run(proxies: list[tuple[str, int, Any]], bodies: list[bytes], args: Any) -> Paced:
    """`--seconds` of paced pixel traffic through each proxy, in `--segments` parts by turns
    (the order rotating from part to part, as `_orders` does), so a slow phase of the machine
    falls on each alike: each proxy's latencies and its RSS after its last part."""
    paced: Paced = {name: ([], 0.0) for name, _port, _process in proxies}
    for order in _orders(proxies, args.segments):
        for name, port, process in order:
            latencies = _paced(port, bodies, args.rate, args.seconds / args.segments)
            paced[name] = (paced[name][0] + latencies, _rss_mib(process.pid))
    return paced


def _report_paced(paced: Paced, inspector_rss: float, args: Any) -> None:
    (plain_lat, plain_rss), (addon_lat, addon_rss) = paced["plain-1"], paced["addon-1"]
    plain_p99, addon_p99 = _p(plain_lat, 99) * 1000, _p(addon_lat, 99) * 1000
    busy = ", beside a CPU-bound process" if args.busy else ""
    print(f"paced {args.rate:.0f} pixel req/s for {args.seconds:.0f} s{busy}, p99 plain / addon: "
          f"{plain_p99:.2f} / {addon_p99:.2f} ms (added {addon_p99 - plain_p99:+.2f} ms, "
          f"target <= +5 ms); p50 {_p(plain_lat, 50) * 1000:.2f} / "
          f"{_p(addon_lat, 50) * 1000:.2f} ms")  # fmt: skip
    if "plain-2" in paced:
        control = _p(paced["plain-2"][0], 99) * 1000
        print(f"  control: a second plain mitmdump, p99 {control:.2f} ms "
              f"({control - plain_p99:+.2f} ms over the first)")  # fmt: skip
    print(f"proxy RSS after the paced run, plain / addon: {plain_rss:.0f} / {addon_rss:.0f} MiB "
          f"(added {addon_rss - plain_rss:+.0f} MiB, target <= +50 MiB); the addon's "
          f"inspection process: {inspector_rss:.0f} MiB more")  # fmt: skip


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _children(pid: int) -> list[int]:
    """The direct children of `pid` (the addon's inspection process)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _children_rss_mib(pid: int) -> float:
    """RSS of the direct children of `pid`."""
    return sum(_rss_mib(child) for child in _children(pid))


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by `pid` and its live children: the proxy's
    work, the addon's inspection process included."""
    total = 0
    for process in (pid, *_children(pid)):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def _instances(values: dict[str, list[float]], kind: str) -> list[list[float]]:
    """The series of `kind`'s instances (`plain` -> plain-1, plain-2), or of the one instance
    a numbered name (`plain-2`) names."""
    return [v for key, v in values.items() if kind in (key, key.rsplit("-", 1)[0])]


def _round_ratios(values: dict[str, list[float]], kind: str, over: str = "plain") -> list[float]:
    """Round by round, the mean of `kind`'s instances over the mean of `over`'s in that round."""

    def mean(name: str) -> list[float]:
        return [statistics.fmean(column) for column in zip(*_instances(values, name), strict=True)]

    return [a / b for a, b in zip(mean(kind), mean(over), strict=True)]


def _median_ratio(
    values: dict[str, list[float]], kind: str = "addon", over: str = "plain"
) -> float:
    """Median over the rounds of `_round_ratios`."""
    return statistics.median(_round_ratios(values, kind, over))


def _orders(proxies: list[Any], rounds: int) -> list[list[Any]]:
    """Each round's order: the rotations of the list, then the same reversed, over again, so
    that every proxy runs in every position equally often and after different neighbours (a
    drift of the machine's speed within a round favours none)."""
    n = len(proxies)
    base = [proxies[i:] + proxies[:i] for i in range(n)]
    cycle = base + [order[::-1] for order in base]
    return [cycle[turn % len(cycle)] for turn in range(rounds)]


def _throughput(
    proxies: list[tuple[str, int, Any]], urls: list[tuple[str, bytes | None]], rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Closed-loop rounds, the proxies by turns: requests per second of wall time, and each
    proxy's CPU seconds per request (its inspection process included)."""
    rates: dict[str, list[float]] = {name: [] for name, _port, _process in proxies}
    cpu: dict[str, list[float]] = {name: [] for name, _port, _process in proxies}
    for order in _orders(proxies, rounds):
        for name, port, process in order:
            used = _cpu_seconds(process.pid)
            start = time.perf_counter()
            _drive(port, urls)
            rates[name].append(len(urls) / (time.perf_counter() - start))
            cpu[name].append((_cpu_seconds(process.pid) - used) / len(urls))
    return rates, cpu


def _controls(values: dict[str, list[float]], invert: bool = False) -> str:
    """Each kind's second instance against its first: the same program twice, so how far
    this machine's noise alone (and a process's luck: its hash seed, its memory layout, its
    core) moves a ratio in this run."""
    parts = []
    for kind in ("plain", "addon"):
        if f"{kind}-2" in values:
            one, two = f"{kind}-1", f"{kind}-2"
            ratio = _median_ratio(values, one, two) if invert else _median_ratio(values, two, one)
            parts.append(f"{kind} 2/1 {ratio:.3f}")
    return ", ".join(parts) or "none (one instance each)"


def _report_throughput(
    label: str, rates: dict[str, list[float]], cpu: dict[str, list[float]], goal: float
) -> None:
    def best(kind: str) -> float:
        return max(max(v) for v in _instances(rates, kind))

    def median_cpu(kind: str) -> float:
        return statistics.median(x for v in _instances(cpu, kind) for x in v)

    rounds = len(rates["plain-1"])
    print(f"{label} throughput, plain / addon: {best('plain'):.0f} / {best('addon'):.0f} req/s "
          f"(best of {rounds} rounds); addon/plain, median of the rounds "
          f"{_median_ratio(rates):.3f} (target >= {goal}); controls: {_controls(rates)}")  # fmt: skip
    print(f"{label} proxy CPU per request, plain / addon: {median_cpu('plain') * 1000:.3f} / "
          f"{median_cpu('addon') * 1000:.3f} ms (medians); plain/addon, median of the rounds "
          f"{_median_ratio(cpu, 'plain', 'addon'):.3f}; controls: "
          f"{_controls(cpu, invert=True)}")  # fmt: skip


ADDON_SCRIPT = Path(__file__).resolve().parent.parent / "addons" / "tiktok_pixel.py"


def _instructions(out: Path) -> int:
    """Instructions executed, from a cachegrind output file's summary line."""
    text = out.read_text()
    events = next(x for x in text.splitlines() if x.startswith("events:")).split()[1:]
    summary = next(x for x in text.splitlines() if x.startswith("summary:")).split()[1:]
    return int(dict(zip(events, summary, strict=True))["Ir"])


def _count_per_request(
    target: str, extra: list[str], requests: int, empty_script: bool = False,
    instructions: bool = False,
) -> float:  # fmt: skip
    """Python function calls (cProfile) or, with `instructions`, machine instructions
    (valgrind's cachegrind, the native code too: the interpreter, the parsers, the sockets)
    mitmdump executes per non-pixel request: the difference between a run of `requests` and
    one of twice as many, so start-up and shutdown cancel out. Unlike time, a count does not
    move with the machine's load; the call count repeats to within a call, the instruction
    count to within about 2% (how requests share the event loop's turns still varies).
    `empty_script`: with `-s` a script that does nothing (what mitmproxy's script machinery
    costs by itself)."""
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "mitmdump_main.py"
        script.write_text(MITMDUMP_CODE + "\n")
        if empty_script:
            (Path(tmp) / "empty.py").write_text("addons = []\n")
            extra = [*extra, "-s", str(Path(tmp) / "empty.py")]
        for n in (requests, 2 * requests):
            port, out = free_port(), Path(tmp) / f"{n}.out"
            tool = (["valgrind", "--tool=cachegrind", "--cache-sim=no",
                     f"--cachegrind-out-file={out}", sys.executable] if instructions
                    else [sys.executable, "-m", "cProfile", "-o", str(out)])  # fmt: skip
            process = subprocess.Popen(
                [*tool, str(script), *_listen(port), *extra],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
            try:
                wait_for_port("127.0.0.1", port, process, timeout=600 if instructions else 30)
                _drive(port, [(f"{target}/page/{i}", None) for i in range(n)])
            finally:
                process.send_signal(signal.SIGINT)  # a clean exit writes the counts
                process.wait(600)
            totals.append(_instructions(out) if instructions
                          else pstats.Stats(str(out)).total_calls)  # type: ignore[attr-defined]  # fmt: skip
    return (totals[1] - totals[0]) / requests


def _counts(target: str, plain: list[str], addon: list[str], requests: int,
            instructions: bool = False) -> dict[str, float]:  # fmt: skip
    """The per-request count for plain mitmdump, an empty `-s` script and the addon."""

    def count(options: list[str], empty_script: bool = False) -> float:
        return _count_per_request(target, options, requests, empty_script, instructions)

    return {"plain": count(plain), "script": count(plain, empty_script=True), "addon": count(addon)}


def _report_counts(what: str, counts: dict[str, float]) -> None:
    print(f"{what} per non-pixel request, plain / with any -s script / with "
          f"the addon: {counts['plain']:.0f} / {counts['script']:.0f} / {counts['addon']:.0f} "
          f"(the addon {counts['addon'] / counts['plain'] - 1:+.1%} over plain, "
          f"{counts['addon'] / counts['script'] - 1:+.1%} over a script that does nothing)")  # fmt: skip


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=24)
    parser.add_argument("--instances", type=int, default=2,
                        help="plain and addon proxies of each kind (a process's luck averages out)")  # fmt: skip
    parser.add_argument("--rate", type=float, default=300, help="paced pixel requests per second")
    parser.add_argument("--seconds", type=float, default=30, help="length of the paced run")
    parser.add_argument("--segments", type=int, default=6,
                        help="the paced run in this many parts, the proxies by turns")  # fmt: skip
    parser.add_argument("--paced-only", action="store_true", help="only the paced run")
    parser.add_argument("--busy", action="store_true",
                        help="a CPU-bound process beside the proxies during the paced run")  # fmt: skip
    parser.add_argument("--calls", type=int, default=1000,
                        help="non-pixel requests per profiled run (function calls per request)")  # fmt: skip
    parser.add_argument("--instructions", type=int, default=0,
                        help="also count machine instructions per non-pixel request under "
                             "valgrind, with this many requests per run (slow: 500 takes "
                             "about 7 minutes; needs valgrind)")  # fmt: skip
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_address[1]}"
    mapping = ["--set", f"map_remote=|http://analytics\\.tiktok\\.com|{target}"]
    started: list[tuple[str, int, Any]] = []
    site = [(f"{target}/page/{i}", None) for i in range(args.requests)]
    bodies = payloads(400)
    pixel = [("http://analytics.tiktok.com/api/v2/pixel", bodies[i % len(bodies)])
             for i in range(args.requests)]  # fmt: skip  # as many as the site rounds
    try:
        for n in range(1, args.instances + 1):
            port = free_port()
            started.append((f"plain-{n}", port, _plain_proxy(port, target)))
            port = free_port()
            config = ProxyConfig(port=port, view="none", summary=False, extra=mapping)
            started.append((f"addon-{n}", port, start_background(config)))
        by_name = {name: (port, process) for name, port, process in started}
        plain_port, (addon_port, addon) = by_name["plain-1"][0], by_name["addon-1"]
        # First, on fresh proxies: a long paced run of pixel traffic (tail latency, memory).
        paced_names = [n for n in ("plain-1", "addon-1", "plain-2") if n in by_name]
        with _busy(args.busy):
            paced = _paced_run([(n, *by_name[n]) for n in paced_names], bodies, args)
        inspector_rss = _children_rss_mib(addon.pid)
        if args.paced_only:
            _report_paced(paced, inspector_rss, args)
            return
        for _name, port, _process in started:
            _drive(port, site[:200])  # warm-up
        rates, cpu = _throughput(started, site, args.rounds)
        pixel_rates, pixel_cpu = _throughput(started, pixel, args.rounds)
        pixel_rt = {"plain": _drive(plain_port, pixel, 1), "addon": _drive(addon_port, pixel, 1)}
        big = _big_body()
        stall = {"plain": _stall(plain_port, target, big), "addon": _stall(addon_port, target, big)}
        addon_options = ["-s", str(ADDON_SCRIPT), "--set", "pixelhelper_view=none",
                         "--set", "pixelhelper_summary=false"]  # fmt: skip
        calls = _counts(target, mapping, [*mapping, *addon_options], args.calls)
        instructions = (_counts(target, mapping, [*mapping, *addon_options], args.instructions,
                                instructions=True) if args.instructions else None)  # fmt: skip
    finally:
        for _name, _port, process in started:
            stop(process)
        server.shutdown()

    state = LiveState()
    url = "https://analytics.tiktok.com/api/v2/pixel"
    headers = (("Content-Type", "text/plain;charset=UTF-8"), ("User-Agent", "Mozilla/5.0"))
    inspect_ms = []
    for body in bodies * 3:
        start = time.perf_counter()
        state.add(CapturedRequest("POST", url, headers, body, client_ip="127.0.0.1"))
        inspect_ms.append((time.perf_counter() - start) * 1000)

    _report_throughput("non-pixel", rates, cpu, 0.95)
    _report_throughput("pixel", pixel_rates, pixel_cpu, 0.85)
    _report_paced(paced, inspector_rss, args)
    print(f"pixel decode+inspect in the addon:       p50 {_p(inspect_ms, 50):.2f} ms, "
          f"p99 {_p(inspect_ms, 99):.2f} ms  (target p99 < 5 ms)")  # fmt: skip
    plain_p99 = _p(pixel_rt["plain"], 99) * 1000
    addon_p99 = _p(pixel_rt["addon"], 99) * 1000
    print(f"pixel round trip p99, plain / addon:     {plain_p99:.2f} ms / {addon_p99:.2f} ms "
          f"(added {addon_p99 - plain_p99:+.2f} ms, ratio {addon_p99 / plain_p99:.2f})")  # fmt: skip
    _report_counts("Python function calls (cProfile, deterministic)", calls)
    if instructions:
        _report_counts("machine instructions (cachegrind, to about 2%)", instructions)
    (plain_med, plain_max), (addon_med, addon_max) = stall["plain"], stall["addon"]
    print(f"site latency during a 1 MB pixel body:   plain p50 {plain_med * 1000:.1f} / max "
          f"{plain_max * 1000:.1f} ms, addon p50 {addon_med * 1000:.1f} / max "
          f"{addon_max * 1000:.1f} ms (added max {(addon_max - plain_max) * 1000:+.1f} ms, "
          "target <= 100 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
