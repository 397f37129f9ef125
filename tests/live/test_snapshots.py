"""Snapshots of the app at 80x24 and 160x45 over the bundled example (reviewed by eye once:
`pytest tests/live/test_snapshots.py --snapshot-update` rewrites them)."""

from __future__ import annotations

import time

import pytest

from pixelhelper.audit import audit_paths
from pixelhelper.live.app import PixelHelperApp, StaticSource
from pixelhelper.live.stream import records_from_result

from conftest import EXAMPLES


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _app() -> PixelHelperApp:
    result = audit_paths([EXAMPLES / "shop-session.flow"])
    return PixelHelperApp(StaticSource(records_from_result(result, False)))


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause(0.3)


async def _select_click(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause(0.3)
    await pilot.press("k", "k")
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
def test_following_the_newest_event(snap_compare, size):
    assert snap_compare(_app(), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)], ids=["80x24", "160x45"])
def test_a_selected_event_with_its_findings(snap_compare, size):
    assert snap_compare(_app(), terminal_size=size, run_before=_select_click)
