"""Journeys for CI: `check --journey` on the example shop's journey (the recipes' one command),
and `crawl --journey` over several sites."""

from __future__ import annotations

import json
from pathlib import Path

from pixelhelper.cli import main

from e2e_support import needs_chromium, site_server

ROOT = Path(__file__).resolve().parent.parent
JOURNEY = ROOT / "examples" / "ci" / "journey.toml"
POLICY = ROOT / "examples" / "ci" / "pixelhelper.toml"


def write(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@needs_chromium
def test_the_ci_journey_gates_the_example_shop_in_one_command(tmp_path):
    out, strict_out = tmp_path / "check.json", tmp_path / "strict.json"
    with site_server() as base:
        start = ["--start", f"{base}/index.html", "--wait", "0.3"]
        code = main(["check", "--journey", str(JOURNEY), *start, "--policy", str(POLICY),
                     "--save", str(tmp_path / "ci.flow"), "--format", "json",
                     "--output", str(out)])  # fmt: skip
        report = json.loads(out.read_text())
        assert code == 0, [(f["rule"], f.get("step")) for f in report["findings"]]
        assert report["journey"]["status"] == "completed"
        consent = report["consent"][0]
        assert consent["mode"] == "reject" and consent["action"] == "opted-out"
        assert consent["events_after_choice"] == 0  # the shop honours "Reject All"
        assert all(step["status"] == "ok" for step in report["journey"]["steps"])
        # without the dated exceptions, the page view sent before the choice fails the build
        strict = write(tmp_path, POLICY.read_text().split("# Accepted for now")[0], "strict.toml")
        code = main(["check", "--journey", str(JOURNEY), *start, "--policy", str(strict),
                     "--save", str(tmp_path / "strict.flow"), "--format", "json",
                     "--output", str(strict_out)])  # fmt: skip
    assert code == 1
    failing = json.loads(strict_out.read_text())
    rules = {f["rule"]: f.get("step") for f in failing["findings"]}
    assert rules.get("pixel-before-consent") == 0  # the home page, before the banner's answer


@needs_chromium
def test_crawl_walks_the_journey_on_each_site_and_only_there(tmp_path):
    relative = write(tmp_path, 'name = "Cart"\nstart = "/"\n[[step]]\ngoto = "product.html"\n'
                     '[[step]]\nclick = "#add-to-cart"\n', "cart.toml")  # fmt: skip
    with site_server() as first, site_server() as second:
        code = main(["crawl", f"{first}/index.html", f"{second}/index.html", "--journey",
                     str(relative), "--out", str(tmp_path / "crawl"), "--workers", "1",
                     "--mode", "block", "--wait", "0.3", "--timeout", "60"])  # fmt: skip
        assert code == 0
        rows = [json.loads(line) for line in (tmp_path / "crawl" / "results.jsonl").open()]
        assert len(rows) == 2
        for row in rows:
            assert row["status"] == "ok" and row["journey"]["status"] == "completed", row
            report = json.loads((tmp_path / "crawl" / row["report"]).read_text())
            carts = [e for e in report["events"] if e.get("event") == "AddToCart"]
            assert carts and carts[0]["step"] == 2
        # a journey that would leave the site it was given stops there
        away = write(tmp_path, f'name = "Away"\nstart = "/"\n[[step]]\ngoto = "{second}/"\n',
                     "away.toml")  # fmt: skip
        main(["crawl", f"{first}/index.html", "--journey", str(away), "--out",
              str(tmp_path / "away"), "--workers", "1", "--mode", "block", "--wait", "0.3"])  # fmt: skip
    row = json.loads((tmp_path / "away" / "results.jsonl").read_text().splitlines()[0])
    assert row["journey"]["status"] == "failed" and row["journey"]["failed_step"] == 1
    assert "not on the site" in row["journey"]["error"]


def test_the_ci_recipes_run_the_journey_with_options_that_exist():
    from pixelhelper.cli import _parser

    parser = _parser()
    github = (ROOT / "examples" / "ci" / "github-actions.yml").read_text()
    commands = [line.strip() for line in github.splitlines()
                if line.strip().startswith("pixelhelper ")]  # fmt: skip
    assert any("check --journey examples/ci/journey.toml" in c for c in commands)
    for command in commands:
        parser.parse_args(command.replace('"$(command -v chromium)"', "chromium").split()[1:])
    gitlab = (ROOT / "examples" / "ci" / "gitlab-ci.yml").read_text()
    folded = " ".join(gitlab.split("- >", 1)[1].split("\n    - ", 1)[0].split())
    assert folded.startswith("pixelhelper check --journey examples/ci/journey.toml")
    parser.parse_args(folded.split()[1:])
