"""Shared fixtures: the real captures in ../shared/captures, read in place (never copied)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pixelhelper.capture import CapturedRequest

ROOT = Path(__file__).resolve().parent.parent


def _shared_dir() -> Path:
    """`../shared` beside the repository; for a clone made elsewhere (a temporary CI
    checkout), beside the repository it was cloned from; or `$PIXELHELPER_SHARED`."""
    if os.environ.get("PIXELHELPER_SHARED"):
        return Path(os.environ["PIXELHELPER_SHARED"])
    beside = ROOT.parent / "shared"
    if beside.is_dir():
        return beside
    try:
        origin = subprocess.run(["git", "-C", str(ROOT), "config", "remote.origin.url"],
                                capture_output=True, text=True, timeout=10).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        origin = ""
    if origin and "://" not in origin and Path(origin).is_dir():
        source = Path(origin).resolve().parent / "shared"
        if source.is_dir():
            return source
    return beside


SHARED = _shared_dir()
CAPTURES = SHARED / "captures"
EXAMPLES = ROOT / "examples"


def shared_captures() -> list[Path]:
    """Every real capture (HAR and request-list JSON) in ../shared/captures."""
    if not CAPTURES.is_dir():
        raise RuntimeError(f"the shared captures are missing: expected them at {CAPTURES}")
    return sorted(p for p in CAPTURES.iterdir() if p.suffix in (".har", ".json"))


def request_list(path: Path) -> list[CapturedRequest]:
    """The requests of a `{"requests": [...]}` capture as plain values."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        CapturedRequest(
            method=r["method"],
            url=r["url"],
            headers=tuple(r.get("headers", {}).items()),
            body=r.get("body", "").encode(),
            source=path.name,
            flow=i,
        )
        for i, r in enumerate(data["requests"])
    ]


@pytest.fixture
def tmp_capture_dir(tmp_path: Path) -> Path:
    return tmp_path
