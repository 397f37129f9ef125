"""The interactive app driven by Textual's Pilot: keys move, filter, open, follow and pause;
hostile strings stay text; a revisit shows the current visit's own status."""

from __future__ import annotations

import json

import pytest

from pixelhelper.audit import audit_paths, audit_requests
from pixelhelper.capture import CapturedRequest
from pixelhelper.live.app import PixelHelperApp, StaticSource
from pixelhelper.live.detail import DetailTree
from pixelhelper.live.stream import records_from_report, records_from_result
from pixelhelper.live.widgets import EventTable, PageTree, StatusBar
from pixelhelper.report import build_report
from pixelhelper.sources import request_from_flow

from conftest import EXAMPLES
from flowfactory import hit, loader_flow, pixel_flow

PIXEL = "https://analytics.tiktok.com/api/v2/pixel"


def _records(result, show_values=False):  # type: ignore[no-untyped-def]
    return records_from_result(result, show_values)


def _example():  # type: ignore[no-untyped-def]
    return audit_paths([EXAMPLES / "shop-session.flow"])


def _column(app: PixelHelperApp, key: str) -> list[str]:
    return [str(cell) for cell in app.query_one(EventTable).get_column(key)]


def _table_names(app: PixelHelperApp) -> list[str]:
    return _column(app, "event")


def _detail_text(app: PixelHelperApp) -> str:
    tree = app.query_one(DetailTree)
    out = [str(tree.root.label)]

    def walk(node):  # type: ignore[no-untyped-def]
        for child in node.children:
            out.append(str(child.label))
            walk(child)

    walk(tree.root)
    return "\n".join(out)


async def test_keys_move_filter_open_follow_and_pause():
    app = PixelHelperApp(StaticSource(_records(_example())))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.3)
        names = _table_names(app)
        assert "Purchase" in names and "Click" in names
        table = app.query_one(EventTable)
        assert table.cursor_row == len(names) - 1 and app.follow  # follows the newest
        await pilot.press("k", "k")
        assert table.cursor_row == len(names) - 3 and not app.follow
        assert "#" in _detail_text(app)
        await pilot.press("slash", *"Click")
        await pilot.pause(0.2)
        assert _table_names(app) == ["Click"]
        await pilot.press("escape")
        assert len(_table_names(app)) == len(names)
        await pilot.press("2")  # hide pixel hits
        assert "Purchase" in _table_names(app)  # the Events API Purchase stays
        assert "Pageview" not in _table_names(app)
        await pilot.press("2", "s", "s", "s", "s")  # pixel back; severity >= high
        shown = _table_names(app)
        assert shown and len(shown) < len(names)
        await pilot.press("s", "s")  # critical, then all again
        await pilot.press("f")
        assert app.follow and table.cursor_row == len(names) - 1
        await pilot.press("p")
        assert app.paused
        await pilot.press("p", "enter")
        assert app.query_one(DetailTree).has_focus
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape", "q")
    assert app.return_code == 0


async def test_detail_shows_findings_with_rule_field_value_and_fix():
    app = PixelHelperApp(StaticSource(_records(_example())))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.3)
        names = _table_names(app)
        click = names.index("Click")
        for _ in range(len(names) - 1 - click):
            await pilot.press("k")
        text = _detail_text(app)
        assert "sensitive-health" in text and "fix:" in text
        assert "auto_collected_properties.trigger_element.inner_text" in text
        await pilot.press("r")
        assert "raw request is not available" in _detail_text(app)


HOSTILE = [
    "[/]",
    "[bold red]Buy now[/bold red] [/]",
    "[link=https://evil.example]click[/link]",
    "//BUTTON[@id='book']",
    "\x1b]0;pwned\x07\x1b[2J",
    "tab\there\rreturn\x00nul",
    "x" * 100_000,
    "مرحبا \u202ealert(1)\u202c עברית",
]


async def test_hostile_strings_are_shown_as_text_and_the_app_keeps_updating():
    requests = []
    for n, text in enumerate(HOSTILE):
        body = hit("", page="https://shop.example.com/", n=n)
        body["action"] = "Click"
        body["auto_collected_properties"] = {"trigger_element": {"inner_text": text, "xpath": text}}
        requests.append(
            CapturedRequest("POST", PIXEL + "/act", (), json.dumps(body).encode(), flow=n)
        )
    health = hit("", page="https://shop.example.com/", n=99)
    health["action"] = "Click"
    health["auto_collected_properties"] = {
        "trigger_element": {"inner_text": "Book an abortion consultation"}
    }
    requests.append(
        CapturedRequest("POST", PIXEL + "/act", (), json.dumps(health).encode(), flow=99)
    )
    records = _records(audit_requests(requests))
    source = StaticSource(records[:3])
    app = PixelHelperApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        source.pending.extend(records[3:])  # the rest arrives later, like live traffic
        await pilot.pause(0.4)
        table = app.query_one(EventTable)
        assert table.row_count == len(HOSTILE) + 1  # every event appeared, the last included
        cells = _column(app, "parameters")
        assert '"[/]"' in cells[0] and "[bold red]Buy now[/bold red]" in cells[1]
        assert "\x1b" not in "".join(cells) and "\\x1b" in cells[4]
        assert len(cells[6]) <= 60  # cut with an ellipsis in the table
        status = str(app.query_one(StatusBar).render())
        assert "CRIT" in status  # the health click was counted
        await pilot.press("k", "k")  # the long value, whole in the detail pane (in lines)
        text = _detail_text(app)
        assert text.count("x" * 200) >= 100


