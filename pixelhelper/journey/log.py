"""What a journey did, step by step and when: the times place each captured hit in the step
that caused it (a hit belongs to the last step that had begun when the proxy read it).

Kept beside the capture as `<capture>.journey.json`, so a later `audit` or `check` of the
capture shows the journey too.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pixelhelper.errors import ConfigError

SIDECAR_SUFFIX = ".journey.json"
MAX_SIDECAR = 4 * 1024 * 1024
Status = Literal["ok", "failed", "skipped", "not-run"]


class StepLog(BaseModel):
    """One step: number 0 is the start page, then the file's steps from 1."""

    model_config = ConfigDict(extra="ignore")

    index: int = Field(ge=0)
    kind: str = Field(max_length=40)
    target: str = Field(max_length=5000)
    mark: str | None = Field(None, max_length=200)
    status: Status = "not-run"
    started: float | None = None
    ended: float | None = None
    error: str | None = Field(None, max_length=2000)
    note: str | None = Field(None, max_length=500)
    url: str | None = Field(None, max_length=5000)  # the page the step ended on
    http_status: int | None = None  # the start page's


class JourneyLog(BaseModel):
    """The whole journey (`status`: "completed" when every step ran, "failed" otherwise)."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(max_length=200)
    start: str = Field(max_length=5000)
    steps: list[StepLog] = Field(default_factory=list, max_length=1000)

    @property
    def status(self) -> str:
        return "failed" if any(s.status == "failed" for s in self.steps) else "completed"

    @property
    def failed(self) -> StepLog | None:
        return next((s for s in self.steps if s.status == "failed"), None)

    def step_at(self, when: float | None) -> int | None:
        """The step a hit captured at `when` belongs to (None: before the journey began, or
        no time known)."""
        begun = [(s.started, s.index) for s in self.steps if s.started is not None]
        if when is None or not begun:
            return None
        begun.sort()
        place = bisect.bisect_right([t for t, _ in begun], when)
        return begun[place - 1][1] if place else None


def sidecar(capture: str | Path) -> Path:
    """Where a capture's journey log is kept."""
    return Path(str(capture) + SIDECAR_SUFFIX)


def write(path: str | Path, log: JourneyLog) -> None:
    """Save the log (atomically) as `{"version": 1, "journey": {...}}`."""
    import json

    from pixelhelper.files import write_text

    document = {"version": 1, "journey": log.model_dump(mode="json")}
    write_text(path, json.dumps(document, indent=1) + "\n")


def read(path: str | Path) -> JourneyLog:
    """The log saved at `path`.

    Raises:
        ConfigError: the file is unreadable, too large or not a journey log.
    """
    from pixelhelper.documents import load_json

    document = load_json(path, "journey log", MAX_SIDECAR)
    journey = document.get("journey") if isinstance(document, dict) else None
    if not isinstance(journey, dict):
        raise ConfigError(f"{path}: not a pixelhelper journey log")
    try:
        return JourneyLog.model_validate(journey)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: journey log: {where}: {first['msg']}") from None
