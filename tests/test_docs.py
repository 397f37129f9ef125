"""The README is the front door: short, opening with the two commands, and the test command
is exactly what CI runs; every page it points to exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_is_short_and_opens_with_the_two_commands():
    assert len(README.splitlines()) <= 250
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.DOTALL)
    assert blocks[0] == "pip install . && pixelhelper audit examples/shop-session.flow"
    assert blocks[1] == "pip install -e '.[test]' && python3 -m pytest"
    assert README.index(blocks[1]) < README.index("## ")  # before any section


def test_ci_runs_exactly_the_readmes_test_command():
    run = (ROOT / ".ci" / "run").read_text()
    assert "python3 -m pip install -q -e '.[test]' && python3 -m pytest\n" in run
    assert "mkdocs build --strict" in run


def test_every_local_link_of_the_readme_exists():
    links = re.findall(r"\]\(([^)#:]+)\)", README)
    assert links
    for link in links:
        assert (ROOT / link).exists(), link


def test_every_docs_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in (ROOT / "docs").glob("*.md"):
        assert f": {page.name}" in nav, page.name
