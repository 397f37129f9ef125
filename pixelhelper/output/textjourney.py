"""The text report's journey section (`--journey`): each step with its mark and outcome, the
hits it caused and the findings first seen in it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from pixelhelper.output.textparts import line

STATUS_STYLE = {"ok": "green", "failed": "bold red", "skipped": "yellow", "not-run": "dim"}


def journey_section(report: dict[str, Any]) -> Iterator[RenderableType]:
    """Nothing without a `journey` section."""
    journey = report.get("journey")
    if not isinstance(journey, dict):
        return
    status = str(journey.get("status"))
    yield line(0, ("Journey", "bold"), f"  {journey.get('name')}: ",
               (status, "green" if status == "completed" else "bold red"), wrap=True)  # fmt: skip
    table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
    for title in ("step", "mark", "action", "status", "hits", "new findings"):
        table.add_column(Text(title, style="bold"), overflow="fold")
    for step in journey.get("steps") or []:
        if not isinstance(step, dict):
            continue
        state = str(step.get("status"))
        detail = step.get("error") or step.get("note")
        hits = ", ".join(
            f"{h.get('event')}" + (f" x{h.get('count')}" if h.get("count", 1) > 1 else "")
            for h in step.get("hits") or [] if isinstance(h, dict)
        )  # fmt: skip
        table.add_row(
            Text(str(step.get("index"))),
            Text(str(step.get("mark") or "")),
            Text(f"{step.get('kind')} {step.get('target')}"),
            Text.assemble(
                (state, STATUS_STYLE.get(state, "")), (f": {detail}" if detail else "", "")
            ),  # fmt: skip
            Text(hits or "-", style="" if hits else "dim"),
            Text(
                ", ".join(str(r) for r in step.get("findings") or []) or "-",
                style="bold yellow" if step.get("findings") else "dim",
            ),  # fmt: skip
        )
    yield Padding(table, (0, 0, 0, 2))
