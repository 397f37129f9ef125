"""The vendored autoconsent build: DuckDuckGo's `@duckduckgo/autoconsent` (MPL-2.0).

`vendor/` holds, unchanged from the npm release named in `vendor/autoconsent.json`, the
Playwright content script (`dist/autoconsent.playwright.js`), the rules it runs
(`rules/rules.json`) and the licence. `verify` checks them against the SHA-256 the manifest
pins; `refresh` (a maintainer's tool) is the only code that ever fetches a release.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pixelhelper.errors import PixelHelperError

PACKAGE = "@duckduckgo/autoconsent"
VENDOR = Path(__file__).with_name("vendor")
MANIFEST = VENDOR / "autoconsent.json"
VENDORED = {  # vendored name -> its path in the npm tarball
    "autoconsent.playwright.js": "package/dist/autoconsent.playwright.js",
    "rules.json": "package/rules/rules.json",
    "LICENSE": "package/LICENSE",
}
URL_CAP = 2048  # of a frame's URL matched against the rules' url patterns
_DROPPED_KEYS = ("_metadata", "comment", "vendorUrl")  # never read by the engine


def manifest() -> dict[str, Any]:
    """The pinned release: package, version, tarball, integrity and each file's SHA-256."""
    data: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return data


def verify() -> list[str]:
    """Problems with the vendored files (empty when each matches its pinned SHA-256)."""
    problems = []
    for name, pinned in manifest()["files"].items():
        path = VENDOR / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != pinned["sha256"]:
            problems.append(f"{name} does not match the pinned release")
    return problems


@functools.cache
def content_script() -> str:
    """The content script, checked against the manifest once per process."""
    problems = verify()
    if problems:
        raise PixelHelperError(
            "the vendored autoconsent build is damaged: " + "; ".join(problems)
            + " (reinstall pixelhelper)"
        )  # fmt: skip
    return (VENDOR / "autoconsent.playwright.js").read_text(encoding="utf-8")


@functools.cache
def _rules() -> tuple[tuple[dict[str, Any], re.Pattern[str] | None, bool, bool], ...]:
    """Each rule, slimmed, with its compiled url pattern and the frames it runs in."""
    content_script()  # verified first
    raw = json.loads((VENDOR / "rules.json").read_text(encoding="utf-8"))["autoconsent"]
    out = []
    for rule in raw:
        slim = {k: v for k, v in rule.items() if k not in _DROPPED_KEYS}
        context = rule.get("runContext") or {}
        pattern = context.get("urlPattern")
        try:
            compiled = re.compile(pattern) if pattern else None
        except re.error:
            continue  # a pattern Python cannot read is one the engine would skip here too
        out.append((slim, compiled, context.get("main", True), context.get("frame", False)))
    return tuple(out)


_ANSWER_INIT = """(() => {
  const send = window.autoconsentSendMessage;
  if (typeof send !== "function") { return; }
  const url = String(location.href);
  if (!/^https?:/.test(url)) {  // a new page's about:blank: no site, no banner
    window.autoconsentSendMessage = () => Promise.resolve();
    return;
  }
  const main = window === window.top;
  let chosen = null;
  let said = "";
  window.autoconsentSendMessage = (message) => {
    if (message && message.type === "report") {  // only news: a step or a new attempt
      const state = message.state || {};
      const news = main ? `${state.lifecycle} ${state.findCmpAttempts}` : "";
      if (!main || news === said) { return Promise.resolve(); }
      said = news;
      const brief = { lifecycle: state.lifecycle, findCmpAttempts: state.findCmpAttempts };
      return send({ type: "report", mainFrame: true, state: brief });
    }
    if (!message || message.type !== "init") { return send(message); }
    if (chosen === null) {
      chosen = JSON.parse(__RULES__).filter((rule) => {
        const run = rule.runContext || {};
        if (main ? run.main === false : run.frame !== true) { return false; }
        if (!run.urlPattern) { return true; }
        try { return new RegExp(run.urlPattern).test(url); } catch (e) { return false; }
      });
    }
    const answer = { type: "initResp", config: __CONFIG__, rules: { autoconsent: chosen } };
    Promise.resolve().then(
      () => window.autoconsentReceiveMessage && window.autoconsentReceiveMessage(answer));
    return Promise.resolve();
  };
})();"""


def init_answer(urls: Sequence[str], config: dict[str, Any]) -> str:
    """An init script, run in every frame before the content script, that answers its
    `init` in the page itself: the config, and the rules that can run in that frame (the
    engine's own frame and url-pattern filter, in the page's own RegExp). A round trip to
    Python per frame was a third of a mode's first page load.

    The rules it carries are the generic ones, every frame rule, and the site-specific rules
    for the sites of `urls` (their pattern matches one of those URLs or its origin, or names
    its host): the pages of one visit stay on those sites.
    """
    rules = _rules()
    chosen = tuple(
        index
        for index, (_, pattern, main, frame) in enumerate(rules)
        if pattern is None or frame or any(_fits(pattern, url) for url in urls)
    )
    text = _rules_json(chosen)
    return _ANSWER_INIT.replace("__CONFIG__", json.dumps(config)).replace(
        "__RULES__", json.dumps(json.dumps(json.loads(text)["autoconsent"]))
    )


def _fits(pattern: re.Pattern[str], url: str) -> bool:
    from urllib.parse import urlsplit

    url = url[:URL_CAP]
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return bool(
        pattern.search(url)
        or pattern.search(f"{parts.scheme}://{parts.netloc}/")
        or (host and re.escape(host) in pattern.pattern)
    )


def rules_for(url: str, main_frame: bool) -> list[dict[str, Any]]:
    """The rules that can run in a frame at `url`: the engine's own frame and url-pattern
    filter applied before the rules are sent (a sixth of the bundle for most pages)."""
    return [_rules()[i][0] for i in _chosen(url[:URL_CAP], main_frame)]


def rules_json(url: str, main_frame: bool) -> str:
    """`{"autoconsent": rules_for(url, main_frame)}` as JSON text, made once per set of rules
    (most pages of most sites get the same one): one string crosses to the page, not a tree."""
    return _rules_json(_chosen(url[:URL_CAP], main_frame))


def _chosen(url: str, main_frame: bool) -> tuple[int, ...]:
    return tuple(
        index
        for index, (_, pattern, main, frame) in enumerate(_rules())
        if (main if main_frame else frame) and (pattern is None or pattern.search(url))
    )


@functools.lru_cache(maxsize=64)
def _rules_json(chosen: tuple[int, ...]) -> str:
    rules = _rules()
    return json.dumps({"autoconsent": [rules[i][0] for i in chosen]}, separators=(",", ":"))
