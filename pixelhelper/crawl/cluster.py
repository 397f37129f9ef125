"""The Dask client of a crawl or a parallel audit: an embedded `LocalCluster` by default, or an
existing cluster by its scheduler's address.

Local workers are processes with one thread each (a browser per worker at a time); the
cluster lives only as long as the command. A remote cluster's workers need pixelhelper and
Chromium installed (`dask worker tcp://host:8786 --nthreads 1`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from pixelhelper.errors import PixelHelperError

CONNECT_TIMEOUT = "8s"  # a scheduler answers in milliseconds; refused connections are retried


@contextlib.contextmanager
def open_client(
    workers: int | None = None, scheduler: str | None = None, say: Any = None
) -> Iterator[Any]:
    """A connected `distributed.Client`; `say(text)` reports the cluster in use."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - a dependency
        raise PixelHelperError("the crawl engine needs Dask: pip install 'distributed'") from exc
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise PixelHelperError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}"
            ) from None
        try:
            if say:
                say(
                    f"using the Dask cluster at {scheduler} "
                    f"({len(client.scheduler_info().get('workers', {}))} worker(s))"
                )
            yield client
        finally:
            client.close()
        return
    count = workers or os.cpu_count() or 1
    dashboard = ":0" if _has_bokeh() else None
    cluster = LocalCluster(
        n_workers=count,
        threads_per_worker=1,
        processes=True,
        dashboard_address=dashboard,
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    try:
        if say:
            link = cluster.dashboard_link if dashboard else "none (pip install bokeh for one)"
            say(f"local Dask cluster: {count} worker(s); dashboard: {link}")
        yield client
    finally:
        client.close()
        cluster.close()


def _has_bokeh() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None
