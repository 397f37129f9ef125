"""`pixelhelper init`: a starter policy, filled from captures when given."""

from __future__ import annotations

import argparse
from pathlib import Path

from pixelhelper import files
from pixelhelper.cli.common import EXIT_ERROR, EXIT_OK, audited, say, say_errors
from pixelhelper.cli.options import Commands


def add_parser(commands: Commands) -> None:
    """The `init` command and its options."""
    init = commands.add_parser(
        "init",
        help="write a starter pixelhelper.toml (filled from a capture when given)",
        description="Write a commented starter policy. From captures, it lists their pixel "
        "codes as allowed and their conversion events as required.",
    )
    init.add_argument("paths", nargs="*", metavar="CAPTURE", help="captures to learn from")
    init.add_argument(
        "--output", "-o", metavar="FILE", default="pixelhelper.toml",
        help="where to write it (default ./pixelhelper.toml)",
    )  # fmt: skip
    init.add_argument("--force", action="store_true", help="overwrite an existing file")


def run(args: argparse.Namespace) -> int:
    """`pixelhelper init [CAPTURE...]`."""
    from pixelhelper.policy.starter import starter_policy
    from pixelhelper.report import build_report

    target = Path(args.output)
    if target.exists() and not args.force:
        say(f"{target} exists; use --force to overwrite it")
        return EXIT_ERROR
    files.refuse_inputs(target, args.paths, "--output")
    files.check_writable(str(target), "--output")
    report = None
    if args.paths:
        from pixelhelper.inspect import InspectOptions

        result = audited(args, options=InspectOptions())
        say_errors(result)
        if result.has_errors:
            return EXIT_ERROR
        report = build_report(result)
    files.write_text(target, starter_policy(report))
    say(f"wrote {target}; edit it, then run `pixelhelper check CAPTURE`")
    return EXIT_OK
