"""What happened in each consent mode, and when: the bridge from the browser to the audit.

A `scan --consent` or `crawl --consent` visit runs its modes side by side, each in a browser
context of its own, through one proxy that listens on one port per mode, so one capture holds
them all; each mode's `ModeLog` says which port it used, when it ran (`started` to `ended`,
this machine's clock, the one the proxy stamps requests with), which consent platform
autoconsent found, when a banner was first seen and when the choice was made. The audit places
each event in the mode it was sent in by the port it came in on (or, for logs without one, by
its capture time). The logs are saved beside the
capture (`<capture>.consent.json`), so a later `audit` or `check` of that capture knows them.

Pure: no browser, no I/O but `read`/`write`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pixelhelper.consent.modes import CHOICE_STATE, Mode
from pixelhelper.errors import ConfigError

SIDECAR_SUFFIX = ".consent.json"
MAX_SIDECAR = 1024 * 1024
_TEXT_CAP = 200


class ModeLog(BaseModel):
    """One mode of one visit."""

    model_config = ConfigDict(extra="ignore")

    mode: Mode
    started: float
    port: int | None = None
    """The proxy port this mode's browser context sent its requests to."""
    ended: float | None = None
    cmp: str | None = None
    """The consent platform autoconsent recognised (its rule name), or None."""
    banner_at: float | None = None
    """When a banner was first seen open in this mode."""
    choice_at: float | None = None
    """When the opt-out or opt-in that succeeded began (reject and accept modes)."""
    action: Literal["none", "opted-out", "opted-in", "failed"] = "none"
    attempts: int = 0
    """How many times a banner was acted on (a banner that comes back is answered again)."""
    errors: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("cmp")
    @classmethod
    def _short(cls, value: str | None) -> str | None:
        return value[:_TEXT_CAP] if value else None

    @field_validator("errors")
    @classmethod
    def _short_all(cls, value: list[str]) -> list[str]:
        return [str(v)[:_TEXT_CAP] for v in value]

    def contains(self, when: float, port: int | None = None) -> bool:
        if port is not None and self.port is not None and port != self.port:
            return False
        return self.started <= when and (self.ended is None or when <= self.ended)

    def state_at(self, when: float) -> str:
        """The consent state an event sent at `when` in this mode was sent in."""
        if self.mode == "gpc":
            return "gpc"
        if self.choice_at is not None and when >= self.choice_at and self.mode in CHOICE_STATE:
            return CHOICE_STATE[self.mode]
        return "no-choice"


class Timeline:
    """The modes of one or more visits, in the order they ran."""

    def __init__(self, logs: Iterable[ModeLog] = ()) -> None:
        self.logs = sorted(logs, key=lambda log: log.started)

    def __bool__(self) -> bool:
        return bool(self.logs)

    def mode_at(self, when: float | None, port: int | None = None) -> ModeLog | None:
        """The mode an event sent at `when` to proxy `port` belongs to, or None (outside
        every mode, or no time). The latest mode started by then that covers it wins."""
        if when is None:
            return None
        for log in reversed(self.logs):
            if log.contains(when, port):
                return log
        return None

    def consent(
        self, when: float | None, gpc_header: bool, port: int | None = None
    ) -> dict[str, Any] | None:
        """An event's `consent`: `{"mode", "state", "banner"}`; None when nothing is known.

        A request that carried `Sec-GPC: 1` outside every mode (a live session in a browser
        with Global Privacy Control on) was sent under GPC."""
        log = self.mode_at(when, port)
        if log is None:
            return {"mode": "gpc", "state": "gpc", "banner": False} if gpc_header else None
        assert when is not None
        return {"mode": log.mode, "state": log.state_at(when), "banner": log.banner_at is not None}


def sidecar(capture: str | Path) -> Path:
    """Where a capture's consent logs are kept."""
    return Path(str(capture) + SIDECAR_SUFFIX)


def write(path: str | Path, logs: Iterable[ModeLog]) -> None:
    """Save the logs (atomically) as `{"version": 1, "modes": [...]}`."""
    import json

    from pixelhelper.files import write_text

    document = {"version": 1, "modes": [log.model_dump(mode="json") for log in logs]}
    write_text(path, json.dumps(document, indent=1) + "\n")


def read(path: str | Path) -> list[ModeLog]:
    """The logs saved at `path`.

    Raises:
        ConfigError: the file is unreadable, too large or not a consent log.
    """
    from pixelhelper.documents import load_json

    document = load_json(path, "consent log", MAX_SIDECAR)
    modes = document.get("modes") if isinstance(document, dict) else None
    if not isinstance(modes, list) or len(modes) > 1000:
        raise ConfigError(f"{path}: not a pixelhelper consent log")
    try:
        return [ModeLog.model_validate(item) for item in modes]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: consent log: {where}: {first['msg']}") from None


def beside(paths: Iterable[str | Path]) -> list[ModeLog]:
    """The logs saved beside any of these captures (unreadable logs are an error)."""
    logs: list[ModeLog] = []
    for path in paths:
        found = sidecar(path)
        if found.is_file():
            logs.extend(read(found))
    return logs
