"""Registered domains by the Public Suffix List, from tldextract's bundled snapshot.

Recognising TikTok's hosts, telling `logo@2x.png` from an email address and naming a page's
site all need the registered domain of a host (`analytics.tiktok.com` -> `tiktok.com`,
`shop.example.co.uk` -> `example.co.uk`). tldextract ships the list and its rules, but
importing it pulls in `requests` and `urllib3`, and each `TLDExtract` builds its own tries;
together that was a third of a second before the first request was read. This module reads
the same snapshot file once, without importing tldextract and never from the network, and
applies the list's algorithm (longest matching rule, `*.` wildcards, `!` exceptions) to the
ICANN section, as `TLDExtract(suffix_list_urls=())` does by default. The tests hold it to
tldextract's answers.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

_PRIVATE = "// ===BEGIN PRIVATE DOMAINS==="
_RULE = re.compile(r"^(?P<suffix>[.*!]*\w[\S]*)", re.UNICODE | re.MULTILINE)  # as tldextract
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_IPV4 = re.compile(r"^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$")


@dataclass(frozen=True, slots=True)
class Parts:
    """A host split at its registered domain: `a.b` + `example` + `co.uk`."""

    subdomain: str
    domain: str
    suffix: str

    @property
    def registered(self) -> str:
        """`example.co.uk`, or "" when the host has no public suffix (an IP, `localhost`)."""
        return f"{self.domain}.{self.suffix}" if self.domain and self.suffix else ""


def snapshot_path() -> Path:
    """The suffix list tldextract bundles, found without importing tldextract."""
    spec = importlib.util.find_spec("tldextract")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("tldextract is not installed: its public suffix list is needed")
    return Path(next(iter(spec.submodule_search_locations))) / ".tld_set_snapshot"


@cache
def _rules() -> tuple[frozenset[str], frozenset[str]]:
    """(rules, stems) of the ICANN section: stems are every right-hand part of a rule, the
    nodes of tldextract's trie, with `*` and `!` labels kept as written."""
    text = snapshot_path().read_text(encoding="utf-8").partition(_PRIVATE)[0]
    rules = frozenset(_RULE.findall(text))
    stems = set(rules)  # nearly all right-hand parts are rules themselves (`co.uk`, `uk`)
    for rule in rules:
        dot = rule.find(".")
        while dot >= 0:
            stems.add(rule[dot + 1 :])
            dot = rule.find(".", dot + 1)
    return rules, frozenset(stems)


def _decode(label: str) -> str:
    lowered = label.lower()
    if lowered.startswith("xn--"):
        try:
            import idna

            decoded: str = idna.decode(lowered)
            return decoded
        except (UnicodeError, IndexError, ImportError):
            pass
    return lowered


def _suffix_start(labels: list[str]) -> int | None:
    """Index of the public suffix's first label; None when no rule matches.

    Walks from the right as tldextract's trie does: each longer suffix must be a rule or the
    stem of one; where the walk stops, a wildcard covers one more label unless an exception
    names it.
    """
    rules, stems = _rules()
    found: int | None = None
    suffix = ""
    for index in range(len(labels) - 1, -1, -1):
        label = _decode(labels[index])
        longer = f"{label}.{suffix}" if suffix else label
        if longer in stems:
            suffix = longer
            if longer in rules:
                found = index
            continue
        if suffix and f"*.{suffix}" in stems:
            return index + 1 if f"!{label}.{suffix}" in stems else index
        break
    return found


@lru_cache(maxsize=8192)
def split(host: str) -> Parts:
    """Split a bare host name (no scheme, port or path) at its registered domain."""
    host = host.translate(_DOTS).rstrip(".")
    if ":" in host or _IPV4.match(host):  # IPv6 (bracketed or not) and IPv4 addresses
        return Parts("", host, "")
    labels = host.split(".")
    start = _suffix_start(labels)
    if start is None:
        return Parts(".".join(labels[:-1]), labels[-1], "")
    return Parts(
        ".".join(labels[: start - 1]) if start >= 2 else "",
        labels[start - 1] if start > 0 else "",
        ".".join(labels[start:]),
    )


def ascii_name(host: str) -> bool:
    """Is the host name ASCII, once its dot look-alikes (`。`) are dots? A name that is not
    is none of the well-known hosts, whatever `str.lower` folds it to (the Kelvin sign
    lowers to `k`), and readers that fold raw bytes must agree with the parsed path."""
    return host.isascii() or host.translate(_DOTS).isascii()


def registered_domain(host: str) -> str:
    """`tiktok.com` for `analytics.tiktok.com`; "" when there is no public suffix."""
    return split(host).registered
