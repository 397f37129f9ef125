"""Walk a JSON capture's text chunk by chunk, down to its entries array, one entry at a time.

This is the reader of last resort for JSON captures: it never holds more than a chunk and the
entry being parsed, decodes any text encoding (UTF-8 with stray bytes, UTF-16/32) through an
incremental decoder, parses entries with the standard library's C scanner (which refuses
absurd nesting with a RecursionError rather than exhausting memory), and survives truncation:
every complete entry before a cut is yielded, then the cut is reported. `har.py` uses it to
find where the entries are, and whenever the fast streaming parser gives up.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from pixelhelper.sources.sniff import Sniffed
    from pixelhelper.sources.stats import Meter, SourceStats

CHUNK = 1 << 20  # bytes read at a time
_WS = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()


class Unreadable(Exception):
    """The document is not JSON (or is cut short) at the reader's position."""


class WrongShape(Exception):
    """The document is JSON, but not a HAR log, a request list or a list of entries."""


class JsonText:
    """A JSON document, decoded and parsed on demand from a binary stream."""

    def __init__(
        self, handle: BinaryIO, sniffed: Sniffed, stats: SourceStats, meter: Meter | None = None
    ) -> None:
        handle.seek(sniffed.bom)
        self._handle = handle
        self._meter = meter if meter is not None else Meter()
        self._encoding = sniffed.encoding
        self._decoder = codecs.getincrementaldecoder(sniffed.encoding)("strict")
        self._stats = stats
        self._bytes_read = sniffed.bom
        self._dropped = 0  # characters discarded before `_text`
        self._text = ""
        self._pos = 0
        self._eof = False
        self._open: list[Iterator[str]] = []  # objects on the path to the entries, innermost last

    # -- text window ---------------------------------------------------------------------

    def _more(self, size: int = CHUNK) -> bool:
        """Append the next chunk's text to the window; False at the end of the file."""
        if self._eof:
            return False
        raw = self._handle.read(size)
        final = not raw
        state = self._decoder.getstate()
        try:
            text = self._decoder.decode(raw, final)
        except UnicodeDecodeError as exc:
            at = self._bytes_read - len(state[0]) + exc.start
            self._stats.warnings.append(
                f"not valid {self._encoding.upper()} (first bad byte at offset {at}); "
                "undecodable bytes were replaced"
            )
            self._decoder = codecs.getincrementaldecoder(self._encoding)("replace")
            self._decoder.setstate(state)
            text = self._decoder.decode(raw, final)
        self._bytes_read += len(raw)
        self._meter.position = self._bytes_read
        self._dropped += self._pos
        self._text = self._text[self._pos :] + text
        self._pos = 0
        self._eof = final
        return True

    def _peek(self) -> str:
        """The next non-blank character ("" at the end), leaving the position on it."""
        while True:
            match = _WS.match(self._text, self._pos)
            self._pos = match.end() if match else self._pos
            if self._pos < len(self._text):
                return self._text[self._pos]
            if not self._more():
                return ""

    def _take(self, char: str) -> None:
        if self._peek() != char:
            raise self._unreadable(f"expected {char!r}")
        self._pos += 1

    def _unreadable(self, reason: str, at: int | None = None) -> Unreadable:
        where = self._dropped + (self._pos if at is None else at)
        return Unreadable(f"{reason} at character {where}")

    def value(self) -> Any:
        """Parse the value at the position, reading on while it runs past the window."""
        self._peek()
        size = CHUNK
        while True:
            try:
                value, end = _DECODER.raw_decode(self._text, self._pos)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self._text) - 8 or exc.msg.startswith("Unterminated string")
                if self._eof or not cut:
                    raise self._unreadable(exc.msg, exc.pos) from None
            except RecursionError:
                raise self._unreadable("nested too deeply") from None
            else:
                # a number or literal that ends the window may go on in the next chunk
                if end < len(self._text) or self._eof or isinstance(value, dict | list | str):
                    self._pos = end
                    return value
            self._more(size)
            size *= 2

    # -- structure -------------------------------------------------------------------------

    def _separated(self, close: str) -> Iterator[None]:
        """Once per element of the object or array just opened, before the element (commas
        taken); the closing bracket is taken at the end."""
        first = True
        while True:
            if self._peek() == close:
                self._pos += 1
                return
            if not first:
                self._take(",")
            first = False
            yield

    def _members(self) -> Iterator[str]:
        """Keys of the object whose `{` was just taken; the caller parses or skips each value."""
        for _ in self._separated("}"):
            if self._peek() != '"':
                raise self._unreadable("expecting property name")
            key = self.value()
            self._take(":")
            yield key

    def locate(self) -> str:
        """Walk to the first entry; return the entries' ijson prefix (`log.entries.item`,
        `requests.item` or `item`). Raises WrongShape or Unreadable."""
        char = self._peek()
        if char == "[":
            self._pos += 1
            return "item"
        if char != "{":
            if not char:
                raise self._unreadable("no JSON value")
            raise WrongShape("JSON capture is not an object (expected a HAR log)")
        self._pos += 1
        outer = self._members()
        self._open = [outer]
        for key in outer:
            if key == "log" and self._peek() == "{":
                self._pos += 1
                inner = self._members()
                self._open.append(inner)
                for name in inner:
                    if name == "entries" and self._peek() == "[":
                        self._pos += 1
                        return "log.entries.item"
                    self.value()
                raise WrongShape("HAR has no log.entries list")
            if key == "requests" and self._peek() == "[":
                self._pos += 1
                return "requests.item"
            self.value()
        raise WrongShape("JSON file is neither a HAR log nor a request list")

    def entries(self) -> Iterator[Any]:
        """The entries, one at a time, after `locate`; then check the document ends well."""
        for _ in self._separated("]"):
            yield self.value()
        for members in reversed(self._open):  # the rest of `log`, then of the document
            for _key in members:
                self.value()
        if self._peek():
            raise self._unreadable("trailing data after the document")
