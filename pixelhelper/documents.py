"""Reading the small documents a user hands pixelhelper: policies, baselines, identities, sites
files, JSON reports. Every one is hostile until read: it must be a regular file (`/dev/zero`
or a FIFO would be read forever), within a size bound, and nested no deeper than any real one
(a deeply nested document would exhaust the parsers' and the report code's recursion).
Each failure is a `ConfigError` naming the file and what is wrong, so the command exits 2
with one line.
"""

from __future__ import annotations

import json
import re
import stat
from itertools import accumulate
from pathlib import Path
from typing import Any

from pixelhelper.errors import ConfigError

MAX_DEPTH = 64
"""Deeper than any document pixelhelper writes (a report's payloads included) by far."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def read_bytes(path: str | Path, what: str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes."""
    file = Path(path)
    try:
        info = file.stat()
    except FileNotFoundError:
        raise ConfigError(f"{what} {file}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{what} {file}: cannot read it: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{what} {file}: is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{what} {file}: not a regular file (a device or a pipe)")
    if info.st_size > limit:
        raise ConfigError(f"{what} {file}: larger than {_size(limit)}")
    try:
        with file.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ConfigError(f"{what} {file}: cannot read it: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ConfigError(f"{what} {file}: larger than {_size(limit)}")
    return data


def read_text(path: str | Path, what: str, limit: int, encoding: str = "utf-8") -> str:
    """A regular UTF-8 text file of at most `limit` bytes."""
    data = read_bytes(path, what, limit)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        detail = f"{exc.reason} at byte {exc.start}"
        raise ConfigError(f"{what} {path}: not UTF-8 text ({detail})") from None


def json_depth(text: str) -> int:
    """How deeply `text` (JSON) nests arrays and objects, in one linear pass."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(_STEP[c] for c in brackets), default=0)


def load_toml(path: str | Path, what: str, limit: int) -> dict[str, Any]:
    """A TOML document, bounded (a journey, a test identity)."""
    import tomllib

    text = read_text(path, what, limit)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path}: not valid TOML: {exc}") from None


def load_json(path: str | Path, what: str, limit: int) -> Any:
    """A JSON document, bounded and checked for depth; lone surrogates (`\\ud800`) become
    U+FFFD so that nothing later fails to encode the text."""
    text = read_text(path, what, limit)
    if json_depth(text) > MAX_DEPTH:
        raise ConfigError(f"{what} {path}: nested deeper than {MAX_DEPTH} levels")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"{what} {path}: not valid JSON ({str(exc)[:200]})") from None
    if _LONE_SURROGATE.search(text):
        document = without_surrogates(document)
    return document


def without_surrogates(node: Any) -> Any:
    """`node` with every lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(node, str):
        return node.encode("utf-8", "replace").decode("utf-8") if not _encodes(node) else node
    if isinstance(node, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in node.items()}
    if isinstance(node, list):
        return [without_surrogates(item) for item in node]
    return node


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_depth(node: Any, what: str, limit: int = MAX_DEPTH) -> None:
    """Refuse a parsed document (TOML) that nests deeper than `limit`, without recursion."""
    stack = [(node, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise ConfigError(f"{what}: nested deeper than {limit} levels")
        if isinstance(item, dict):
            stack += [(value, depth + 1) for value in item.values()]
        elif isinstance(item, list):
            stack += [(value, depth + 1) for value in item]


def _size(limit: int) -> str:
    return f"{limit / (1 << 20):g} MiB" if limit >= 1 << 20 else f"{limit:,} bytes"
