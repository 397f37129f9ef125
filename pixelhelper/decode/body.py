"""Bytes -> text: undo Content-Encoding within a hard output limit, then pick the charset.

Every decompressor is bounded. A few kilobytes of gzip, deflate, brotli or zstd can expand to
gigabytes, and pixel bodies come from pages that may be hostile, so each codec stops as soon as
its output would pass `MAX_BODY` and the body becomes a decode error instead of a memory bomb.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixelhelper.capture import CapturedRequest

MAX_BODY = 32 * 1024 * 1024
"""Largest body, raw or decompressed, that is decoded (pixel hits are a few KB)."""
_CHUNK = 1024 * 1024


class BodyError(ValueError):
    """The body could not be turned into text; the message becomes the event's `decode_error`."""


def _over(limit: int) -> BodyError:
    return BodyError(f"body decompresses to more than {limit // (1024 * 1024)} MB; not decoded")


def _zlib_stream(data: bytes, wbits: int, limit: int) -> bytes:
    """Inflate a zlib/gzip/raw-deflate stream, member after member, never past `limit`."""
    out = bytearray()
    rest = data
    while rest:
        inflater = zlib.decompressobj(wbits)
        pending = rest
        while pending:
            out += inflater.decompress(pending, limit + 1 - len(out))
            if len(out) > limit:
                raise _over(limit)
            pending = inflater.unconsumed_tail
        out += inflater.flush(limit + 1 - len(out))
        if len(out) > limit:
            raise _over(limit)
        if not inflater.eof:
            raise BodyError("compressed body is truncated")
        rest = inflater.unused_data
        if wbits != 31 or not rest.startswith(b"\x1f\x8b"):
            break  # only gzip allows several members; trailing garbage is ignored like gzip(1)
    return bytes(out)


def _gunzip(data: bytes, limit: int) -> bytes:
    return _zlib_stream(data, 31, limit)


def _inflate(data: bytes, limit: int) -> bytes:
    try:  # RFC 9110 "deflate" is zlib-wrapped; some servers send raw deflate
        return _zlib_stream(data, 15, limit)
    except zlib.error:
        return _zlib_stream(data, -15, limit)


def _unbrotli(data: bytes, limit: int) -> bytes:
    import brotlicffi

    decompressor = brotlicffi.Decompressor()
    out = bytearray(decompressor.process(data, output_buffer_limit=_CHUNK))
    while not decompressor.can_accept_more_data():
        if len(out) > limit:
            raise _over(limit)
        out += decompressor.process(b"", output_buffer_limit=_CHUNK)
    if len(out) > limit:
        raise _over(limit)
    if not decompressor.is_finished():
        raise BodyError("compressed body is truncated")
    return bytes(out)


def _unzstd(data: bytes, limit: int) -> bytes:
    import zstandard

    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
    out = bytearray()
    while True:
        chunk = reader.read(min(_CHUNK, limit + 1 - len(out)))
        if not chunk:
            return bytes(out)
        out += chunk
        if len(out) > limit:
            raise _over(limit)


_CODECS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}


def decompress(body: bytes, encoding: str, limit: int = MAX_BODY) -> bytes:
    """Undo a Content-Encoding header value (codings applied in order, undone in reverse).

    Raises:
        BodyError: for an unknown coding, a damaged stream, or output beyond `limit`.
    """
    out = body
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        codec = _CODECS.get(coding)
        if codec is None:
            raise BodyError(f"unsupported Content-Encoding {coding[:40]!r}")
        try:
            out = codec(out, limit)
        except BodyError:
            raise
        except Exception as exc:  # zlib.error, brotli.error, ZstdError, ...
            raise BodyError(f"Content-Encoding {coding!r} could not be decoded: {exc}") from exc
    return out


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*\"?([\w.:-]{1,40})", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def body_text(request: CapturedRequest) -> tuple[str, list[str]]:
    """Return the decoded body text and warnings about how it had to be read.

    Raises:
        BodyError: when the body is too large or Content-Encoding is declared but broken.
    """
    warnings: list[str] = []
    body = request.body
    if len(body) > MAX_BODY:
        raise BodyError(f"body larger than {MAX_BODY // (1024 * 1024)} MB; not decoded")
    encoding = request.header("content-encoding")
    if encoding:
        try:
            body = decompress(body, encoding)
        except BodyError as exc:
            # HAR exports often keep the header but store the already-decoded text.
            if "more than" in str(exc) or body.lstrip()[:1] not in (b"{", b"["):
                raise
            warnings.append(f"Content-Encoding {encoding[:40]} declared but body was not encoded")
    return _text(body, request.header("content-type"), warnings), warnings


def _text(body: bytes, content_type: str | None, warnings: list[str]) -> str:
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16", errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _charset(content_type)
    if declared and declared.lower().replace("-", "") != "utf8":
        try:
            text = body.decode(declared)
            warnings.append(f"body decoded as declared charset {declared}")
            return text
        except (LookupError, UnicodeDecodeError):
            pass
    warnings.append("body is not valid UTF-8; undecodable bytes were replaced")
    return body.decode("utf-8", errors="replace")
