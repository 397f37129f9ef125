"""Make traffic text safe to print on a terminal.

Every string in a report came from a web page or a request, so it is attacker-controlled: an
`ESC ]0;` sequence retitles the terminal, `ESC [2J` clears it, a carriage return or newline
forges report lines, and bidirectional overrides reorder what the reader sees. Before any text
or line output, such characters are replaced by a visible escape (`\\x1b`, `\\u202e`); the
information stays, the terminal never acts on it.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls (tab included: it can hide text), DEL, C1 controls, and the Unicode format
# characters that reorder or hide text (bidi embeddings, overrides and isolates, ALM, LRM/RLM,
# zero-width joiners/spaces, BOM, line/paragraph separators, interlinear annotation).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralise(text: str) -> str:
    """`text` with every control and reordering character shown as an escape."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def neutralise_all(node: Any) -> Any:
    """Neutralise every string (keys included) in a JSON-able structure."""
    if isinstance(node, str):
        return neutralise(node)
    if isinstance(node, dict):
        return {neutralise_all(k): neutralise_all(v) for k, v in node.items()}
    if isinstance(node, list):
        return [neutralise_all(item) for item in node]
    return node


_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)


def json_safe(text: str) -> str:
    """Escape, inside JSON text, the characters `json.dumps(ensure_ascii=False)` leaves raw
    (DEL, C1 controls, bidi and zero-width format characters) as `\\uXXXX`: still the same
    JSON value, but `cat report.json` can no longer drive or reorder the terminal."""
    if text.isascii() and "\x7f" not in text:  # the usual report line, checked in C
        return text
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
