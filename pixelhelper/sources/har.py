"""Read HAR exports and `{"requests": [...]}` request lists.

Truncation is survived: a whole-document parse loses everything when an export is cut short,
so on a parse error the entries array is scanned object by object and every complete entry
before the cut is kept. Text in UTF-16/32 or with stray non-UTF-8 bytes is decoded (the latter
with replacement characters and a warning) rather than refused.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO
from urllib.parse import urlencode

from pixelhelper.capture import CapturedRequest
from pixelhelper.sources.sniff import Sniffed
from pixelhelper.sources.stats import SourceStats


def _decode_text(raw: bytes, sniffed: Sniffed, stats: SourceStats) -> str:
    data = raw[sniffed.bom :]
    try:
        return data.decode(sniffed.encoding)
    except UnicodeDecodeError as exc:
        stats.warnings.append(
            f"not valid {sniffed.encoding.upper()} (first bad byte at offset "
            f"{exc.start + sniffed.bom}); undecodable bytes were replaced"
        )
        return data.decode(sniffed.encoding, errors="replace")


def read_json_capture(
    handle: BinaryIO, source: str, stats: SourceStats, sniffed: Sniffed
) -> Iterator[CapturedRequest]:
    """Yield the requests of a HAR file or request list; record damage on `stats`."""
    text = _decode_text(handle.read(), sniffed, stats)
    for index, entry in enumerate(_iter_entries(text, stats)):
        stats.flows += 1
        try:
            yield _request_from_entry(entry, source, index)
        except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
            stats.errors.append(f"entry {index}: malformed request ({type(exc).__name__})")


def _iter_entries(text: str, stats: SourceStats) -> Iterator[Any]:
    """Yield HAR entries (or request-list items) one by one, surviving truncation.

    A whole-document parse loses everything when an export is cut short; scanning the entries
    array object by object keeps every entry before the cut.
    """
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        yield from _salvage_entries(text, stats, exc)
        return
    if isinstance(document, list):  # a bare list of entries or requests
        yield from document
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


def _salvage_entries(text: str, stats: SourceStats, error: Exception) -> Iterator[Any]:
    decoder = json.JSONDecoder()
    start = -1
    for key in ('"entries"', '"requests"'):
        at = text.find(key)
        if at >= 0:
            start = text.find("[", at)
            break
    else:
        if text.lstrip()[:1] == "[":  # a bare list cut short
            start = text.index("[")
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
            except (ValueError, RecursionError):
                break
            count += 1
            yield entry
    reason = str(error)[:120] if isinstance(error, ValueError) else "nested too deeply"
    stats.errors.append(f"truncated or invalid JSON ({reason}); {count} complete entries recovered")


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
