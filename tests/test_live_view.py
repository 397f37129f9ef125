"""The live view rendered with rich's recording console at fixed sizes, on a scripted stream."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from pixelhelper.live.view import LiveSettings, LiveState, event_line, render_live
from pixelhelper.sources import request_from_flow

from flowfactory import hit, loader_flow, pixel_flow


def _state(show_values: bool = False) -> LiveState:
    state = LiveState(
        settings=LiveSettings(
            listen="127.0.0.1:8080", mode="block", save="session.flow", show_values=show_values
        )
    )
    page = "https://shop.example.com/products/prenatal-vitamins?email=jane.doe%40example.com"
    stream = [
        loader_flow(referer="https://shop.example.com/", n=0),
        pixel_flow(hit("Pageview", page=page, n=1), n=1),
        pixel_flow(
            hit(
                "ViewContent",
                page=page,
                n=2,
                event_id="vc-1",
                properties={
                    "content_ids": ["SKU-1"],
                    "content_type": "product",
                    "value": 24.9,
                    "currency": "USD",
                },
            ),
            n=2,
        ),
        pixel_flow(b"{broken", n=3),
        pixel_flow(
            {
                **hit("", page=page, n=4),
                "action": "Click",
                "auto_collected_properties": {
                    "trigger_element": {
                        "tag": "BUTTON",
                        "inner_text": "Book an appointment with a midwife",
                    }
                },
            },
            path="/api/v2/pixel/act",
            n=4,
        ),
        pixel_flow(
            hit(
                "Purchase",
                page=page,
                n=5,
                event_id="o-1",
                user={"email": "jane.doe@example.com"},
                properties={"value": "24.90", "currency": "usd"},
            ),
            n=5,
        ),
    ]
    for i, flow in enumerate(stream):
        state.flows_seen += 1
        state.add(request_from_flow(flow, "live", i))
    state.blocked = len(stream)
    return state


def _screen(state: LiveState, width: int, height: int) -> str:
    console = Console(
        width=width,
        height=height,
        record=True,
        force_terminal=True,
        color_system=None,
        legacy_windows=False,
        _environ={},
    )
    console.print(render_live(state, height))
    return console.export_text()


@pytest.mark.parametrize(("width", "height"), [(80, 24), (160, 40)])
def test_live_view_fits_and_shows_everything(width, height):
    text = _screen(_state(), width, height)
    lines = text.splitlines()
    assert len(lines) == height
    assert all(len(line) <= width for line in lines)
    assert "CQ8PJ3RC77U4LT2MKR2G" in text  # pixels on the current page
    assert "Events" in text and "Purchase" in text and "ViewContent" in text
    assert "Latest event" in text  # details of the latest event
    assert "127.0.0.1:8080" in text and "block" in text  # status line
    assert "saving session.flow" in text or width < 100
    assert "jane.doe@example.com" not in text  # masked
    assert "jane.doe%40example.com" not in text


def test_wide_view_shows_details_and_parameters():
    text = _screen(_state(), 160, 40)
    assert "value=24.90" in text and "currency=usd" in text
    assert "invalid-currency" in text  # findings of the latest event
    assert "j***@example.com" in text


def test_show_values_shows_raw_values():
    text = _screen(_state(show_values=True), 160, 40)
    assert "jane.doe@example.com" in text


def test_empty_state_renders():
    state = LiveState()
    text = _screen(state, 80, 24)
    assert "waiting for pixel traffic" in text


def test_plain_lines_for_non_terminals():
    state = _state()
    lines = [event_line(state, i) for i in range(len(state.events))]
    assert len(lines) == 6
    assert "ViewContent" in lines[2] and "value=24.9" in lines[2]
    assert "DECODE ERROR" in lines[3]
    assert "critical" in lines[4]
    assert all("jane.doe@" not in line for line in lines)
    json.dumps(lines)
