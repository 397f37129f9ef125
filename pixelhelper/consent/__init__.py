"""Consent scenarios (`--consent`): the same visit with no choice, after "Reject all", after
"Accept all", and under Global Privacy Control.

- `modes`: the modes and the `--consent` list.
- `timeline`: what happened in each mode and when (pure; the audit reads it).
- `driver`: the browser side, one mode in one Playwright context, banners answered by
  DuckDuckGo's autoconsent (`bundle`, vendored; `refresh` updates it).
- `summary`: the report's `consent` section and the crawl rows' `consent`.
"""
