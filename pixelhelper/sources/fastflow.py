"""Read mitmproxy flow files fast: frame every record, build requests only for TikTok's.

A flow file is a sequence of tnetstrings (`<length>:<payload><tag>`), one dict per flow.
Most of a browsing session is not pixel traffic, and mitmproxy's reader spends nearly all its
time building full Flow objects (tnetstring parsing in pure Python, `set_state`, a uuid per
flow) for records that are then thrown away. This reader jumps from each record's length
prefix over its response to its `request` and reads only that, with the record's tail and the
next record's opening, in one `pread` (the bytes of skipped responses are never touched, and
memory stays flat whatever the file's size). It looks for the TikTok host names in the request
alone, case-insensitively (and for a pixel payload's `message_id`, which a first-party proxy
sends on another host): a page's HTML that embeds the pixel snippet is not a candidate.
Candidates, and records laid out otherwise, are mapped a window at a time and walked by their
items' length prefixes. Only candidates are parsed, with mitmproxy's own
tnetstring rules and `Request.pretty_url` rules (`flowstate`), so every pixel request reads
exactly as `FlowReader` would read it (of the client connection only its address is parsed).
Every record is still counted.

Whatever the fast path cannot frame (a damaged length prefix, a record that is not a dict, a
truncated tail), a file or record of another flow-format version, and a file that cannot be
mapped go to mitmproxy's reader from that offset, which reads old versions and reports damage
in its own words: every event before it is kept, and the file gets its error.
"""

from __future__ import annotations

import dataclasses
import mmap
import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from pixelhelper.recognise import RECORD_MARKERS, mentions_record_marker
from pixelhelper.sources import flowstate
from pixelhelper.sources.flows import read_flow_file, request_from_flow

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest
    from pixelhelper.sources.stats import Meter, SourceStats

WINDOW = 64 * 1024 * 1024  # bytes mapped at a time
_HEAD = re.compile(rb"(\d{1,12}):")  # a length prefix, as long as mitmproxy's reader allows
_TAGS = frozenset(b",;#^!~}]")
_STRING_TAGS = frozenset(b",;")
_DICT = ord("}")
# A record's length prefix and, as current mitmproxy versions write a record, its opening
# items `websocket` (empty for HTTP) and `response` up to the response's length prefix:
# framing the record and reaching into it in one match. Other openings leave group 2 empty.
_RECORD = re.compile(rb"(\d{1,12}):(?:9:websocket;0:~8:response;(\d{1,12}):)?")
# The response's tag (a dict, or null) and the `request` item after it, to its length prefix.
_REQUEST = re.compile(rb"[}~]7:request;(\d{1,12}):")


_OPENING = 64  # bytes read at a record's start: its length prefix and `_RECORD`'s opening
_SPAN = 1 << 20  # most bytes read at once; a larger request is searched a piece at a time
_OVERLAP = max(len(marker) for marker in RECORD_MARKERS) - 1  # between the pieces


class _Unframed(Exception):
    """The bytes at this offset are not the framing of a flow record."""