async def test_a_revisit_shows_the_current_visit_status():
    page = "https://shop.example.com/thanks?email=jane%40example.com"
    clean = "https://shop.example.com/thanks"
    flows = [
        loader_flow(referer=clean, n=0),
        pixel_flow(
            hit(
                "Purchase",
                page=page,
                event_id="o1",
                properties={"value": 1, "currency": "USD"},
                n=1,
            ),
            n=1,
        ),
        loader_flow(referer=clean, n=2),
        pixel_flow(hit("Pageview", page=page, n=3), n=3),
    ]
    # the same URL visited twice: the second visit has its own node and its own status
    result = audit_requests(request_from_flow(f, "t", i) for i, f in enumerate(flows))
    app = PixelHelperApp(StaticSource(_records(result)))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.3)
        tree = app.query_one(PageTree)
        visits = [str(node.label) for node in tree.root.children]
        assert len(visits) == 2 and visits[1].startswith("▶") and not visits[0].startswith("▶")
        assert "visit 2" in visits[1]
        model = app.model
        first, second = list(model.visits)
        code = next(iter(model.visits[second]["pixels"]))
        assert model.status_of(second, code) != "green" or model.status_of(first, code) != "green"
        pixel_lines = [str(leaf.label) for leaf in tree.root.children[1].children]
        assert any(code in line for line in pixel_lines)


async def test_a_json_report_opens_in_the_same_app(tmp_path):
    report = build_report(_example())
    app = PixelHelperApp(StaticSource(records_from_report(json.loads(json.dumps(report)))))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        assert "Purchase" in _table_names(app)
        assert app.query_one(PageTree).root.children


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_no_raw_email_on_screen(size):
    app = PixelHelperApp(StaticSource(_records(_example())))
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.3)
        assert "jane.doe@example.com" not in app.export_screenshot()
        assert "jane.doe%40example.com" not in app.export_screenshot()


async def test_moving_with_the_tables_own_keys_stops_following_until_end():
    """Up/down are the table's own bindings while it has the focus: they must stop following
    too, so new traffic does not move the selection away from the row being read."""
    records = _records(_example())
    events = [r for r in records if r["type"] == "event"]
    first = [r for r in records if r["type"] != "event"] + events[:4]
    source = StaticSource(first)
    app = PixelHelperApp(source)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.3)
        table = app.query_one(EventTable)
        assert app.follow and table.cursor_row == 3
        await pilot.press("up", "up")
        await pilot.pause(0.1)
        assert not app.follow and table.cursor_row == 1
        assert "following" not in str(app.query_one(StatusBar).render())
        source.pending.extend(events[4:])  # new traffic arrives
        await pilot.pause(0.4)
        assert table.cursor_row == 1 and not app.follow
        await pilot.press("end")
        await pilot.pause(0.2)
        assert app.follow and table.cursor_row == len(events) - 1


async def test_r_over_a_saved_capture_reads_the_raw_request_from_the_file():
    from pixelhelper.live.rawrequests import raw_loader

    result = _example()
    app = PixelHelperApp(StaticSource(_records(result), raw=raw_loader(result, False)))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("r")
        await pilot.pause(0.2)
        text = _detail_text(app)
        assert "not available" not in text
        assert "POST https://business-api.tiktok.com/open_api/v1.3/event/track/" in text
        assert "Access-Token: <redacted credential>" in text  # credentials withheld
        assert "jane.doe@example.com" not in text  # values masked like reports


async def test_r_over_a_json_report_says_why_there_is_no_raw_request():
    report = build_report(_example())
    app = PixelHelperApp(StaticSource(records_from_report(report)))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("r")
        await pilot.pause(0.2)
        text = _detail_text(app)
        assert "JSON report keeps decoded events only" in text and "500 events" in text


@pytest.mark.parametrize("width", [80, 100, 120, 140, 160, 200])
async def test_the_table_fits_time_page_event_and_findings_at_every_width(width):
    app = PixelHelperApp(StaticSource(_records(_example())))
    async with app.run_test(size=(width, 40)) as pilot:
        await pilot.pause(0.3)
        table = app.query_one(EventTable)
        keys = [str(key.value) for key in table.columns]
        assert {"time", "page", "event", "findings"} <= set(keys)
        used = sum(column.get_render_width(table) for column in table.columns.values())
        assert used <= table.scrollable_content_region.width, (width, keys)
        if width >= 140:
            assert "pixel" in keys
        badges_shown = [str(cell) for cell in table.get_column("findings")]
        assert any("CRIT" in cell for cell in badges_shown)  # never cut to `2 CR`
