"""A huge pixel body is inspected off the proxy's event loop: other browsing does not wait.

This is a stall guard (the old addon froze all traffic for ~10 s on a 0.57 MB body); the
figures live in benchmarks/bench_proxy.py.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from e2e_support import (
    map_all_tiktok_to,
    proxied_request,
    running_proxy,
    site_server,
    standin_server,
)
from flowfactory import hit


def _big_body(kind: str) -> bytes:
    """About 1 MB: a product feed, or a list of 40,000 emails (40,000 findings)."""
    if kind == "emails":
        emails = [f"visitor{i}@example{i % 40}.com" for i in range(40_000)]
        return json.dumps(hit("Lead", properties={"list": emails})).encode()
    items = [{"content_id": f"SKU-{i}", "content_name": f"Organic cotton shirt size {i % 7}",
              "price": 19.9 + i % 10, "quantity": 1 + i % 3, "brand": "Example"}
             for i in range(9_000)]  # fmt: skip
    return json.dumps(
        hit("ViewContent", properties={"contents": items, "currency": "USD"})
    ).encode()


@pytest.mark.parametrize("kind", ["feed", "emails"])
def test_a_1mb_pixel_body_does_not_stall_other_flows(tmp_path, kind):
    body = _big_body(kind)
    assert len(body) > 1_000_000
    with site_server() as site, standin_server() as standin:
        extra = map_all_tiktok_to(standin.url)
        with running_proxy(tmp_path, "observe", extra=extra) as proxy:  # noqa: SIM117
            port = proxy.port
            baseline = _latencies(port, site, 20)
            done = threading.Event()

            def post() -> None:
                proxied_request(port, "POST", "http://analytics.tiktok.com/api/v2/pixel", body)
                done.set()

            thread = threading.Thread(target=post)
            thread.start()
            time.sleep(0.05)  # the body is in flight / being inspected
            during: list[float] = []
            while not done.is_set() and len(during) < 400:
                during += _latencies(port, site, 1)
            thread.join(120)
    assert done.is_set()
    worst = max(during) if during else 0.0
    print(f"site latency through the proxy: baseline max {max(baseline) * 1000:.1f} ms, "
          f"during a 1 MB pixel inspection max {worst * 1000:.1f} ms over {len(during)} requests")  # fmt: skip
    assert worst < max(baseline) + 0.1  # delayed by at most 100 ms


def _latencies(port: int, site: str, count: int) -> list[float]:
    out = []
    for _ in range(count):
        start = time.perf_counter()
        assert proxied_request(port, "GET", f"{site}/index.html") == 200
        out.append(time.perf_counter() - start)
    return out
