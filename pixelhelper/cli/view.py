"""`pixelhelper view`: the inspector over saved captures or a JSON report."""

from __future__ import annotations

import argparse
from pathlib import Path

from pixelhelper.cli.common import EXIT_ERROR, EXIT_OK, audited, say_errors
from pixelhelper.cli.options import Commands, add_inspect_options


def add_parser(commands: Commands) -> None:
    """The `view` command and its options."""
    view = commands.add_parser(
        "view",
        help="explore saved captures or a JSON report in the interactive app",
        description="Open the interactive inspector (the same as `pixelhelper live`) over "
        "saved captures (.flow, .har) or a JSON report written by `audit --format json`.",
    )
    view.add_argument("paths", nargs="+", metavar="CAPTURE", help="capture files, directories "
                      "or one JSON report")  # fmt: skip
    add_inspect_options(view)


def run(args: argparse.Namespace) -> int:
    """`pixelhelper view CAPTURE...`."""
    from pixelhelper.live.runner import run_view_app
    from pixelhelper.live.stream import records_from_report, records_from_result
    from pixelhelper.report import build_report
    from pixelhelper.reportfile import read_report

    if len(args.paths) == 1 and Path(args.paths[0]).is_file():
        document = read_report(Path(args.paths[0]))
        if document is not None:
            return run_view_app(records_from_report(document), None)
    result = audited(args)
    say_errors(result)
    report = build_report(result, show_values=args.show_values)
    from pixelhelper.live.rawrequests import raw_loader

    run_view_app(
        records_from_result(result, args.show_values), report, raw_loader(result, args.show_values)
    )
    return EXIT_ERROR if result.has_errors else EXIT_OK
