"""Read captures (mitmproxy flow files, HAR exports, request lists) as streams of requests.

This is the only module besides the proxy addon that touches mitmproxy. Readers are generators:
a multi-gigabyte capture is never held as a list of flows. A corrupt or truncated file stops
that file with a clear error on its `SourceStats`, after every request read before the damage
has been yielded, and the other files are still read.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlencode

from pixelhelper.capture import CapturedRequest

CAPTURE_SUFFIXES = (".flow", ".flows", ".mitm", ".har", ".json")


@dataclass
class SourceStats:
    """What reading one capture file produced. Serialised as-is into the JSON `sources` list."""

    path: str
    flows: int = 0
    pixel_requests: int = 0
    errors: list[str] = field(default_factory=list)


def expand_paths(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str | None]]:
    """Yield (file, error) pairs: directories are walked for capture files, in name order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CAPTURE_SUFFIXES
            )
            if not found:
                yield path, "directory holds no capture files (.flow, .mitm, .har, .json)"
            for child in found:
                yield child, None
        elif path.is_file():
            yield path, None
        else:
            yield path, "no such file or directory"


def read_requests(path: Path, stats: SourceStats) -> Iterator[CapturedRequest]:
    """Yield every HTTP request in a capture file; record problems on `stats`, never raise."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        stats.errors.append(f"cannot open: {exc.strerror or exc}")
        return
    with handle:
        head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
        handle.seek(0)
        if not head:
            stats.errors.append("file is empty")
            return
        if head.startswith(b"{"):
            yield from _read_json_capture(handle, str(path), stats)
        else:
            yield from _read_flow_file(handle, str(path), stats)


# --------------------------------------------------------------------------- mitmproxy flows


def _read_flow_file(handle: BinaryIO, source: str, stats: SourceStats) -> Iterator[CapturedRequest]:
    from mitmproxy import exceptions, http
    from mitmproxy.io import FlowReader

    reader = FlowReader(handle)
    try:
        for index, flow in enumerate(reader.stream()):
            stats.flows += 1
            if isinstance(flow, http.HTTPFlow):
                yield request_from_flow(flow, source, index)
    except exceptions.FlowReadException as exc:
        where = f"after {stats.flows} flows" if stats.flows else "at the start"
        stats.errors.append(f"corrupt or truncated flow file ({where}): {exc}")
    except Exception as exc:  # a damaged record can fail deep inside tnetstring/serialisation
        where = f"after {stats.flows} flows" if stats.flows else "at the start"
        stats.errors.append(f"unreadable flow file ({where}): {type(exc).__name__}: {exc}")


def request_from_flow(flow: Any, source: str, index: int) -> CapturedRequest:
    """Convert a mitmproxy HTTPFlow into the core's plain-value request."""
    request = flow.request
    headers = tuple(
        (k.decode("utf-8", "replace"), v.decode("utf-8", "replace"))
        for k, v in request.headers.fields
    )
    peer = getattr(flow.client_conn, "peername", None)
    client_ip = peer[0] if peer and peer[0] else None
    return CapturedRequest(
        method=request.method,
        url=request.pretty_url,
        headers=headers,
        body=request.raw_content or b"",
        client_ip=client_ip,
        timestamp=request.timestamp_start,
        source=source,
        flow=index,
    )


# --------------------------------------------------------------------------- HAR and request lists


def _read_json_capture(
    handle: BinaryIO, source: str, stats: SourceStats
) -> Iterator[CapturedRequest]:
    raw = handle.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        stats.errors.append("not valid UTF-8; HAR files must be UTF-8 JSON")
        return
    for index, entry in enumerate(_iter_entries(text, stats)):
        stats.flows += 1
        try:
            yield _request_from_entry(entry, source, index)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            stats.errors.append(f"entry {index}: malformed request ({type(exc).__name__}: {exc})")


def _iter_entries(text: str, stats: SourceStats) -> Iterator[Any]:
    """Yield HAR entries (or request-list items) one by one, surviving truncation.

    A whole-document parse loses everything when an export is cut short; scanning the entries
    array object by object keeps every entry before the cut.
    """
    try:
        document = json.loads(text)
    except ValueError as exc:
        yield from _salvage_entries(text, stats, exc)
        return
    if not isinstance(document, dict):
        stats.errors.append("JSON capture is not an object (expected a HAR log)")
        return
    log = document.get("log")
    if isinstance(log, dict):
        entries = log.get("entries")
        if not isinstance(entries, list):
            stats.errors.append("HAR has no log.entries list")
            return
        yield from entries
    elif isinstance(document.get("requests"), list):
        yield from document["requests"]
    else:
        stats.errors.append("JSON file is neither a HAR log nor a request list")


def _salvage_entries(text: str, stats: SourceStats, error: ValueError) -> Iterator[Any]:
    decoder = json.JSONDecoder()
    start = -1
    for key in ('"entries"', '"requests"'):
        at = text.find(key)
        if at >= 0:
            start = text.find("[", at)
            break
    count = 0
    if start >= 0:
        pos = start + 1
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text) or text[pos] == "]":
                break
            try:
                entry, pos = decoder.raw_decode(text, pos)
            except ValueError:
                break
            count += 1
            yield entry
    stats.errors.append(f"truncated or invalid JSON ({error}); {count} complete entries recovered")


def _header_pairs(items: Any) -> tuple[tuple[str, str], ...]:
    pairs = []
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and "name" in item:
                pairs.append((str(item["name"]), str(item.get("value", ""))))
    elif isinstance(items, dict):  # request-list format
        pairs = [(str(k), str(v)) for k, v in items.items()]
    return tuple(pairs)


def _entry_body(request: dict[str, Any]) -> bytes:
    post = request.get("postData")
    if isinstance(post, dict):
        text = post.get("text")
        if isinstance(text, str):
            if post.get("encoding") == "base64":
                return base64.b64decode(text)
            return text.encode("utf-8", "surrogatepass")
        params = post.get("params")
        if isinstance(params, list):
            return urlencode(
                [(p.get("name", ""), p.get("value", "")) for p in params if isinstance(p, dict)]
            ).encode()
    body = request.get("body")  # request-list format
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    return b""


def _entry_time(entry: dict[str, Any]) -> float | None:
    started = entry.get("startedDateTime")
    if not isinstance(started, str):
        return None
    try:
        return datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _request_from_entry(entry: Any, source: str, index: int) -> CapturedRequest:
    if not isinstance(entry, dict):
        raise TypeError("entry is not an object")
    request = entry.get("request", entry)
    if not isinstance(request, dict):
        raise TypeError("request is not an object")
    return CapturedRequest(
        method=str(request["method"]).upper(),
        url=str(request["url"]),
        headers=_header_pairs(request.get("headers")),
        body=_entry_body(request),
        client_ip=None,  # HAR does not record the browser's address
        timestamp=_entry_time(entry),
        source=source,
        flow=index,
    )
