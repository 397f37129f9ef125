"""Read HAR exports and `{"requests": [...]}` request lists, one entry at a time.

Whole-document parsing costs about three times the file in memory (a 1.3 GB HAR: 4 GiB), so
entries are streamed with ijson's C parser and only TikTok's are turned into requests; every
entry is still counted. ijson cannot do everything the old whole-document parse did: it
refuses stray non-UTF-8 bytes, numbers beyond a double, and the text encodings other than
UTF-8, and its memory grows with the square of the nesting depth, which a crafted file can
push into gigabytes. So it runs under a memory budget, and on any of these the file is read
again by `JsonText` (bounded, tolerant, slower), skipping the entries already yielded. That
reader also reports damage: every complete entry before a cut is kept, then the file's error.
"""

from __future__ import annotations

import base64
import binascii
import os
import resource
from collections.abc import Generator, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import urlencode

from pixelhelper.capture import CapturedRequest
from pixelhelper.recognise import HOST_MARKERS, PAYLOAD_MARKER
from pixelhelper.sources.jsontext import JsonText, Unreadable, WrongShape

if TYPE_CHECKING:
    from pixelhelper.sources.sniff import Sniffed
    from pixelhelper.sources.stats import Meter, SourceStats

_PIECE = 65536  # bytes handed to ijson per read, at most
_MAX_OPENS = 2048  # brackets per piece: how much deeper one read can take the parser
_NOT_OPENS = bytes(b for b in range(256) if b not in b"[{")
_BUDGET_KIB = 64 * 1024  # peak-memory growth allowed while parsing one entry


def _open_statm() -> int | None:
    try:
        return os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:
        return None


_STATM = _open_statm()
_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


def _rss_kib() -> int:
    """The resident memory now, in KiB. Not `ru_maxrss`: on Linux that high-water mark is
    inherited across fork and exec, so a child of a large process (a CI runner, a test
    suite) would see no growth at all until it outgrew its parent."""
    if _STATM is not None:
        try:
            return int(os.pread(_STATM, 128, 0).split()[1]) * _PAGE_KIB
        except (OSError, ValueError, IndexError):
            pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


class _OverBudget(Exception):
    """The streaming parser's memory grew past the budget within one entry."""


class _Guarded:
    """The file as ijson reads it, in pieces small enough that the parser's memory can be
    checked between them (its prefix stack is quadratic in the nesting depth)."""

    def __init__(self, handle: BinaryIO, meter: Meter) -> None:
        self._handle = handle
        self._meter = meter
        self._pending = b""
        self.mark()

    def mark(self) -> None:
        """An entry is complete: measure the next one's growth from its first read."""
        self._base: int | None = None

    def read(self, size: int) -> bytes:
        if size <= 0:
            return b""  # ijson probes the stream's type with read(0)
        rss = _rss_kib()
        if self._base is None:
            self._base = rss
        elif rss - self._base > _BUDGET_KIB:
            raise _OverBudget
        if not self._pending:
            self._pending = self._handle.read(_PIECE)
            self._meter.position = self._handle.tell()
        piece = self._pending
        while len(piece) > 1 and len(piece.translate(None, _NOT_OPENS)) > _MAX_OPENS:
            piece = piece[: len(piece) // 2]
        self._pending = self._pending[len(piece) :]
        return piece


def read_json_capture(
    handle: BinaryIO, source: str, stats: SourceStats, sniffed: Sniffed, meter: Meter
) -> Iterator[CapturedRequest]:
    """Yield the TikTok requests of a HAR file or request list; count every entry; record
    damage on `stats`, never raise."""
    reader = JsonText(handle, sniffed, stats, meter)
    try:
        prefix = reader.locate()
    except WrongShape as exc:
        stats.errors.append(str(exc))
        return
    except Unreadable as exc:
        stats.errors.append(f"truncated or invalid JSON ({exc}); 0 complete entries recovered")
        return
    done = 0
    if sniffed.encoding == "utf-8" and not stats.warnings:
        handle.seek(sniffed.bom)
        done = yield from _stream(handle, prefix, source, stats, meter)
        if done < 0:
            return
        reader = JsonText(handle, sniffed, stats, meter)
        reader.locate()
    try:
        for index, entry in enumerate(reader.entries()):
            if index >= done:
                yield from _emit(entry, source, index, stats)
    except Unreadable as exc:
        stats.errors.append(
            f"truncated or invalid JSON ({exc}); {stats.flows} complete entries recovered"
        )


def _stream(
    handle: BinaryIO, prefix: str, source: str, stats: SourceStats, meter: Meter
) -> Generator[CapturedRequest, None, int]:
    """The fast path; returns -1 when the whole file was read, else how many entries were
    yielded before ijson gave up (the slow reader goes on from there)."""
    import ijson

    guarded = _Guarded(handle, meter)
    items = ijson.items(guarded, prefix, use_float=True)
    index = 0
    while True:
        try:
            entry = next(items)
        except StopIteration:
            return -1
        except Exception:  # invalid bytes, huge numbers, damage, over budget: read it slowly
            return index
        guarded.mark()
        yield from _emit(entry, source, index, stats)
        index += 1


def _emit(entry: Any, source: str, index: int, stats: SourceStats) -> Iterator[CapturedRequest]:
    """Count the entry; yield it as a request if it can be TikTok traffic."""
    stats.flows += 1
    try:
        request = _request_of(entry)
        url, _method = request["url"], request["method"]
        if isinstance(url, str) and (
            any(marker in url.lower() for marker in _TEXT_MARKERS)
            or _PAYLOAD_TEXT in url
            or _carries_payload(request)
        ):
            yield _request_from_entry(entry, request, source, index)
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
        stats.errors.append(f"entry {index}: malformed request ({type(exc).__name__})")


_TEXT_MARKERS = tuple(marker.decode() for marker in HOST_MARKERS)
_PAYLOAD_TEXT = PAYLOAD_MARKER.decode()


def _carries_payload(request: dict[str, Any]) -> bool:
    """A POST whose body may be a pixel payload sent through another host (`firstparty`)."""
    post = request.get("postData")
    text = post.get("text") if isinstance(post, dict) else request.get("body")
    return isinstance(text, str) and _PAYLOAD_TEXT in text


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


def _request_of(entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise TypeError("entry is not an object")
    request = entry.get("request", entry)
    if not isinstance(request, dict):
        raise TypeError("request is not an object")
    return request


def _request_from_entry(
    entry: dict[str, Any], request: dict[str, Any], source: str, index: int
) -> CapturedRequest:
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
