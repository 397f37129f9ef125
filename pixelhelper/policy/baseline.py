"""Baseline files: the fingerprints of accepted findings, so a check fails only on new ones.

A fingerprint may occur more than once (the same field leaking on two visits of a page), so
the baseline counts them: a third occurrence of a fingerprint the baseline saw twice is new.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pixelhelper import __version__
from pixelhelper.errors import ConfigError

BASELINE_VERSION = 1


MAX_BASELINE_BYTES = 256 << 20


class BaselineError(ConfigError):
    """A baseline file that cannot be read."""


def write_baseline(
    path: str | Path, fingerprints: list[str], findings: list[dict[str, Any]]
) -> None:
    """Write the fingerprints of `findings` (report dicts, already redacted) to `path`."""
    from pixelhelper.files import write_text

    counts = Counter(fingerprints)
    described: dict[str, dict[str, Any]] = {}
    for fingerprint, item in zip(fingerprints, findings, strict=True):
        described.setdefault(
            fingerprint,
            {"count": counts[fingerprint], "rule": item.get("rule"),
             "pixel_code": item.get("pixel_code"), "location": item.get("location")},
        )  # fmt: skip
    document = {"version": BASELINE_VERSION, "generator": f"pixelhelper {__version__}",
                "fingerprints": dict(sorted(described.items()))}  # fmt: skip
    write_text(str(path), json.dumps(document, indent=1) + "\n")


def read_baseline(path: str | Path) -> Counter[str]:
    """Fingerprint -> how many times the baseline saw it."""
    from pixelhelper.documents import load_json

    file = Path(path)
    try:
        document = load_json(file, "baseline", MAX_BASELINE_BYTES)
    except ConfigError as exc:
        raise BaselineError(str(exc)) from None
    entries = document.get("fingerprints") if isinstance(document, dict) else None
    if not isinstance(entries, dict) or document.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{file}: not a pixelhelper baseline (version {BASELINE_VERSION})")
    counts: Counter[str] = Counter()
    for fingerprint, entry in entries.items():
        count = entry.get("count", 1) if isinstance(entry, dict) else 1
        counts[str(fingerprint)] = count if isinstance(count, int) and count > 0 else 1
    return counts
