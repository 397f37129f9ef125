"""`results.jsonl`: one row per site, written as the crawl goes, read back to resume.

A finished site is appended and flushed to disk at once, so a crash or Ctrl-C loses no
finished site. A row that replaces another (`--retry-errors`) rewrites the file atomically
(a temporary file renamed over it), so the file never holds two rows for one site; a torn
last line left by a crash is dropped on the next run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pixelhelper.errors import ConfigError

RESULTS = "results.jsonl"


class Results:
    """The rows of a crawl directory, in the order they were first written."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out / RESULTS
        self.rows: dict[str, dict[str, Any]] = {}
        self.dropped = 0
        out.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        for line in text.splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                self.dropped += 1  # a torn line from an interrupted run
                continue
            if isinstance(row, dict) and isinstance(row.get("site"), str):
                self.rows[row["site"]] = row
        if self.dropped or len(self.rows) != len(text.splitlines()):
            self._rewrite()

    def pending(self, sites: list[str], retry_errors: bool) -> list[str]:
        """The sites still to visit: those without a row (and, if asked, the error rows).
        Rows name a site as `shown_site` prints it."""
        from pixelhelper.crawl.sites import shown_site

        def done(site: str) -> bool:
            row = self.rows.get(shown_site(site))
            return row is not None and not (retry_errors and row.get("status") == "error")

        return [site for site in sites if not done(site)]

    def row_of(self, site: str) -> dict[str, Any] | None:
        """The row of a site as given (with any credentials it carries)."""
        from pixelhelper.crawl.sites import shown_site

        return self.rows.get(shown_site(site))

    def add(self, row: dict[str, Any]) -> None:
        """Record a finished site durably."""
        replaces = row["site"] in self.rows
        self.rows[row["site"]] = row
        if replaces:
            self._rewrite()
            return
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _rewrite(self) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            for row in self.rows.values():
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
