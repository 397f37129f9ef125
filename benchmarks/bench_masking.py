"""Inspection and masking stay linear in the number of flagged values.

    python benchmarks/bench_masking.py [--sizes 20000,40000,80000,200000]

One pixel body holds N emails (as one string, and as a list of strings); the audit decodes,
inspects and builds the masked JSON report. Printed per N: seconds, microseconds per email,
and the ratio to the same run's baseline, `json.loads` + `json.dumps` of that body, which is
linear by construction. Flat microseconds per email (and a flat ratio) mean linear work; the
pre-#8 masker took 8 / 39 / 101 s for 20k / 40k / 80k emails and did not finish 200k.
"""

from __future__ import annotations

import argparse
import json
import time

from pixelhelper.audit import audit_requests
from pixelhelper.capture import CapturedRequest
from pixelhelper.output import Format
from pixelhelper.report import build_report

URL = "https://analytics.tiktok.com/api/v2/pixel"


def body(n: int, shape: str) -> bytes:
    emails = [f"user{i}@example{i % 97}.com" for i in range(n)]
    note: object = " ".join(emails) if shape == "string" else emails
    return json.dumps(
        {
            "event": "Lead",
            "context": {
                "pixel": {"code": "CQ8PJ3RC77U4LT2MKR2G"},
                "page": {"url": "https://shop.example.com/"},
            },
            "properties": {"note": note},
        }  # fmt: skip
    ).encode()


def run(raw: bytes) -> tuple[float, float]:
    start = time.perf_counter()
    json.dumps(json.loads(raw))
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    result = audit_requests([CapturedRequest("POST", URL, (), raw)])
    text = Format.JSON.renderer()(build_report(result), False)
    elapsed = time.perf_counter() - start
    assert "user7@example7.com" not in text
    return elapsed, baseline


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20000,40000,80000,200000")
    args = parser.parse_args()
    print(
        f"{'shape':8} {'emails':>8} {'body MB':>8} {'seconds':>8} {'us/email':>9} {'x baseline':>11}"
    )
    for shape in ("string", "list"):
        for n in (int(s) for s in args.sizes.split(",")):
            raw = body(n, shape)
            elapsed, baseline = run(raw)
            print(f"{shape:8} {n:8d} {len(raw) / 1e6:8.1f} {elapsed:8.2f} "
                  f"{elapsed / n * 1e6:9.1f} {elapsed / baseline:11.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