class _Read:
    """The last bytes read from the file (`pread`), for the scan of record after record.

    A window mapped over the file faults in a page at each record it touches and unmaps them
    all again: on a file of small requests between large responses that was most of the scan.
    One exact read per record reaches the same bytes with no page tables at all.
    """

    def __init__(self, fd: int, size: int) -> None:
        self._fd = fd
        self.size = size
        self._data = b""
        self._base = 0

    def cover(self, start: int, end: int) -> tuple[bytes, int]:
        """Bytes holding the file's [start, end) (end clipped to the file), and where `start`
        is in them. Raises `_Unframed` if the file is shorter than it was (being cut)."""
        end = min(end, self.size)
        if start < self._base or end > self._base + len(self._data):
            self._data = os.pread(self._fd, end - start, start)
            self._base = start
            if len(self._data) < end - start:
                raise _Unframed
        return self._data, start - self._base

    def mentions(self, start: int, end: int) -> bool:
        """`mentions_host_marker` over the file's [start, end), a piece at a time."""
        while start < end:
            piece = min(end, start + _SPAN)
            data, at = self.cover(start, piece)
            if mentions_record_marker(data[at : at + piece - start]):
                return True
            start = piece - _OVERLAP if piece < end else piece
        return False

    def records(self, pos: int) -> Iterator[tuple[int, int, bool | None]]:
        """Record after record from file offset `pos`: its tag's offset, the length of its
        length prefix, and whether its request mentions a TikTok host (None: not known
        without walking the record's items, as its opening is not the usual one). Raises
        `_Unframed` at bytes that are not a record's framing.

        The usual record is read in one go: the request after the response, the record's
        tail and the next record's opening. This runs for every record of the file, so it
        is one loop over local names, and the one call on its way is the read.
        """
        fd, size, pread = self._fd, self.size, os.pread
        record_at, request_at = _RECORD.match, _REQUEST.match
        data, base = self._data, self._base
        while pos < size:
            if pos < base or pos + _OPENING > base + len(data):
                data, at = self.cover(pos, pos + _OPENING)
                base = pos - at
            header = record_at(data, pos - base)
            if header is None:
                raise _Unframed
            digits, response = header.group(1, 2)
            head = len(digits) + 1
            tag = pos + head + int(digits)
            if tag >= size:
                raise _Unframed
            found: bool | None = None
            if response is not None:
                response_tag = base + header.end() + int(response)
                ahead = tag + 1 + _OPENING
                if ahead - response_tag > _SPAN:  # a large request: its opening, then pieces
                    ahead = response_tag + _OPENING
                if response_tag < base or ahead > base + len(data):
                    end = ahead if ahead < size else size
                    data, base = pread(fd, end - response_tag, response_tag), response_tag
                    if len(data) < end - response_tag:
                        raise _Unframed  # the file is shorter than it was: being cut
                request = request_at(data, response_tag - base)
                if request is not None:
                    start = base + request.end()
                    request_tag = start + int(request.group(1))
                    if request_tag >= tag:
                        pass
                    elif tag < base + len(data):  # the usual record, read but its response
                        if data[request_tag - base] == _DICT and data[tag - base] == _DICT:
                            found = mentions_record_marker(data[start - base : request_tag - base])
                    else:
                        found = self._in_pieces(start, request_tag, tag)
                        data, base = self._data, self._base
            yield tag, head, found
            pos = tag + 1

    def _in_pieces(self, start: int, request_tag: int, tag: int) -> bool | None:
        """`records`' verdict on a request too large to read at once."""
        found = self.mentions(start, request_tag)
        data, at = self.cover(request_tag, request_tag + 1)
        if data[at] != _DICT:
            return None
        data, at = self.cover(tag, tag + 1 + _OPENING)
        return found if data[at] == _DICT else None


class _Mapped:
    """A read-only window of the file; offsets are the file's."""

    def __init__(self, fd: int, size: int) -> None:
        self._fd = fd
        self.size = size
        self._view: mmap.mmap | None = None
        self._base = 0
        self._end = 0

    def cover(self, start: int, end: int) -> tuple[mmap.mmap, int]:
        """The window holding bytes [start, end), and the file offset it starts at."""
        if self._view is None or start < self._base or end > self._end:
            self.close()
            base = start - start % mmap.ALLOCATIONGRANULARITY
            length = min(max(WINDOW, end - base), self.size - base)
            self._view = mmap.mmap(self._fd, length, access=mmap.ACCESS_READ, offset=base)
            self._base, self._end = base, base + length
        return self._view, self._base

    def close(self) -> None:
        if self._view is not None:
            self._view.close()
            self._view = None


# A key of plain word characters and the next value's length prefix, in one match: the
# usual item. Its declared length must equal what matched, or the item is framed step by step.
_ITEM = re.compile(rb"(\d{1,12}):(\w*)[;,](\d{1,12}):")


