"""Shared fixtures: the real captures in ../shared/captures, read in place (never copied)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pixelhelper.capture import CapturedRequest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
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
