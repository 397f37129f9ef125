"""Generate large, realistic captures for the benchmarks (nothing large is committed).

A browsing session is mostly pages, scripts, images and other vendors' beacons; a share of
its flows is TikTok pixel traffic. Each kind of flow is built once as a real mitmproxy flow
and serialised once; the file is then written by repeating those records with fresh ids and
timestamps patched in place, so a gigabyte takes seconds to write and is still a valid file
that mitmproxy's own `FlowReader` reads.

    python benchmarks/captures.py flow out.flow --mb 1024 --pixel 0.01
    python benchmarks/captures.py har out.har --mb 1024 --pixel 0.01
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_detectors import payloads  # noqa: E402

from pixelhelper.sources.writer import har_document, make_flow  # noqa: E402

UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
SITE = "https://shop.example.com"


# The mix of a browsing session by request count (HTTP Archive's pages: ~70 requests and
# ~2 MB each; ad-heavy sites add many small beacons): (share, kind, body sizes in KB).
MIX = (
    (0.25, "beacon", (0.1, 0.3, 1)),
    (0.30, "image", (2, 8, 15, 30, 60)),
    (0.20, "script", (5, 20, 40, 80, 150)),
    (0.05, "style", (4, 10, 20)),
    (0.05, "font", (15, 25, 40)),
    (0.08, "html", (20, 40, 80)),
    (0.07, "api", (1, 5, 12)),
)
SNIPPET = (
    "<script>!function(w,d,t){w.TiktokAnalyticsObject=t;var ttq=w[t]=w[t]||[];ttq.load="
    "function(e){var r='https://analytics.tiktok.com/i18n/pixel/events.js';}}(window,"
    "document,'ttq');ttq.load('CQ8PJ3RC77U4LT2MKR2G');ttq.page();</script>"
)


def _body(kind: str, size: int, rng: random.Random) -> tuple[bytes, str]:
    """A response body of about `size` bytes, shaped like its kind."""
    if kind == "html":  # a site with the pixel embeds its snippet in every page
        card = '<div class="card"><a href="/product/1">Product</a><p>lorem ipsum dolor</p></div>'
        return (
            f"<html><head>{SNIPPET}</head><body>" + card * (size // len(card))
        ).encode(), "text/html"
    if kind == "script":
        return ("function f(a,b){return a+b}\n" * (size // 28)).encode(), "application/javascript"
    if kind == "style":
        return (".card{margin:0 auto;padding:4px}\n" * (size // 33)).encode(), "text/css"
    if kind == "api":
        items = [{"id": i, "name": f"item {i}", "price": i * 1.5} for i in range(size // 45 + 1)]
        return json.dumps({"items": items}).encode(), "application/json"
    if kind == "beacon":
        return b"GIF89a" + rng.randbytes(max(size - 6, 0)), "image/gif"
    return rng.randbytes(size), "font/woff2" if kind == "font" else "image/jpeg"


def _site_flows(rng: random.Random) -> list[tuple[float, object]]:  # type: ignore[type-arg]
    """(share, flow) for the 99%: pages, scripts, images, fonts, APIs, other vendors' hits."""
    flows = []
    for share, kind, sizes in MIX:
        for n, kb in enumerate(sizes):
            body, content_type = _body(kind, int(kb * 1024), rng)
            headers = {
                "User-Agent": UA,
                "Accept": "*/*",
                "Accept-Language": "en-US,en;q=0.9",
                "Referer": f"{SITE}/",
                "Cookie": f"session=s{n}; cart=3; _ga=GA1.1.{n}",
            }
            if kind == "beacon":
                request_body = json.dumps(
                    {"v": 2, "tid": "G-XXXX", "en": "page_view", "dl": f"{SITE}/p/{n}"}
                )
                flow = make_flow(
                    "POST",
                    "https://region1.google-analytics.com/g/collect",
                    headers=headers,
                    body=request_body,
                    response_body=body,
                    response_type=content_type,
                )
            else:
                host = (
                    "cdn.example.net" if kind in ("image", "font", "style") else "shop.example.com"
                )
                flow = make_flow(
                    "GET",
                    f"https://{host}/{kind}/{n}",
                    headers=headers,
                    response_body=body,
                    response_type=content_type,
                )
            flows.append((share / len(sizes), flow))
    return flows  # fmt: skip


