"""The text report's consent section (`--consent`): what each mode did, then a matrix, pixel
by mode, of the events sent before and after the choice with the verdict."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from pixelhelper.output.textparts import line

VERDICT_TEXT = {
    "ok": ("ok", "green"),
    "pixel-before-consent": ("before consent", "bold yellow"),
    "pixel-after-reject": ("after reject", "bold red"),
    "gpc-ignored": ("ignores GPC", "bold red"),
}
ACTION_TEXT = {"none": "no action", "opted-out": "rejected", "opted-in": "accepted",
               "failed": "could not answer"}  # fmt: skip


def consent_section(report: dict[str, Any]) -> Iterator[RenderableType]:
    """Nothing without a `consent` section."""
    modes = [entry for entry in report.get("consent") or [] if isinstance(entry, dict)]
    if not modes:
        return
    yield line(0, ("Consent", "bold"), "  each mode in a fresh browser context", wrap=True)
    table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
    for title in ("mode", "banner", "choice", "events before / after", "SDK before choice"):
        table.add_column(Text(title, style="bold"), overflow="fold")
    for entry in modes:
        sdk = entry.get("sdk_loaded_before_choice")
        table.add_row(
            Text(str(entry.get("mode"))),
            Text(str(entry.get("cmp") or ("none found" if not entry.get("banner") else "?"))),
            Text(ACTION_TEXT.get(str(entry.get("action")), str(entry.get("action"))),
                 style="red" if entry.get("action") == "failed" else ""),
            Text(f"{entry.get('events_before_choice', 0)} / {entry.get('events_after_choice', 0)}"),
            Text("-" if sdk is None else "yes" if sdk else "no"),
        )  # fmt: skip
    yield Padding(table, (0, 0, 0, 2))
    codes = sorted({code for entry in modes for code in (entry.get("matrix") or {})})
    if not codes:
        yield line(2, ("no pixel event in any mode", "dim"))
        return
    matrix = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
    matrix.add_column(Text("pixel", style="bold"), overflow="fold")
    for entry in modes:
        matrix.add_column(Text(str(entry.get("mode")), style="bold"), overflow="fold")
    for code in codes:
        cells: list[Text] = [Text(code)]
        for entry in modes:
            cell = (entry.get("matrix") or {}).get(code)
            if not isinstance(cell, dict):
                cells.append(Text("-", style="dim"))
                continue
            words, style = VERDICT_TEXT.get(
                str(cell.get("verdict")), (str(cell.get("verdict")), "")
            )
            counts = f"{cell.get('before_choice', 0)}/{cell.get('after_choice', 0)} "
            cells.append(Text.assemble(counts, (words, style)))
        matrix.add_row(*cells)
    yield Padding(matrix, (0, 0, 0, 2))
    yield line(2, ("cells: events before/after the choice, and the verdict", "dim"), wrap=True)
