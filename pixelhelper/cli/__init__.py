"""Command-line wiring: one module per command (`audit`, `check`, `diff`, `init`, `live`,
`view`, `scan`, `crawl`, `rules`), each with its `add_parser(commands)` and `run(args)`;
options several commands share live in `options`, and what they share at run time (exit
codes, stderr messages, running an audit, writing a report) in `common`.

Exit codes (like bandit and pip-audit): 0 clean, 1 findings at or above `--fail-on`,
2 usage error or an input that could not be read completely, 3 internal error (a bug: one line
and a hint to report it, never a traceback). The handling of every error is here, once. The
command modules import what they run inside `run`, so `--help` and `rules` start instantly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pixelhelper import __version__
from pixelhelper.cli import audit, check, crawl, diff, init, live, rules, scan, view
from pixelhelper.cli.common import BUG_HINT, EXIT_CODES, EXIT_ERROR, EXIT_INTERNAL, EXIT_OK, say
from pixelhelper.errors import PixelHelperError

COMMANDS = {"audit": audit, "live": live, "scan": scan, "view": view, "check": check,
            "init": init, "diff": diff, "crawl": crawl, "rules": rules}  # fmt: skip
"""Each command's module, in the order `--help` lists them."""

__all__ = ["COMMANDS", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixelhelper",
        description="TikTok Pixel Helper for the terminal and CI.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"pixelhelper {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS.values():
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pixelhelper` console script.

    The last-resort handler here guarantees the exit-code contract: whatever goes wrong, the
    user gets one line and a code CI can tell from a finding (3), never a traceback.
    """
    args = _parser().parse_args(argv)
    try:
        if getattr(args, "vendors", None):
            from pixelhelper.vendors import parse, select

            select(parse(args.vendors))
        code: int = COMMANDS[args.command].run(args)
        return code
    except PixelHelperError as exc:
        say(f"error: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pixelhelper audit ... | head`: the reader left, nothing to say
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:
        say(f"internal error: {type(exc).__name__}: {str(exc)[:300]} ({BUG_HINT})")
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
