"""`pixelhelper audit`: report the pixel traffic in saved captures."""

from __future__ import annotations

import argparse

from pixelhelper import files
from pixelhelper.cli.common import audited, emit, outcome
from pixelhelper.cli.options import (
    Commands,
    add_engine_options,
    add_inspect_options,
    add_report_options,
)
from pixelhelper.output import Format


def add_parser(commands: Commands) -> None:
    """The `audit` command and its options."""
    audit = commands.add_parser(
        "audit",
        help="report the TikTok pixel traffic in saved captures (.flow, .har)",
        description="Decode and check every TikTok pixel hit in mitmproxy flow files, HAR "
        "exports or directories of them.",
    )
    audit.add_argument("paths", nargs="+", metavar="PATH", help="capture files or directories")
    add_report_options(audit)
    add_inspect_options(audit)
    add_engine_options(audit, "audit the files in parallel on")


def run(args: argparse.Namespace) -> int:
    """`pixelhelper audit`."""
    if args.output:
        files.refuse_inputs(args.output, args.paths, "--output")
        files.check_writable(args.output, "--output")
    if Format(args.format) is not Format.JSONL:
        return emit(audited(args), args)
    from pixelhelper.output.jsonfmt import write_jsonl
    from pixelhelper.report import Report

    result = audited(args)  # first: a value flagged late is masked in every record
    with files.report_stream(args.output, private=args.show_values) as write:
        write_jsonl(Report(result, args.show_values), write)
    return outcome(result, args)
