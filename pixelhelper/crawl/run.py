"""Drive a crawl: submit one task per pending site, record each row as it finishes.

Futures are submitted with `pure=False` (every visit is new) and `retries=1` (a task whose
worker died runs once more elsewhere). A future that still fails (the worker died again, or
the cluster gave up on it) becomes the site's error row: every site gets exactly one row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pixelhelper.crawl.sites import shown_site, site_id
from pixelhelper.crawl.store import Results
from pixelhelper.crawl.task import ROW_KEYS, crawl_site
from pixelhelper.files import write_bytes, write_text

OnRow = Callable[[dict[str, Any], int, int], None]


def error_row(site: str, error: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ROW_KEYS)
    row.update(
        site=shown_site(site),
        status="error",
        error=error[:500],
        pages=0,
        pixels=[],
        vendors={},
        events=0,
        categories={},
        rules={},
        leaks={},
        duration_s=0.0,
        worker=None,
    )
    return row


def crawl(
    client: Any,
    sites: list[str],
    out: Path,
    job: dict[str, Any],
    *,
    retry_errors: bool = False,
    on_row: OnRow | None = None,
) -> Results:
    """Crawl the pending sites on `client`; `on_row(row, done, total)` follows the progress."""
    from distributed import as_completed

    results = Results(out)
    todo = results.pending(sites, retry_errors)
    futures = {}
    for site in todo:
        key = f"crawl-{site_id(site)}-{uuid.uuid4().hex[:8]}"
        future = client.submit(crawl_site, {**job, "site": site}, pure=False, retries=1, key=key)
        futures[future] = site
    for done, future in enumerate(as_completed(list(futures)), 1):
        site = futures.pop(future)
        try:
            outcome = future.result()
            row = store_files(out, outcome)
        except Exception as exc:  # noqa: BLE001  (a lost worker, twice: the site's row says so)
            row = error_row(site, f"worker lost: {type(exc).__name__}: {exc}")
        results.add(row)
        if on_row is not None:
            on_row(row, done, len(todo))
    return results


def store_files(out: Path, outcome: dict[str, Any]) -> dict[str, Any]:
    """Write the site's capture and report into the crawl directory; return its row."""
    row: dict[str, Any] = outcome["row"]
    if outcome.get("capture") is not None and row.get("capture"):
        path = out / row["capture"]
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, outcome["capture"], private=True)  # raw traffic: 0600
        if outcome.get("consent_log"):  # the modes, beside the capture (`consent.timeline`)
            write_text(str(path) + ".consent.json", outcome["consent_log"])
        if outcome.get("journey_log"):  # and the journey (`journey.log`)
            write_text(str(path) + ".journey.json", outcome["journey_log"])
    if outcome.get("report") is not None and row.get("report"):
        path = out / row["report"]
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, outcome["report"])
    return row
