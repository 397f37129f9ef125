"""The report's `consent` section: one entry per mode, and per pixel the events it sent
before and after the choice with the verdict (the matrix text and HTML show)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from pixelhelper.consent.modes import MODES
from pixelhelper.consent.timeline import ModeLog, Timeline

if TYPE_CHECKING:
    from pixelhelper.audit import AuditResult

SENDS = ("pixel", "action", "events_api")
VERDICTS = (  # worst first: a pixel's verdict in a mode is its worst consent finding there
    "pixel-after-reject", "gpc-ignored", "pixel-before-consent",
)  # fmt: skip


def consent_section(result: AuditResult) -> list[dict[str, Any]]:
    """`[{"mode", "cmp", "action", "banner", "pixels", "events", "events_before_choice",
    "events_after_choice", "sdk_loaded_before_choice", "findings", "matrix"}]`, in the order
    the modes are listed (`none`, `reject`, `accept`, `gpc`), a mode run twice counted once."""
    entries: dict[str, dict[str, Any]] = {}
    for log in Timeline(result.consent).logs:
        entry = entries.setdefault(log.mode, _empty(log))
        _merge_log(entry, log)
    event_mode: dict[int, str] = {}
    for index, facts in enumerate(result.events.facts):
        consent: dict[str, Any] = facts.consent or {}
        found = entries.get(str(consent.get("mode")))
        if found is None:
            continue
        entry = found
        event_mode[index] = entry["mode"]
        code = facts.pixel_code or ""
        before = consent.get("state") in ("no-choice", "gpc")
        if code:
            entry["_pixels"].setdefault(code, Counter())
        if facts.kind == "script":
            entry["_sdk"].append(before)
        elif facts.kind in SENDS:
            entry["events"] += 1
            entry["events_before_choice" if before else "events_after_choice"] += 1
            entry["_pixels"].setdefault(code, Counter())["before" if before else "after"] += 1
    for finding in result.findings:
        mode = finding.consent_mode
        if mode is None and finding.event is not None:
            mode = event_mode.get(finding.event)
        if mode in entries:
            entry = entries[mode]
            entry["findings"][finding.rule] += 1
            if finding.rule in VERDICTS and finding.pixel_code:
                entry["_pixels"].setdefault(finding.pixel_code, Counter())[finding.rule] += 1
    return [_closed(entries[mode]) for mode in MODES if mode in entries]


def _empty(log: ModeLog) -> dict[str, Any]:
    return {
        "mode": log.mode, "cmp": None, "action": log.action, "banner": False,
        "events": 0, "events_before_choice": 0, "events_after_choice": 0,
        "findings": Counter(), "_pixels": {}, "_sdk": [],
    }  # fmt: skip


def _merge_log(entry: dict[str, Any], log: ModeLog) -> None:
    entry["cmp"] = entry["cmp"] or log.cmp
    entry["banner"] = entry["banner"] or log.banner_at is not None
    if log.action == "failed" or entry["action"] == "none":
        entry["action"] = log.action


def _closed(entry: dict[str, Any]) -> dict[str, Any]:
    pixels: dict[str, Counter[str]] = entry.pop("_pixels")
    sdk: list[bool] = entry.pop("_sdk")
    entry["pixels"] = sorted(code for code in pixels if code)
    entry["sdk_loaded_before_choice"] = any(sdk) if sdk else None
    entry["findings"] = dict(sorted(entry["findings"].items()))
    entry["matrix"] = {
        code: {
            "before_choice": counts["before"],
            "after_choice": counts["after"],
            "verdict": next((rule for rule in VERDICTS if counts[rule]), "ok"),
        }
        for code, counts in sorted(pixels.items())
        if code
    }
    return entry


def crawl_consent(section: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A crawl row's `consent`: `{mode: {"cmp", "action", "events", "findings"}}`."""
    return {
        entry["mode"]: {key: entry[key] for key in ("cmp", "action", "events", "findings")}
        for entry in section
    }
