"""Tell a capture's format and text encoding from its first bytes.

Browsers and tools export HAR in UTF-8 with or without a BOM, in UTF-16 (some Windows tools),
pretty-printed with leading whitespace, or as a bare list of entries; mitmproxy flow files are
tnetstrings, which start with a length digit. Sniffing looks past BOMs and any amount of
leading whitespace, so none of these is mistaken for a corrupt flow file or an empty one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Literal

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_WHITESPACE = b" \t\r\n"
_CHUNK = 65536


@dataclass(frozen=True)
class Sniffed:
    """What a capture file is.

    Attributes:
        kind: `json` (HAR or a request list), `flow` (mitmproxy), `empty`, or `unknown` (text that
            is neither).
        encoding: The text encoding of a JSON capture.
        bom: Length of the byte-order mark to skip.
    """

    kind: Literal["json", "flow", "empty", "unknown"]
    encoding: str = "utf-8"
    bom: int = 0


def _unicode_width(head: bytes) -> str | None:
    """UTF-16/32 without a BOM: ASCII JSON leaves NUL bytes in a fixed pattern."""
    if len(head) >= 4 and head[:3] == b"\x00\x00\x00" and head[3]:
        return "utf-32-be"
    if len(head) >= 4 and head[0] and head[1:4] == b"\x00\x00\x00":
        return "utf-32-le"
    if len(head) >= 2 and head[0] == 0 and head[1]:
        return "utf-16-be"
    if len(head) >= 2 and head[0] and head[1] == 0:
        return "utf-16-le"
    return None


def sniff(handle: BinaryIO) -> Sniffed:
    """Read as far as the first meaningful character and rewind."""
    head = handle.read(_CHUNK)
    try:
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                return _text_kind(head[len(bom) :], handle, encoding, len(bom))
        wide = _unicode_width(head)
        if wide is not None:
            return _text_kind(head, handle, wide, 0)
        return _text_kind(head, handle, "utf-8", 0)
    finally:
        handle.seek(0)


def _text_kind(head: bytes, handle: BinaryIO, encoding: str, bom: int) -> Sniffed:
    if encoding != "utf-8":
        text = head.decode(encoding, errors="ignore").lstrip()
        first = text[:1]
        if not first:
            return Sniffed("empty")
        if first in "{[":
            return Sniffed("json", encoding, bom)
        return Sniffed("flow" if first.isdigit() else "unknown", encoding, bom)
    chunk = head.lstrip(_WHITESPACE)
    while not chunk:
        more = handle.read(_CHUNK)
        if not more:
            return Sniffed("empty")
        chunk = more.lstrip(_WHITESPACE)
    if chunk[:1] in (b"{", b"["):
        return Sniffed("json", encoding, bom)
    # a flow file is a sequence of tnetstrings: it opens with a length prefix ("1234:")
    return Sniffed("flow" if chunk[:1].isdigit() else "unknown", encoding, bom)
