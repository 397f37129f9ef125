"""`pixelhelper diff`: what changed between two sessions."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from pixelhelper import files
from pixelhelper.cli.common import (
    EXIT_CODES,
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    audited,
    inspect_options,
    say_errors,
    write_output,
)
from pixelhelper.cli.options import Commands, add_inspect_options
from pixelhelper.severity import SEVERITIES

if TYPE_CHECKING:
    from pixelhelper.policy import Policy


def add_parser(commands: Commands) -> None:
    """The `diff` command and its options."""
    diff = commands.add_parser(
        "diff",
        help="compare two sessions (captures or JSON reports)",
        description="Compare two recorded sessions: pixels, events per page, parameters and "
        "findings added, removed or changed. Exit 1 when NEW has new failing findings.",
        epilog=EXIT_CODES,
    )
    diff.add_argument("old", metavar="OLD", help="the earlier capture or JSON report")
    diff.add_argument("new", metavar="NEW", help="the later capture or JSON report")
    diff.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    diff.add_argument("--output", "-o", metavar="FILE", help="write the diff to FILE")
    diff.add_argument("--policy", metavar="FILE", help="the policy that decides what fails")
    diff.add_argument("--fail-on", choices=SEVERITIES, default=None,
                      help="severity that fails (default: the policy's, else high)")  # fmt: skip
    add_inspect_options(diff)


def _side(path: str, args: argparse.Namespace, policy: Policy) -> dict[str, object]:
    """One side of a diff: a JSON report as written, or a capture audited and judged."""
    from pixelhelper.policy.gate import judged_report
    from pixelhelper.reportfile import read_report

    if Path(path).is_file():
        document = read_report(Path(path))
        if document is not None:
            return document
    result = audited(args, paths=[path], options=inspect_options(args, policy))
    say_errors(result)
    if result.has_errors:
        raise _Unreadable
    report, _ = judged_report(result, policy, fail_on=args.fail_on)
    return report


class _Unreadable(Exception):
    """A side of a diff could not be read completely (already said on stderr)."""


def run(args: argparse.Namespace) -> int:
    """`pixelhelper diff OLD NEW`."""
    import json

    from pixelhelper.policy import load_policy
    from pixelhelper.policy.diff import render_text, session_diff

    if args.output:
        inputs = [args.old, args.new, *([args.policy] if args.policy else [])]
        files.refuse_inputs(args.output, inputs, "--output")
        files.check_writable(args.output, "--output")
    policy = load_policy(args.policy)
    try:
        old, new = _side(args.old, args, policy), _side(args.new, args, policy)
    except _Unreadable:
        return EXIT_ERROR
    diff = session_diff(old, new)
    text = json.dumps(diff, indent=1) + "\n" if args.format == "json" else render_text(diff)
    write_output(text, args.output)
    return EXIT_FINDINGS if diff["new_failing"] else EXIT_OK