def _pixel_flows() -> list:  # type: ignore[type-arg]
    """Pixel hits shaped like the real captures, plus the SDK loads."""
    flows = []
    for n, body in enumerate(payloads(48)):
        flows.append(make_flow("POST", "https://analytics.tiktok.com/api/v2/pixel",
                               headers={"Content-Type": "text/plain;charset=UTF-8",
                                        "User-Agent": UA, "Referer": f"{SITE}/"},
                               body=body, client_ip="192.0.2.44",
                               timestamp=1_767_258_000.0 + n))  # fmt: skip
    return flows


def _records(flows: list) -> list[bytes]:  # type: ignore[type-arg]
    from mitmproxy.io import tnetstring

    return [tnetstring.dumps(flow.get_state()) for flow in flows]


def _patched(record: bytes, old_id: str) -> bytes:
    """The record with a new flow id of the same length (the framing stays valid)."""
    return record.replace(old_id.encode(), str(uuid.uuid4()).encode(), 1)


def flow_records(size: int, pixel_share: float, seed: int = 1) -> Iterator[bytes]:
    """Serialised flows adding up to about `size` bytes, `pixel_share` of them pixel hits."""
    rng = random.Random(seed)
    weighted, pixel_flows = _site_flows(rng), _pixel_flows()
    weights = [share for share, _flow in weighted]
    site_flows = [flow for _share, flow in weighted]
    site = list(zip(_records(site_flows), [f.id for f in site_flows], strict=True))
    pixel = list(zip(_records(pixel_flows), [f.id for f in pixel_flows], strict=True))
    written = 0
    count = 0
    while written < size:
        if rng.random() < pixel_share:
            record, flow_id = pixel[count % len(pixel)]
        else:
            record, flow_id = rng.choices(site, weights)[0]
        data = _patched(record, flow_id)
        written += len(data)
        count += 1
        yield data


def write_flow_file(path: Path, size: int, pixel_share: float) -> int:
    """Write a flow file of about `size` bytes; return the number of flows."""
    count = 0
    with path.open("wb") as out:
        for record in flow_records(size, pixel_share):
            out.write(record)
            count += 1
    return count


def write_har(path: Path, size: int, pixel_share: float, seed: int = 1) -> int:
    """Write a HAR of about `size` bytes, entries as DevTools exports them; return the count."""
    rng = random.Random(seed)
    weighted = _site_flows(rng)
    weights = [share for share, _flow in weighted]
    site = [json.dumps(e) for e in har_document([f for _s, f in weighted])["log"]["entries"]]
    pixel = [json.dumps(e) for e in har_document(_pixel_flows())["log"]["entries"]]
    head = {"version": "1.2", "creator": {"name": "bench", "version": "1"}, "pages": []}
    written = 0
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('{"log": ' + json.dumps(head)[:-1] + ', "entries": [\n')
        while written < size:
            if rng.random() < pixel_share:
                entry = pixel[count % len(pixel)]
            else:
                entry = rng.choices(site, weights)[0]
            out.write((",\n" if count else "") + entry)
            written += len(entry) + 2
            count += 1
        out.write("\n]}}\n")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["flow", "har"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--mb", type=float, default=100)
    parser.add_argument("--pixel", type=float, default=0.01, help="share of pixel flows")
    args = parser.parse_args()
    size = int(args.mb * 1024 * 1024)
    write = write_flow_file if args.kind == "flow" else write_har
    count = write(args.path, size, args.pixel)
    print(f"{args.path}: {count} flows, {args.path.stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
