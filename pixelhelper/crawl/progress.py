"""Crawl progress: a rich bar on a terminal (sites done of total, pixels found, errors,
rate), one plain line per finished site otherwise. Both on stderr: stdout is the summary."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from pixelhelper.output.progress import wanted


@contextlib.contextmanager
def crawl_progress(
    total: int, say: Callable[[str], None]
) -> Iterator[Callable[[dict[str, Any], int, int], None]]:
    counts = {"pixels": 0, "errors": 0}
    started = time.monotonic()
    if not wanted():

        def line(row: dict[str, Any], done: int, todo: int) -> None:
            state = row["status"] if row["status"] == "ok" else f"error: {row.get('error')}"
            say(
                f"crawl [{done}/{todo}] {row['site']}: {state}; {len(row.get('pixels') or [])} "
                f"pixel(s), {row.get('events', 0)} event(s)"
            )

        yield line
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("crawling"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(
            "{task.fields[pixels]} with a pixel  {task.fields[errors]} errors"
            "  {task.fields[rate]} sites/min"
        ),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = progress.add_task("crawl", total=None, pixels=0, errors=0, rate="-")

    def bar(row: dict[str, Any], done: int, todo: int) -> None:
        counts["pixels"] += bool(row.get("pixels"))
        counts["errors"] += row["status"] != "ok"
        minutes = max(time.monotonic() - started, 1e-6) / 60
        progress.update(
            task,
            total=todo,
            completed=done,
            pixels=counts["pixels"],
            errors=counts["errors"],
            rate=f"{done / minutes:.1f}",
        )

    with progress:
        yield bar
    print(f"pixelhelper: crawl: {total} site(s) requested", file=sys.stderr)
