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
    SARIF = "sarif"
    JUNIT = "junit"
    GITHUB = "github"
    MARKDOWN = "markdown"
    HTML = "html"

    @property
    def judged(self) -> bool:
        """Formats that show a verdict: they need the report's `policy` object."""
        return self in (Format.SARIF, Format.JUNIT, Format.GITHUB, Format.MARKDOWN, Format.HTML)

    def renderer(self) -> Callable[[dict[str, Any], bool], str]:
        """The function rendering this format: (report, color) -> text (imported on demand,
        so choosing a format never loads rich for JSON)."""
        if self is Format.TEXT:
            from pixelhelper.output import text

            return text.render
        if self in (Format.JSON, Format.JSONL):
            from pixelhelper.output import jsonfmt

            return jsonfmt.render_json if self is Format.JSON else jsonfmt.render_jsonl
        if self is Format.SARIF:
            from pixelhelper.output import sarif

            return sarif.render
        if self is Format.JUNIT:
            from pixelhelper.output import junit

            return junit.render
        if self is Format.GITHUB:
            from pixelhelper.output import github

            return github.render
        if self is Format.HTML:
            from pixelhelper.output import html

            return html.render
        if self is Format.MARKDOWN:
            from pixelhelper.output import markdown

            return markdown.render
        assert_never(self)
