"""Text -> JSON: the body, a base64 body, or JSON carried in a (GET) query string.

Parsing is bounded. A document nested deeper than `MAX_NESTING` levels is refused whole (the
event gets a decode error and its payload is withheld) instead of exhausting the stack in a
later stage; `NaN`, `Infinity` and floats that overflow are kept as the text that was sent, so
every report stays valid JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pixelhelper.decode.body import BodyError

MAX_NESTING = 100
"""Deepest JSON accepted (real pixel bodies nest about 6 levels; JSON-LD adds a few)."""
_BATCH_KEYS = ("batch", "events", "data")
_SINGLE_KEYS = ("event", "action", "message_id", "context")
_B64_BODY = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


def _keep_float(text: str) -> float | str:
    number = float(text)
    return number if math.isfinite(number) else text


def _keep_constant(text: str) -> str:
    return text  # NaN, Infinity, -Infinity: not JSON; keep what was sent


def nesting_depth(value: Any, limit: int = MAX_NESTING) -> int:
    """Depth of a parsed JSON value (a scalar is 0), counted without recursion; stops early
    once `limit` is passed and returns `limit + 1`."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        if depth > limit:
            return limit + 1
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in children if isinstance(child, dict | list))
    return deepest


def loads(text: str) -> Any:
    """`json.loads` with the bounds above.

    Raises:
        BodyError: for text that is not JSON or nests deeper than `MAX_NESTING`.
    """
    try:
        value = json.loads(text, parse_float=_keep_float, parse_constant=_keep_constant)
    except RecursionError as exc:
        raise BodyError(f"JSON nested deeper than {MAX_NESTING} levels; body withheld") from exc
    except ValueError as exc:
        raise BodyError(f"body is not valid JSON ({str(exc)[:120]})") from exc
    # Each level opens a bracket: text with few brackets cannot nest deeply (counted in C).
    if text.count("{") + text.count("[") > MAX_NESTING and nesting_depth(value) > MAX_NESTING:
        raise BodyError(f"JSON nested deeper than {MAX_NESTING} levels; body withheld")
    return value


def _b64_json(value: str) -> Any:
    compact = value.strip()
    if len(compact) < 8 or not _B64_BODY.fullmatch(compact):
        return None
    padded = compact + "=" * (-len(compact) % 4)
    for decoder in (base64.urlsafe_b64decode, base64.b64decode):
        try:
            raw = decoder(padded).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            continue
        if raw.lstrip()[:1] not in ("{", "["):
            continue
        try:
            parsed = loads(raw)
        except BodyError:
            continue
        if isinstance(parsed, dict | list):
            return parsed
    return None


def _json_in_pairs(pairs: list[tuple[str, str]]) -> Any:
    for _name, value in pairs:
        stripped = value.strip()
        if stripped[:1] in ("{", "["):
            try:
                parsed = loads(stripped)
            except BodyError:
                parsed = None
            if isinstance(parsed, dict | list):
                return parsed
        parsed = _b64_json(value)
        if parsed is not None:
            return parsed
    return None


def query_payload(url: str) -> Any:
    """The JSON a GET beacon carries in its query string (plain or base64), or None."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return None
    return _json_in_pairs(parse_qsl(query, keep_blank_values=True)) if query else None


def parse_payload(text: str, url: str) -> Any:
    """Parse a body (or, for GET beacons, the query string) into a JSON value.

    Raises:
        BodyError: with a reason a user can act on.
    """
    stripped = text.strip()
    if stripped:
        try:
            return loads(stripped)
        except BodyError as exc:
            if "nested deeper" in str(exc):
                raise
            json_error = exc
        decoded = _b64_json(stripped)
        if decoded is not None:
            return decoded
        if "=" in stripped and stripped[:1] not in ("{", "["):
            decoded = _json_in_pairs(parse_qsl(stripped, keep_blank_values=True))
            if decoded is not None:
                return decoded
        raise json_error
    decoded = query_payload(url)
    if decoded is not None:
        return decoded
    raise BodyError("empty body and no JSON payload in the query string")


def split_batch(payload: Any) -> list[tuple[int | None, Any]]:
    """Return the events inside a payload: one per batch element, or the payload itself."""
    if isinstance(payload, list):
        return list(enumerate(payload))
    if isinstance(payload, dict) and not any(k in payload for k in _SINGLE_KEYS):
        for key in _BATCH_KEYS:
            items = payload.get(key)
            if isinstance(items, list):
                return list(enumerate(items))
    return [(None, payload)]
