"""`--format html`: one self-contained, printable HTML file a person can read.

Rendered with Jinja2 (autoescaping on for `.html` templates, `StrictUndefined`): every string
from traffic is escaped on output, never pasted into markup. The CSS and the small script are
inlined from package files; a Content-Security-Policy with a per-report nonce allows only that
script and no network at all, so even a value that escaped its escaping could not run or load
anything. Without JavaScript every card is open and every finding listed; the script only
adds filters and sorting.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from pixelhelper.output.html.model import build, url_path


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pixelhelper.output.html", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def asset(name: str) -> Markup:
        """Our own CSS/JS, inlined as is (not parsed as a template)."""
        source, _filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
        return Markup(source)  # noqa: S704  (package files, never traffic)

    env.globals["asset"] = asset
    env.filters["urlpath"] = url_path
    return env


def render(report: dict[str, Any], color: bool = False) -> str:
    """The report as one HTML document (`report["run"]`, when present, describes the run)."""
    from pixelhelper.output.bounds import bounded_report

    template = environment().get_template("report.html")
    model = build(bounded_report(report), report.get("run"))
    return template.render(model=model, nonce=secrets.token_urlsafe(18))
