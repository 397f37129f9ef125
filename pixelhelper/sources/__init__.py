"""Sources: read captures (mitmproxy flow files, HAR exports, request lists) as request streams.

This package and `live` are the only ones that touch mitmproxy, and only when a flow file is
actually read. Readers are generators: a multi-gigabyte capture is never held as a list of
flows. A corrupt or truncated file stops that file with a clear error on its `SourceStats`,
after every request read before the damage has been yielded, and the other files are still
read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pixelhelper.sources.fastflow import read_flow_file_fast
from pixelhelper.sources.flows import read_flow_file, request_from_flow
from pixelhelper.sources.har import read_json_capture
from pixelhelper.sources.sniff import sniff
from pixelhelper.sources.stats import Meter, SourceStats

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest

__all__ = ["Meter", "SourceStats", "expand_paths", "read_requests", "request_from_flow"]

CAPTURE_SUFFIXES = (".flow", ".flows", ".mitm", ".har", ".json")


SIDE_FILES = (".consent.json", ".journey.json")
"""Files a scan keeps beside its capture (read with it, never as a capture of their own)."""


def expand_paths(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str | None]]:
    """Yield (file, error) pairs: directories are walked for capture files, in name order."""
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                found = sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in CAPTURE_SUFFIXES
                    and not p.name.lower().endswith(SIDE_FILES)
                )
                if not found:
                    yield path, "directory holds no capture files (.flow, .mitm, .har, .json)"
                for child in found:
                    yield child, None
            elif path.is_file():
                yield path, None
            elif path.exists():
                yield path, "not a regular file"
            else:
                yield path, "no such file or directory"
        except OSError as exc:
            yield path, f"cannot read: {exc.strerror or exc}"


def read_requests(
    path: Path, stats: SourceStats, *, fast: bool = True, meter: Meter | None = None
) -> Iterator[CapturedRequest]:
    """Yield the HTTP requests of a capture file; record problems on `stats`, never raise.

    With `fast` (the default) only requests that can be TikTok traffic are yielded, which is
    all the audit looks at; `fast=False` reads every flow with mitmproxy's own reader, the
    reference the fast path is tested against. `meter.position` follows the bytes read.
    """
    meter = meter if meter is not None else Meter()
    try:
        handle = path.open("rb")
    except OSError as exc:
        stats.errors.append(f"cannot open: {exc.strerror or exc}")
        return
    with handle:
        try:
            sniffed = sniff(handle)
        except OSError as exc:
            stats.errors.append(f"cannot read: {exc.strerror or exc}")
            return
        if sniffed.kind == "empty":
            stats.errors.append("file is empty")
        elif sniffed.kind == "json":
            yield from read_json_capture(handle, str(path), stats, sniffed, meter)
        elif sniffed.kind == "unknown":
            stats.errors.append(
                "not a capture: expected a mitmproxy flow file, a HAR or a JSON request list"
            )
        elif fast:
            yield from read_flow_file_fast(handle, str(path), stats, meter)
        else:
            yield from read_flow_file(handle, str(path), stats, meter)
