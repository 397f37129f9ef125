"""Size caps on what the human and CI formats print, so no output outgrows its input.

A value from traffic can be megabytes long (a page URL with a thousand parameters) and a page
can have hundreds of findings: repeating that URL once per finding turned a 218 KB capture into
a 196 MB SARIF file. So every field a format repeats per finding is cut (`FIELD_LIMITS`), and
the text and HTML reports cut long strings and long collections before they reach the renderer
(rich's wrapping is superlinear in a string's length). A cut value says how much it left out.
The JSON and JSONL reports stay complete: they are the record, and hold each value once.
"""

from __future__ import annotations

from typing import Any

FIELD_LIMITS = {
    "page": 300,
    "message": 1_000,
    "location": 500,
    "value": 1_000,
    "pixel": 200,
    "event": 200,
    "source": 1_000,
    "reason": 1_000,
    "category": 100,
    "rule": 100,
}
"""The most characters of each per-finding field the CI formats and HTML print."""

TEXT_LIMIT = 4_000
"""The most characters of one string in the text and HTML reports."""

ITEMS_LIMIT = 500
"""The most entries of one list or object those reports show (the rest are counted)."""

DEPTH_LIMIT = 32


def cut(text: str, limit: int) -> str:
    """`text`, or its first `limit` characters and how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (+{len(text) - limit:,} characters)"


def cut_field(name: str, text: str) -> str:
    """A per-finding field at its limit (`FIELD_LIMITS`)."""
    limit = FIELD_LIMITS.get(name)
    return text if limit is None else cut(text, limit)


def bounded(node: Any, limit: int = TEXT_LIMIT, items: int = ITEMS_LIMIT, depth: int = 0) -> Any:
    """A copy of a JSON-able structure with long strings cut, long lists and objects shortened
    (their last entry says how many were left out) and deep nesting elided."""
    if isinstance(node, str):
        return cut(node, limit)
    if depth >= DEPTH_LIMIT and isinstance(node, dict | list):
        return "… (nested too deeply to show)"
    if isinstance(node, dict):
        shown = {
            (cut(key, limit) if isinstance(key, str) else key): bounded(v, limit, items, depth + 1)
            for key, v in _first(node.items(), items)
        }
        if len(node) > items:
            shown["…"] = f"{len(node) - items:,} more"
        return shown
    if isinstance(node, list):
        out = [bounded(item, limit, items, depth + 1) for item in node[:items]]
        if len(node) > items:
            out.append(f"… {len(node) - items:,} more")
        return out
    return node


def bounded_report(report: dict[str, Any]) -> dict[str, Any]:
    """The report as the text and HTML formats may render it: every section bounded, events
    and findings kept whole in number (the formats page or count them themselves)."""
    out = dict(report)
    for key in ("events", "findings", "pages", "pixels", "sources"):
        value = out.get(key)
        if isinstance(value, list):
            out[key] = [bounded(item) for item in value]
    return out


def _first(pairs: Any, count: int) -> Any:
    for number, pair in enumerate(pairs):
        if number >= count:
            return
        yield pair
