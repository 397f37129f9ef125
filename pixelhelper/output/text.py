"""The human report: per page, each pixel with a status colour, its loads and events in order,
parameters as a tree, and findings under the event (or pixel) they belong to. `textsummary`
builds the default report, `textverbose` the `--verbose` one; both take their shared parts from
`textparts`, so no module here imports another that imports it back.
"""

from __future__ import annotations

import io
import shutil
from typing import Any

from rich.console import Console

from pixelhelper.output import textsummary, textverbose
from pixelhelper.output.bounds import bounded_report
from pixelhelper.output.terminal import neutralise_all
from pixelhelper.output.textparts import (  # noqa: F401  (the names callers import from here)
    SEVERITY_STYLE,
    STATUS_STYLE,
    finding_line,
    pixel_status,
)


def render(
    report: dict[str, Any], color: bool = False, width: int | None = None, verbose: bool = False
) -> str:
    """Render the text report; `color` adds ANSI styles and fits the terminal's width;
    `verbose` prints every event in full (the per-event trees).

    Traffic text is neutralised first: no escape sequence from a page reaches the terminal.
    """
    report = neutralise_all(bounded_report(report))  # rich wraps long strings superlinearly
    if width is None:
        width = shutil.get_terminal_size((120, 24)).columns if color else 120
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        legacy_windows=False,
        _environ={},
        highlight=False,
    )
    parts = textverbose.renderables(report) if verbose else textsummary.renderables(report)
    for renderable in parts:
        console.print(renderable)
    return "".join(line.rstrip(" ") + "\n" for line in buffer.getvalue().splitlines())
