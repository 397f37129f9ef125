"""Throughput of the full sensitive-data detector set on typical pixel payloads.

    python benchmarks/bench_detectors.py [--events 5000] [--repeat 3]

Prints events per second for the detectors (walker, email, phone, card, national id, names,
dates, addresses, coordinates, IPs, health lexicon, known-identity hashes) and, as the baseline
measured in the same run on the same bodies, a plain `json.loads` pass. Target (issue #3):
>= 5,000 events/s on one core. Payloads are 1-5 KB, shaped like the real captures. Then the
precision and recall per category on the labelled corpora of tests/corpus/.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pixelhelper.capture import CapturedRequest
from pixelhelper.decode import decode
from pixelhelper.inspect import clear_caches
from pixelhelper.inspect.identities import KnownIdentities
from pixelhelper.inspect.sensitive import SensitiveDataDetector

RNG = random.Random(7)
CODE = "CQ8PJ3RC77U4LT2MKR2G"
UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"


def _context(page: str) -> dict[str, object]:
    ms = RNG.randrange(1_700_000_000_000, 1_790_000_000_000)
    return {
        "ad": {"sdk_env": "external", "jsb_status": 2},
        "device": {"platform": "ios"},
        "user": {"anonymous_id": f"01JSYFW7C6WZRVGAXD5AC7B{RNG.randrange(100, 999)}_.tt.1"},
        "pixel": {"code": CODE, "runtime": "1"},
        "page": {"url": page, "referrer": "https://shop.example.com/", "load_progress": "1"},
        "library": {"name": "pixel.js", "version": "2.2.0"},
        "session_id": f"99d654f6-2444-11f0-9ac2-08c0ebb54578::upbEgZcK0zznfn2qbPH1-{CODE}",
        "pageview_id": f"pageId-{ms}-{RNG.randrange(10**12, 10**13)}-{CODE}",
        "variation_id": "test_2_single_track",
        "csid": f"{ms}::iAITa2viUJhdB6w4WZS9",
        "userAgent": UA,
    }


def _labels() -> dict[str, object]:
    names = ("raw_email", "raw_auto_email", "raw_phone", "raw_auto_phone", "hashed_email")
    return {k: {"label": "missing"} for k in names}


def payloads(count: int, hits_per_page: int = 4) -> list[bytes]:
    """A mix like a real session: page views, product events with contents, /act metadata.

    Consecutive groups of `hits_per_page` hits come from one page (as in the real captures:
    Pageview, Metadata and events share the page URL); 1 makes every page URL unique.
    """
    bodies = []
    page = ""
    for i in range(count):
        ms = RNG.randrange(1_700_000_000_000, 1_790_000_000_000)
        if i % hits_per_page == 0:
            page = f"https://shop.example.com/products/item-{RNG.randrange(1000)}?variant={i}"
        base = {
            "event_id": f"evt-{i}",
            "message_id": f"messageId-{ms}-{RNG.randrange(10**12, 10**13)}-{CODE}",
            "is_onsite": False,
            "timestamp": "2026-01-01T09:00:00.000Z",
            "context": _context(page),
            "_inspection": {"vids": ""},
            "signal_diagnostic_labels": _labels(),
        }
        kind = i % 4
        if kind == 0:
            body = {"event": "Pageview", **base, "properties": {}}
        elif kind in (1, 2):
            contents = [
                {"content_id": f"SKU-{RNG.randrange(10**5)}", "content_name": f"Product {j} cotton",
                 "content_category": "Apparel", "price": RNG.randrange(100, 99999) / 100,
                 "quantity": 1, "brand": "Example"}
                for j in range(RNG.randrange(1, 6))
            ]  # fmt: skip
            body = {"event": "AddToCart", **base, "properties": {
                "contents": contents, "content_type": "product", "currency": "USD",
                "value": sum(c["price"] for c in contents), "description": "Summer collection"}}  # type: ignore[misc]  # fmt: skip
        else:
            og = {"og:title": "Item", "og:description": "A nice product " * 20,
                  "og:url": page, "og:site_name": "Example Shop"}  # fmt: skip
            ld = [{"@context": "https://schema.org", "@type": "Product", "name": "Item",
                   "description": "Soft cotton shirt " * 30, "offers": {"price": "19.99"}}]  # fmt: skip
            body = {**base, "properties": {}, "action": "Metadata", "auto_collected_properties": {
                "page_trigger": "PageView", "content_data": {
                    "open_graph": json.dumps(og), "microdata": "[]", "json_ld": json.dumps(ld),
                    "meta": json.dumps({"title": "Item | Example Shop"})}}}  # fmt: skip
        bodies.append(json.dumps(body).encode())
    return bodies


def _best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(
    bodies: list[bytes], identities: KnownIdentities, repeat: int
) -> tuple[float, float, float]:
    """Seconds for (json.loads, detectors on decoded events, decode + detectors), best of repeat."""
    url = "https://analytics.tiktok.com/api/v2/pixel"
    events = [e for b in bodies for e in decode(CapturedRequest("POST", url, (), b))]

    def fresh() -> SensitiveDataDetector:
        # A new detector per pass and cold module caches: each pass starts like a new audit.
        clear_caches()
        return SensitiveDataDetector(region="US", identities=identities)

    def detect_pass() -> None:
        detector = fresh()
        for i, event in enumerate(events):
            detector.findings(i, event)

    def full_pass() -> None:
        detector = fresh()
        for body in bodies:
            for event in decode(CapturedRequest("POST", url, (), body)):
                detector.findings(0, event)

    fresh().findings(0, events[0])  # load the lexicon and tldextract's snapshot once
    baseline = _best(lambda: [json.loads(b) for b in bodies], repeat)
    return baseline, _best(detect_pass, repeat), _best(full_pass, repeat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ids = Path(tmp) / "ids.txt"
        ids.write_text("jane.doe@example.com\n+1 415 555 0132\n")
        identities = KnownIdentities.from_file(ids)
    n = args.events
    for label, per_page in (("session (4 hits per page)", 4), ("every page URL unique", 1)):
        bodies = payloads(n, per_page)
        sizes = [len(b) for b in bodies]
        baseline, detect, full = measure(bodies, identities, args.repeat)
        print(f"{label}: {n} events, body size median {statistics.median(sizes) / 1024:.1f} KB "
              f"(min {min(sizes) / 1024:.1f}, max {max(sizes) / 1024:.1f})")  # fmt: skip
        print(f"  baseline json.loads:        {n / baseline:10.0f} events/s")
        print(f"  detectors (decoded events): {n / detect:10.0f} events/s   "
              f"ratio to baseline {baseline / detect:.3f}")  # fmt: skip
        print(f"  decode + detectors:         {n / full:10.0f} events/s   "
              f"ratio to baseline {baseline / full:.3f}")  # fmt: skip
        verdict = "met" if n / detect >= 5000 else "NOT met"
        print(f"  target 5000 events/s per core: {verdict}")
    print_quality()


def print_quality() -> None:
    """Precision and recall per category on the labelled corpora in tests/corpus/."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from corpus.scoring import TEXT_PLACES, field_cases, score, table, text_cases

    print("precision / recall, payload-field corpus (tests/corpus/sensitive_fields.jsonl):")
    table(score(field_cases())[0])
    for place in TEXT_PLACES:
        print(f"precision / recall, free-text corpus at {place}:")
        table(score(text_cases(place), {"phone", "card_number", "date_of_birth", "health"})[0])


if __name__ == "__main__":
    main()
