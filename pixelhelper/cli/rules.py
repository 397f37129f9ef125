"""`pixelhelper rules`: the checks and their ids, or the help of one."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from pixelhelper.cli.common import EXIT_ERROR, EXIT_OK, say
from pixelhelper.cli.options import Commands

if TYPE_CHECKING:
    from pixelhelper.inspect.rules import Rule

_VENDOR_TITLES = {None: "Every vendor (sensitive data, consent, forms, policy)",
                  "tiktok": "TikTok Pixel", "meta": "Meta Pixel"}  # fmt: skip


def _vendor_order(vendor: str | None) -> tuple[int, str]:
    order = {None: 0, "tiktok": 1, "meta": 2}
    return (order.get(vendor, 3), vendor or "")


def add_parser(commands: Commands) -> None:
    """The `rules` command and its options."""
    rules = commands.add_parser(
        "rules",
        help="list the checks and their ids, or explain one",
        description="List every rule (id, severity, summary), or print the help of one rule.",
    )
    rules.add_argument("rule_id", nargs="?", metavar="RULE_ID", help="the rule to explain")


def run(args: argparse.Namespace) -> int:
    """`pixelhelper rules [RULE_ID]`: wrapped at word boundaries to the terminal's width."""
    import shutil
    import textwrap

    from pixelhelper.inspect import all_rules

    registry = all_rules()
    width = max(40, shutil.get_terminal_size((100, 24)).columns - 1)
    if args.rule_id:
        rule = registry.get(args.rule_id)
        if rule is None:
            say(f"unknown rule {args.rule_id!r}; see `pixelhelper rules`")
            return EXIT_ERROR
        paragraphs = [" ".join(p.split()) for p in rule.help.split("\n\n")]
        scope = f", {rule.vendor} only" if rule.vendor else ", any vendor"
        print(textwrap.fill(f"{rule.id}  ({rule.severity} at most, {rule.level} level{scope})",
                            width, break_long_words=False, break_on_hyphens=False))  # fmt: skip
        print(textwrap.fill(rule.summary, width))
        for paragraph in paragraphs:
            text = textwrap.fill(paragraph, width, break_long_words=False, break_on_hyphens=False)
            print("\n" + text)
        return EXIT_OK
    id_width = max(len(rule_id) for rule_id in registry)
    indent = " " * (id_width + 12)
    groups: dict[str | None, list[Rule]] = {}
    for rule in registry.values():
        groups.setdefault(rule.vendor, []).append(rule)
    for vendor, rules in sorted(groups.items(), key=lambda item: _vendor_order(item[0])):
        print(_VENDOR_TITLES.get(vendor, f"{vendor} pixel") + ":")
        for rule in rules:
            head = f"  {rule.id:{id_width}}  {rule.severity:8}  "
            print(textwrap.fill(rule.summary, width, initial_indent=head,
                                subsequent_indent="  " + indent, break_long_words=False,
                                break_on_hyphens=False))  # fmt: skip
    print(textwrap.fill("The severity listed is the most a rule gives: a finding's own depends "
                        "on where the value was found (`pixelhelper rules RULE_ID` says how).",
                        width))  # fmt: skip
    return EXIT_OK
