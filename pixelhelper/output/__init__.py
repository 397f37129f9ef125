"""Output formats. Each takes the redacted report structure and returns text."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, assert_never


class Format(StrEnum):
    """The `--format` choices."""

    TEXT = "text"
    JSON = "json"
    JSONL = "jsonl"

    def renderer(self) -> Callable[[dict[str, Any], bool], str]:
        """The function rendering this format: (report, color) -> text (imported on demand,
        so choosing a format never loads rich for JSON)."""
        from pixelhelper.output import jsonfmt, text

        if self is Format.TEXT:
            return text.render
        if self is Format.JSON:
            return jsonfmt.render_json
        if self is Format.JSONL:
            return jsonfmt.render_jsonl
        assert_never(self)
