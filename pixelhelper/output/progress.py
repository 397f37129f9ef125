"""A progress bar on stderr for audits that take more than a second.

Only on a terminal: CI logs and pipes get nothing, and stdout (the report) never sees it. The
bar appears after a second, so quick audits print nothing extra, and it is transient: it is
gone when the report is printed. It reads the audit's `Meter` from rich's refresh thread;
the audit itself never waits for it.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pixelhelper.sources import Meter

DELAY = 1.0  # seconds before the bar appears


def wanted() -> bool:
    """A progress bar helps only a person watching a terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def audit_progress(meter: Meter, enabled: bool | None = None) -> Iterator[None]:
    """Show the audit's progress on stderr while the block runs (if `enabled`, by default on
    a terminal): bytes read of the total, flows, pixel events and throughput."""
    if not (wanted() if enabled is None else enabled):
        yield
        return
    bar = _Bar(meter)
    timer = threading.Timer(DELAY, bar.start)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        bar.stop()


class _Bar:
    """rich's Progress, kept in step with the meter at every refresh."""

    def __init__(self, meter: Meter, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._meter = meter
        self._lock = threading.Lock()
        self._stopped = False
        self._task: Any = None  # rich draws once while Progress is built: nothing to sync yet
        bar = self

        class Synced(Progress):
            def get_renderables(self) -> Iterator[Any]:
                bar.sync()
                yield from super().get_renderables()

        self._progress = Synced(
            TextColumn("auditing"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[flows]:,} flows  {task.fields[events]:,} pixel events"),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("audit", total=meter.total or None, flows=0,
                                             events=0)  # fmt: skip

    def sync(self) -> None:
        if self._task is None:
            return
        meter = self._meter
        self._progress.update(self._task, completed=meter.bytes_read, flows=meter.flows_read,
                              events=meter.events)  # fmt: skip

    def start(self) -> None:
        with self._lock:
            if not self._stopped:
                self._progress.start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._progress.stop()
