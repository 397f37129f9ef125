"""`pixelhelper live`: the proxy, and the interactive inspector or one line per event."""

from __future__ import annotations

import argparse
import sys

from pixelhelper.cli.common import EXIT_ERROR, EXIT_OK, checked, proxy_config, say
from pixelhelper.cli.options import Commands, add_inspect_options, add_proxy_options


def add_parser(commands: Commands) -> None:
    """The `live` command and its options."""
    live = commands.add_parser(
        "live",
        help="run a local proxy and watch pixel traffic live while you browse",
        description="Start a local mitmproxy-based proxy with the pixelhelper addon and show "
        "every TikTok pixel event live. Ctrl-C ends and prints the session report.",
    )
    add_proxy_options(live)
    live.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    live.add_argument(
        "--browser", action="store_true", help="launch Chromium with a fresh profile on the proxy"
    )
    live.add_argument(
        "--open", metavar="URL", help="launch Chromium (as --browser does) on this page"
    )
    live.add_argument("--report", metavar="FILE", help="on exit, write the JSON report to FILE")
    live.add_argument(
        "--view", choices=["auto", "app", "live", "lines", "none"], default="auto",
        help="the interactive app when stdin, stdout and stderr are a terminal (auto; 'app' "
        "forces it, 'live' is another name for it), one line per event (lines, the default "
        "otherwise), or none",
    )  # fmt: skip
    live.add_argument(
        "--set", dest="mitm_set", action="append", default=[], metavar="NAME=VALUE",
        help="pass an option to mitmproxy (repeatable; a pixelhelper_* option given here "
        "replaces the value pixelhelper would set)",
    )  # fmt: skip
    add_inspect_options(live)


def _wants_app(view: str) -> bool:
    """The interactive app draws on stderr (Textual's way) and reads keys from stdin: by
    default only when stdin, stdout and stderr are all a terminal (`2>live.log` would draw
    the whole app into the file and leave the terminal blank)."""
    if view in ("app", "live"):
        return True
    streams = (sys.stdin, sys.stdout, sys.stderr)
    return view == "auto" and all(stream.isatty() for stream in streams)


def run(args: argparse.Namespace) -> int:
    """`pixelhelper live`."""
    from pixelhelper.live import proxy

    config = proxy_config(args, args.port)
    config.report = checked(args.report, "--report")
    config.extra = proxy.run_args(args.mitm_set)
    browser = wants_browser(args)
    if _wants_app(args.view):
        from pixelhelper.live.runner import run_live_app

        code = run_live_app(config, browser=browser, url=args.open)
    else:
        config.view = "lines" if args.view == "auto" else args.view
        code = proxy.run_live(config, browser=browser, url=args.open)
    if code != 0:
        say(f"the proxy stopped with exit code {code}")
        return EXIT_ERROR
    return EXIT_OK


def wants_browser(args: argparse.Namespace) -> bool:
    """`--browser`, or `--open URL`, which names the page of a browser to start."""
    return bool(args.browser or args.open)
