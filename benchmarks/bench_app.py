"""The interactive app under load: pixel traffic through the real proxy, keys pressed meanwhile.

    python benchmarks/bench_app.py [--rate 200] [--seconds 30]

A proxy child (block mode, everything on 127.0.0.1) streams its records to the app, which runs
headless in this process (Textual's test harness); a thread sends `--rate` pixel beacons per
second. Every half second the benchmark presses `k` (move up) and measures how long the
table's cursor takes to follow. Printed: key-press latency p50 / p95 / max (target <= 250 ms),
events shown against events sent, records dropped by the proxy's bounded stream, and the
resident memory of the app and of the proxy at the start and the end (bounded: the app keeps
at most 20,000 events). The baseline, measured in the same run, is the same key press with no
traffic at all.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from textual import events  # noqa: E402

from pixelhelper.live.app import PixelHelperApp, SocketSource  # noqa: E402
from pixelhelper.live.proxy import ProxyConfig, free_port, spawn, stop, wait_for_port  # noqa: E402
from pixelhelper.live.widgets import EventTable  # noqa: E402

from flowfactory import hit  # noqa: E402


def rss_mib(pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def send(port: int, rate: int, seconds: float, sent: list[int], stop_at: threading.Event) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    interval = 1 / rate
    start = time.perf_counter()
    n = 0
    while not stop_at.is_set() and time.perf_counter() - start < seconds:
        body = json.dumps(hit("AddToCart", page=f"https://shop.example.com/p/{n % 50}", n=n,
                              event_id=f"a{n}", properties={"value": 5, "currency": "USD"}))  # fmt: skip
        conn.request("POST", "http://analytics.tiktok.com/api/v2/pixel", body,
                     {"Content-Type": "text/plain;charset=UTF-8"})  # fmt: skip
        conn.getresponse().read()
        n += 1
        sent[0] = n
        delay = start + n * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    conn.close()


def key(app: PixelHelperApp, name: str) -> None:
    """A key press as the terminal driver delivers it (not the test pilot, which waits for
    the app to go idle and so measures its own waiting under load)."""
    event = events.Key(name, name)
    event.set_sender(app)
    app._driver.send_message(event)  # type: ignore[union-attr]


async def press_latency(app: PixelHelperApp, presses: int, gap: float) -> list[float]:
    table = app.query_one(EventTable)
    latencies = []
    for _ in range(presses):
        await asyncio.sleep(gap)
        before = table.cursor_row
        if before <= 0:
            key(app, "f")  # back to the newest, so there is a row above to move to
            await asyncio.sleep(0.1)
            before = table.cursor_row
        start = time.perf_counter()
        key(app, "k")
        while table.cursor_row == before and time.perf_counter() - start < 5:
            await asyncio.sleep(0.001)
        latencies.append(time.perf_counter() - start)
    return latencies


async def run(rate: int, seconds: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="pixelhelper-bench-"))
    port = free_port()
    socket_path = str(workdir / "s.sock")
    config = ProxyConfig(port=port, mode="block", view="stream", summary=False,
                         extra=["--set", f"pixelhelper_stream={socket_path}"])  # fmt: skip
    source = SocketSource(socket_path)
    app = PixelHelperApp(source)
    flushes: list[float] = []
    original = app.flush

    def timed_flush() -> None:
        start = time.perf_counter()
        original()
        flushes.append(time.perf_counter() - start)

    app.flush = timed_flush  # type: ignore[method-assign]
    with (workdir / "log").open("wb") as log:
        process = spawn(config.command(), log)
    source.process = process
    try:
        wait_for_port("127.0.0.1", port, process)
        async with app.run_test(size=(160, 45)):
            await asyncio.sleep(0.5)
            # a few events so there is something to move through, then the idle baseline
            warm = threading.Event()
            sent_warm = [0]
            send(port, 50, 0.5, sent_warm, warm)
            await asyncio.sleep(0.5)
            idle = await press_latency(app, 10, 0.2)
            app_start, proxy_start = rss_mib(), rss_mib(str(process.pid))
            sent, more = [0], [0]
            done = threading.Event()
            senders = [threading.Thread(target=send, args=(port, rate // 2, seconds, box, done))
                       for box in (sent, more)]  # fmt: skip
            for sender in senders:
                sender.start()
            loaded = await press_latency(app, int(seconds / 0.5) - 1, 0.5)
            for sender in senders:
                sender.join()
            sent[0] += more[0]
            await asyncio.sleep(1.0)
            shown = len(app.model.events)
            dropped = app.model.status.get("dropped", 0)
            app_end, proxy_end = rss_mib(), rss_mib(str(process.pid))
    finally:
        stop(process)
    total = sent[0] + sent_warm[0]
    q = statistics.quantiles(loaded, n=20)
    print(f"traffic: {sent[0]} pixel events in {seconds:.0f} s ({sent[0] / seconds:.0f}/s), "
          f"{shown} of {total} shown in the app, {dropped} records dropped by the stream")  # fmt: skip
    print(f"key press -> cursor moved, idle:      p50 {statistics.median(idle) * 1000:6.1f} ms, "
          f"max {max(idle) * 1000:6.1f} ms")  # fmt: skip
    print(f"key press -> cursor moved, under load: p50 {statistics.median(loaded) * 1000:6.1f} ms, "
          f"p95 {q[18] * 1000:6.1f} ms, max {max(loaded) * 1000:6.1f} ms (target <= 250 ms)")  # fmt: skip
    print(f"app batch update (10 Hz): p50 {statistics.median(flushes) * 1000:.1f} ms, "
          f"max {max(flushes) * 1000:.1f} ms over {len(flushes)} batches")  # fmt: skip
    print(f"memory (RSS): app {app_start:.0f} -> {app_end:.0f} MiB, "
          f"proxy {proxy_start:.0f} -> {proxy_end:.0f} MiB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.rate, args.seconds))


if __name__ == "__main__":
    main()
