"""Big audits on the crawl engine: `audit DIR --workers N` / `--scheduler ADDRESS`.

Each capture file is read, decoded and inspected in its own task (the expensive, stateless
half of the pipeline: `Audit.prepare`); the client then records every file's events in the
serial order and runs the session checks once, so the merged report is identical to the
serial audit's, event order included.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pixelhelper.audit import AuditResult
    from pixelhelper.inspect import InspectOptions
    from pixelhelper.sources import SourceStats


def prepare_file(path: str, options: InspectOptions | None) -> tuple[SourceStats, list[Any]]:
    """One file's statistics and prepared events (in a worker)."""
    from pixelhelper.audit import Audit
    from pixelhelper.sources import SourceStats, read_requests

    audit = Audit(options)
    stats = SourceStats(path)
    prepared: list[Any] = []
    for request in read_requests(Path(path), stats):
        prepared.extend(audit.prepare(request, stats))
    return stats, prepared


def audit_paths_parallel(
    paths: list[str], options: InspectOptions | None, client: Any
) -> AuditResult:
    """The audit of `paths`, files spread over the cluster, merged in serial order."""
    from pixelhelper.audit import Audit
    from pixelhelper.sources import SourceStats, expand_paths

    files = list(expand_paths(paths))
    futures = {
        str(path): client.submit(prepare_file, str(path), options, pure=False, retries=1)
        for path, error in files
        if error is None
    }
    audit = Audit(options)
    for path, error in files:
        if error is not None:
            stats = SourceStats(str(path))
            stats.errors.append(error)
            audit.result.sources.append(stats)
            continue
        try:
            stats, prepared = futures[str(path)].result()
        except Exception as exc:  # noqa: BLE001  (a worker lost twice: the file's error)
            stats, prepared = SourceStats(str(path)), []
            stats.errors.append(f"the worker auditing it failed: {type(exc).__name__}")
        audit.result.sources.append(stats)
        audit.record(prepared)
    return audit.finish()