def _items(view: mmap.mmap, start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """(key, value's prefix, value's payload, value's tag) offsets of a dict's items, found by
    their length prefixes alone."""
    pos = start
    while pos < end:
        item = _ITEM.match(view, pos, end)
        if item is not None and int(item.group(1)) == len(item.group(2)):
            key, head, payload = item.group(2), item.start(3), item.end()
            value_end = payload + int(item.group(3))
        else:
            key, head, payload, value_end = _item(view, pos, end)
        if value_end >= end or view[value_end] not in _TAGS:
            raise _Unframed
        yield key, head, payload, value_end
        pos = value_end + 1


def _item(view: mmap.mmap, pos: int, end: int) -> tuple[bytes, int, int, int]:
    """One item framed step by step: a key of any bytes, any string tag."""
    key = _HEAD.match(view, pos, end)
    if key is None:
        raise _Unframed
    key_start = key.end()
    key_end = key_start + int(key.group(1))
    if key_end >= end or view[key_end] not in _STRING_TAGS:
        raise _Unframed
    value = _HEAD.match(view, key_end + 1, end)
    if value is None:
        raise _Unframed
    return view[key_start:key_end], key_end + 1, value.end(), value.end() + int(value.group(1))


_Offsets = tuple[int, int, int]  # a value's prefix, payload and tag


def _walk_to_request(read: _Read, view: mmap.mmap, base: int, start: int, end: int) -> bool:
    """Does the request of a record in an unusual layout mention a TikTok host? Walked to
    in the window, searched in the file a piece at a time (an upload is never copied)."""
    found = _find(view, start, end, b"request")
    return found is not None and read.mentions(base + found[1], base + found[2])


def _find(view: mmap.mmap, start: int, end: int, name: bytes) -> _Offsets | None:
    """The offsets of a dict's item `name`, walked to by the length prefixes."""
    for key, head, payload, tag in _items(view, start, end):
        if key == name:
            return head, payload, tag
    return None


def _fields(view: mmap.mmap, start: int, end: int) -> dict[bytes, _Offsets]:
    """Where each top-level item of a record is (for the few candidates); nothing copied."""
    return {key: (head, payload, tag) for key, head, payload, tag in _items(view, start, end)}


def _value(view: mmap.mmap, fields: dict[bytes, _Offsets], key: bytes) -> object:
    if key not in fields:
        return None
    head, _payload, tag = fields[key]
    return flowstate.loads(view[head : tag + 1])


_PEERNAME = b"8:peername;"
_SOCKNAME = b"8:sockname;"


def _client(view: mmap.mmap, fields: dict[bytes, _Offsets]) -> object:
    """The client connection's `peername` (the one part of it a report shows) and `sockname`
    (the proxy port it came in on, which tells a `--consent` visit's modes apart).

    mitmproxy writes it as the connection's last item: found from the end and checked to be
    an item that ends the connection exactly, it is parsed alone (the rest, certificates and
    TLS details, is a third of a pixel record's parse time). Any other shape is walked.
    """
    if b"client_conn" not in fields:
        return None
    head, payload, tag = fields[b"client_conn"]
    if view[tag] != _DICT:
        return flowstate.loads(view[head : tag + 1])
    at = view.rfind(_PEERNAME, payload, tag)
    if at > payload and view[at - 1] in _TAGS:
        value = _HEAD.match(view, at + len(_PEERNAME), tag)
        if value is not None and value.end() + int(value.group(1)) == tag - 1:
            client = {"peername": flowstate.loads(view[at + len(_PEERNAME) : tag])}
            sock = view.rfind(_SOCKNAME, payload, at)  # written just before peername
            if sock > payload and view[sock - 1] in _TAGS:
                value = _HEAD.match(view, sock + len(_SOCKNAME), at)
                if value is not None and value.end() + int(value.group(1)) == at - 1:
                    client["sockname"] = flowstate.loads(view[sock + len(_SOCKNAME) : at])
            return client
    client = {}
    for name in (b"peername", b"sockname"):
        found = _find(view, payload, tag, name)
        if found is not None:
            client[name.decode()] = flowstate.loads(view[found[0] : found[2] + 1])
    return client


def _light(
    view: mmap.mmap, fields: dict[bytes, _Offsets], source: str, index: int
) -> CapturedRequest | None:
    """A current-version record: only its request and client are parsed (`flowstate`)."""
    if _value(view, fields, b"type") != "http":
        return None
    return flowstate.request_from_state(
        _value(view, fields, b"request"), _client(view, fields), source, index
    )


def _full(record: bytes, source: str, index: int) -> CapturedRequest | None:
    """Any record through mitmproxy's full path: version migration and `Flow.from_state`."""
    from mitmproxy import flow, http
    from mitmproxy.io import compat, tnetstring

    loaded = flow.Flow.from_state(compat.migrate_flow(tnetstring.loads(record)))  # type: ignore[arg-type]
    return request_from_flow(loaded, source, index) if isinstance(loaded, http.HTTPFlow) else None


def _read(
    view: mmap.mmap, record: int, payload: int, tag: int, source: str, index: int, current: int
) -> CapturedRequest | None:
    """A candidate record (offsets into `view`) as a request; raises on damage."""
    fields = _fields(view, payload, tag)
    if _value(view, fields, b"version") == current:
        try:
            return _light(view, fields, source, index)
        except flowstate.Unexpected:
            pass
    return _full(view[record : tag + 1], source, index)


def _candidate(
    read: _Read,
    mapped: _Mapped,
    pos: int,
    scanned: tuple[int, int, bool | None],
    index: int,
    current: int,
) -> tuple[mmap.mmap, int, int] | None:
    """The record at file offset `pos`, as `_Read.records` scanned it, mapped with its start
    and tag there if it is a candidate; the first record is walked, as its version is
    checked. Raises `_Unframed` where mitmproxy's reader must take over."""
    tag, head, candidate = scanned
    if index == 0:
        candidate = None
    view, base = mapped.cover(pos, tag + 1)
    record, end = pos - base, tag - base
    if view[end] != _DICT:
        raise _Unframed
    if index == 0 and _value(view, _fields(view, record + head, end), b"version") != current:
        raise _Unframed  # another flow-format version: mitmproxy migrates it
    if candidate is None and not _walk_to_request(read, view, base, record + head, end):
        return None
    return view, record, end


def read_flow_file_fast(
    handle: BinaryIO, source: str, stats: SourceStats, meter: Meter
) -> Iterator[CapturedRequest]:
    """Yield the TikTok requests of a flow file; count every record; never raise."""
    from mitmproxy.version import FLOW_FORMAT_VERSION

    try:
        fd = handle.fileno()
        size = os.fstat(fd).st_size
    except (OSError, ValueError, AttributeError):  # not a mappable file: the plain reader
        yield from read_flow_file(handle, source, stats, meter)
        return
    read = _Read(fd, size)
    mapped = _Mapped(fd, size)
    pos = 0  # file offset of the next record
    index = 0
    try:
        for scanned in read.records(0):
            request = None
            if index == 0 or scanned[2] is not False:
                found = _candidate(read, mapped, pos, scanned, index, FLOW_FORMAT_VERSION)
                if found is not None:
                    view, record, end = found
                    request = _read(view, record, record + scanned[1], end, source, index,
                                    FLOW_FORMAT_VERSION)  # fmt: skip
            stats.flows += 1
            if request is not None:
                yield request
            index += 1
            pos = meter.position = scanned[0] + 1
        return
    except Exception:  # noqa: S110  # unframed, or damaged inside: mitmproxy's reader says so
        pass
    finally:
        mapped.close()
    yield from _fallback(handle, pos, source, stats, index, meter)


def _fallback(
    handle: BinaryIO, at: int, source: str, stats: SourceStats, index: int, meter: Meter
) -> Iterator[CapturedRequest]:
    """mitmproxy's reader from offset `at` on, numbering its flows on from `index`."""
    handle.seek(at)
    for request in read_flow_file(handle, source, stats, meter):
        yield dataclasses.replace(request, flow=request.flow + index)
